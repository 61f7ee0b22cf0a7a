// The one error module: the base class every deliberate credwatch error extends, and the stable
// codes results carry. A leaf: it imports nothing of credwatch's, so every layer may use it.

/** What a result carries of an error: a stable code for machines, a message for the person on call. */
export interface ErrorInfo<C extends string = string> {
  code: C;
  message: string;
}

/**
 * Every error credwatch raises on purpose. `code` is stable (tests, alerts and the result JSON rely
 * on it); the message says what broke and what to look at, and never carries a secret.
 */
export class CredwatchError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
  }

  info(): ErrorInfo<C> {
    return { code: this.code, message: this.message };
  }
}

const isCredwatchError = (e: unknown): e is CredwatchError => e instanceof CredwatchError;

/** `probe.error.code` (the DESIGN contract): why a live test call failed. */
const PROBE_ERROR_CODES = [
  'tls_handshake',
  'token_rejected',
  'bad_token_response',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
  'bad_response',
] as const;
export type ProbeErrorCode = (typeof PROBE_ERROR_CODES)[number];

/** Why a local file could not be used (kinds' InspectError). */
const FILE_ERROR_CODES = ['file_missing', 'file_unreadable', 'file_empty', 'not_pem', 'bad_certificate', 'bad_key', 'bad_json'] as const;
export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];

/** Why a remote TLS endpoint could not be inspected (the `tls` kind). */
export type EndpointErrorCode = 'timeout' | 'connection' | 'tls_handshake';

/**
 * `Observation.error.code`: why a credential could not be inspected at all (status `error`).
 * `inspect_failed` is the fallback for a failure no one classified (a kind that threw).
 */
export type InspectErrorCode = FileErrorCode | EndpointErrorCode | 'inspect_failed';

/** Codes of the errors outside results: a config that does not load, the database, the command line. */
export const CONFIG_INVALID = 'config_invalid';
export const STORE_ERROR = 'store_error';
export const USAGE_ERROR = 'usage';

const INSPECT_CODES: ReadonlySet<string> = new Set<InspectErrorCode>([...FILE_ERROR_CODES, 'timeout', 'connection', 'tls_handshake', 'inspect_failed']);

/**
 * An inspection's failure as `Observation.error`: a credwatch error keeps its code; anything else
 * (a bare Node error that escaped a kind) is `inspect_failed`, with its message as it was.
 */
export function inspectFailure(err: unknown): ErrorInfo<InspectErrorCode> {
  const message = (err as Error)?.message ?? String(err);
  const code = isCredwatchError(err) && INSPECT_CODES.has(err.code) ? (err.code as InspectErrorCode) : 'inspect_failed';
  return { code, message };
}

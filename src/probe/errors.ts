import type { ProbeStage } from '../types.js';
import { CredwatchError, type ProbeErrorCode } from '../errors.js';
import { scrubSecrets } from '../secret.js';

/**
 * Why a probe failed, already classified into the contract's stable codes. The message is for the
 * person on call: it says what broke and what to look at. It never carries a secret or a token.
 */
export class ProbeError extends CredwatchError<ProbeErrorCode> {
  constructor(
    code: ProbeErrorCode,
    message: string,
    /** Where the probe ended: `tls` for connect and handshake failures. */
    readonly stage: ProbeStage,
    readonly httpStatus: number | null = null,
    /** ISO instant before which the server asked not to be called again (Retry-After). */
    readonly retryAfter?: string,
  ) {
    // Messages may quote a server: the one scrubber masks every configured secret in them.
    super(code, scrubSecrets(message));
    this.name = 'ProbeError';
  }
}

export const isProbeError = (e: unknown): e is ProbeError => e instanceof ProbeError;

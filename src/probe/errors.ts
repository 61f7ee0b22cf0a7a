import type { ProbeErrorCode, ProbeErrorInfo, ProbeStage } from '../types.js';
import { scrubSecrets } from '../secret.js';

/**
 * Why a probe failed, already classified into the contract's stable codes. The message is for the
 * person on call: it says what broke and what to look at. It never carries a secret or a token.
 */
export class ProbeError extends Error {
  constructor(
    readonly code: ProbeErrorCode,
    message: string,
    /** Where the probe ended: `tls` for connect and handshake failures. */
    readonly stage: ProbeStage,
    readonly httpStatus: number | null = null,
    /** ISO instant before which the server asked not to be called again (Retry-After). */
    readonly retryAfter?: string,
  ) {
    // Messages may quote a server: the one scrubber masks every configured secret in them.
    super(scrubSecrets(message));
    this.name = 'ProbeError';
  }

  info(): ProbeErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export const isProbeError = (e: unknown): e is ProbeError => e instanceof ProbeError;

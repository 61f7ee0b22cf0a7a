import type { ProbeErrorInfo, ProbeResult, ProbeStage } from '../types.js';

/**
 * A probe that ended in `error` before it had anything else to say: no status unless given, and
 * with `taxIdentifiers`, every entity failed the same way.
 */
export function failedProbe(
  error: ProbeErrorInfo,
  at: { stage: ProbeStage; httpStatus?: number | null; latencyMs?: number; tokenExpiresAt?: string | null; retryAfter?: string; taxIdentifiers?: readonly string[] },
): ProbeResult {
  return {
    ok: false,
    stage: at.stage,
    httpStatus: at.httpStatus ?? null,
    latencyMs: at.latencyMs ?? 0,
    tokenExpiresAt: at.tokenExpiresAt ?? null,
    error,
    ...(at.retryAfter ? { retryAfter: at.retryAfter } : {}),
    ...(at.taxIdentifiers ? { entities: at.taxIdentifiers.map((taxIdentifier) => ({ taxIdentifier, ok: false, httpStatus: null, error: { ...error } })) } : {}),
  };
}

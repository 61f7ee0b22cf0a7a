import { retryAfterDelayMs } from '../retry-after.js';

/**
 * The longest a provider's Retry-After may hold back a credential's probe: a reply asking for a
 * year must not switch a probe off for a year (the credential would look fine, unchecked).
 */
export const MAX_PROBE_RETRY_AFTER_MS = 6 * 3_600_000;

/**
 * `Retry-After` as the instant (at most MAX_PROBE_RETRY_AFTER_MS ahead) before which the server wants no new request: either
 * delay-seconds or an HTTP date. Returns null when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): Date | null {
  const ms = retryAfterDelayMs(value, nowMs);
  // A date in the past means "now": nothing to wait for.
  return ms === null || ms < 0 ? null : new Date(nowMs + Math.min(ms, MAX_PROBE_RETRY_AFTER_MS));
}

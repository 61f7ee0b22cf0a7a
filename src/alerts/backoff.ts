// Pure: when to try a failed delivery again.

export interface BackoffPolicy {
  /** Wait after the first failure; doubles with each further one. */
  baseMs: number;
  /** Never wait longer than this between attempts (a Retry-After may ask for more). */
  maxMs: number;
  /** Stop retrying an event this long after it was queued: a week-old alert helps nobody. */
  giveUpAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 10 * 60_000, giveUpAfterMs: 72 * 3_600_000 };

/**
 * Delay before attempt `attempts + 1`, after `attempts` failures; honours the server's Retry-After,
 * but never beyond `maxMs`: a receiver asking for a year must not park alerts for a year.
 */
export function retryDelay(attempts: number, policy: BackoffPolicy, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.min(policy.maxMs, Math.max(exp, retryAfterMs ?? 0));
}

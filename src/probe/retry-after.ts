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
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return new Date(nowMs + Math.min(Number(v) * 1000, MAX_PROBE_RETRY_AFTER_MS));
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  // A date in the past means "now": nothing to wait for.
  return at > nowMs ? new Date(Math.min(at, nowMs + MAX_PROBE_RETRY_AFTER_MS)) : null;
}

/**
 * `Retry-After` as the instant before which the server wants no new request: either
 * delay-seconds or an HTTP date. Returns null when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): Date | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return new Date(nowMs + Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  // A date in the past means "now": nothing to wait for.
  return at > nowMs ? new Date(at) : null;
}

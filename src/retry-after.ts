/**
 * `Retry-After`, delay-seconds or an HTTP date, as the milliseconds to wait from `nowMs`: negative
 * for a date already past. Null when absent or unreadable. The one parser: probes turn it into a
 * capped instant (probe/retry-after.ts), notifiers into a delay for the outbox's backoff.
 */
export function retryAfterDelayMs(value: string | readonly string[] | null | undefined, nowMs: number): number | null {
  const v = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : at - nowMs;
}

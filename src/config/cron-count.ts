// How often a node-cron expression fires over a window, thinned by a least interval: what a
// schedule plus `probe.interval` means in probes, for the request projection `validate` prints.
import cron from 'node-cron';

const DAY_MS = 86_400_000;

/** First index in sorted `list` whose value is ≥ `x`. */
function lowerBound(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Runs of `expr` in the `days` whole UTC days starting with `from`'s day, counting only runs at
 * least `intervalMs` after the previous counted one (0: every run). Day matching (day of month,
 * day of week, `L`, `#`) is node-cron's own; the time of day is its second, minute and hour lists.
 */
export function countCronRuns(expr: string, opts: { from: Date; days?: number; intervalMs?: number }): number {
  const days = opts.days ?? 30;
  const interval = opts.intervalMs ?? 0;
  const f = cron.parse(expr);
  const asc = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  const times: number[] = [];
  for (const h of asc(f.hour)) for (const m of asc(f.minute)) for (const s of asc(f.second)) times.push(((h * 60 + m) * 60 + s) * 1000);
  if (times.length === 0) return 0;
  const task = cron.createTask(expr, () => undefined, { timezone: 'UTC' });
  try {
    const start = Date.UTC(opts.from.getUTCFullYear(), opts.from.getUTCMonth(), opts.from.getUTCDate());
    let count = 0;
    let next = -Infinity;
    for (let d = 0; d < days; d++) {
      const dayStart = start + d * DAY_MS;
      if (!task.match(new Date(dayStart + times[0]!))) continue;
      if (interval <= 0) {
        count += times.length;
        continue;
      }
      for (let i = lowerBound(times, next - dayStart); i < times.length; i = lowerBound(times, next - dayStart)) {
        count++;
        next = dayStart + times[i]! + interval;
      }
    }
    return count;
  } finally {
    void task.destroy();
  }
}

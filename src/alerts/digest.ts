// Grouped first run: when one cycle queues more than `groupAbove` events for one digest-capable
// notifier (Slack, email), they go out as one message listing each, worst first. Pure planning
// and ordering here; the dispatcher claims, sends and records (each event delivered exactly once,
// a failed digest retried whole). Notifiers without `sendDigest` (Alertmanager, PagerDuty) group
// on their side and always get events one by one.
import type { AlertEvent, Severity } from './types.js';
import type { NotifierConfig } from '../config/schema.js';
import { DEFAULT_GROUP_ABOVE } from '../notifiers/notifier.js';

/** Worse first: the ladder of the status ranking (failing, expired, critical, warning). */
const SEVERITY_RANK: Readonly<Record<Severity, number>> = { warning: 1, critical: 2, expired: 3, failing: 4 };

/** Worst first: what still needs doing before what is resolved, then severity, then fewest days left, then id. */
export function byEventUrgency(a: AlertEvent, b: AlertEvent): number {
  const done = (e: AlertEvent) => (e.event === 'resolved' ? 1 : 0);
  return (
    done(a) - done(b) ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (a.daysLeft ?? Infinity) - (b.daysLeft ?? Infinity) ||
    a.credential.id.localeCompare(b.credential.id) ||
    a.id.localeCompare(b.id)
  );
}

/** "2 expired, 3 critical, 1 resolved": open alerts by severity, worst first, then resolutions. */
export function digestCounts(events: readonly AlertEvent[]): string {
  const order: Severity[] = ['failing', 'expired', 'critical', 'warning'];
  const open = events.filter((e) => e.event !== 'resolved');
  const parts = order.flatMap((s) => {
    const n = open.filter((e) => e.severity === s).length;
    return n ? [`${n} ${s}`] : [];
  });
  const resolved = events.length - open.length;
  if (resolved) parts.push(`${resolved} resolved`);
  return parts.join(', ');
}

/** What the planner needs of a due delivery. */
export interface Groupable {
  notifier: string;
  /** Wall-clock instant the event was queued: every event of one cycle shares it. */
  createdAt: string;
}

export interface DigestPlan<D extends Groupable> {
  digests: D[][];
  singles: D[];
}

/**
 * Splits one notifier's due deliveries into digests (same cycle, more than `groupAbove`, the
 * notifier can send one) and single sends. A digest that failed comes back whole: its deliveries
 * share one cycle and one retry time.
 */
export function planDigests<D extends Groupable>(
  due: readonly D[],
  notifier: Pick<NotifierConfig, 'name'> & { groupAbove?: unknown } | undefined,
  canDigest: boolean,
): DigestPlan<D> {
  if (!notifier || !canDigest) return { digests: [], singles: [...due] };
  const limit = typeof notifier.groupAbove === 'number' ? notifier.groupAbove : DEFAULT_GROUP_ABOVE;
  const byCycle = new Map<string, D[]>();
  for (const d of due) byCycle.set(d.createdAt, [...(byCycle.get(d.createdAt) ?? []), d]);
  const plan: DigestPlan<D> = { digests: [], singles: [] };
  for (const group of byCycle.values()) {
    if (group.length > limit) plan.digests.push(group);
    else plan.singles.push(...group);
  }
  return plan;
}

// Grouped first run: when one cycle queues more than `groupAbove` events for one digest-capable
// notifier (Slack, email), they go out as one message listing each, worst first. Pure planning
// here (the order, worst first, is notifiers/event-text.ts); the dispatcher claims, sends and records (each event delivered exactly once,
// a failed digest retried whole). Notifiers without `sendDigest` (Alertmanager, PagerDuty) group
// on their side and always get events one by one.
import type { NotifierConfig } from '../config/schema.js';
import { DEFAULT_GROUP_ABOVE } from '../notifiers/notifier.js';

/** What the planner needs of a due delivery. */
interface Groupable {
  notifier: string;
  /** Wall-clock instant the event was queued: every event of one cycle shares it. */
  createdAt: string;
}

interface DigestPlan<D extends Groupable> {
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

// Words and order every notifier renders an event with (Slack, email): a leaf, so one notifier
// never imports another.
import type { AlertEvent, Severity } from '../alert-event.js';
import { STATUS_RANK } from '../types.js';
import { isoDay } from '../iso-day.js';

/** "CRITICAL", "WARNING reminder", "RESOLVED (was critical)", "TEST". */
export function headline(e: AlertEvent): string {
  const sev = e.severity.toUpperCase();
  switch (e.event) {
    case 'firing':
      return sev;
    case 'reminder':
      return `${sev} reminder`;
    case 'resolved':
      return `RESOLVED (was ${e.severity})`;
    case 'test':
      return 'TEST';
  }
}

/** `2026-12-04` of an ISO instant; null stays null. */
export const dateOf = (iso: string | null) => (iso ? isoDay(iso) : null);

/** Worst first: what still needs doing before what is resolved, then severity, then fewest days left, then id. */
export function byEventUrgency(a: AlertEvent, b: AlertEvent): number {
  const done = (e: AlertEvent) => (e.event === 'resolved' ? 1 : 0);
  return (
    done(a) - done(b) ||
    STATUS_RANK[b.severity] - STATUS_RANK[a.severity] ||
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

// Pure: when the level an alert announces began, as evaluated. Alertmanager shows it as startsAt;
// in high availability two replicas post the same alert, so it must not depend on which replica
// noticed first or when it posted: for an expiry it comes from the expiry itself.
import { DAY_MS } from '../evaluate.js';
import type { Condition, Level } from './types.js';

export interface StartsAtInput {
  condition: Condition;
  level: Level;
  /** The credential's earliest expiry (ISO), when known. */
  expiresAt: string | null;
  warningDays: number;
  criticalDays: number;
  /** The run's clock. */
  now: Date;
  /** startsAt recorded for this alert's previous event at the same level, if any. */
  previous: string | null;
}

/**
 * The instant the level's threshold was crossed: `expired` at the expiry, `critical` once fewer
 * than criticalDays + 1 whole days were left (daysLeft ≤ criticalDays), `warning` likewise. A level
 * that no date explains (a key mismatch, a failing probe, could not inspect) began when it was
 * first seen: the previous event's value at that level, else now.
 */
export function levelStartedAt(i: StartsAtInput): string | null {
  if (i.level === 'ok') return null;
  if (i.condition === 'expiry' && i.expiresAt) {
    const exp = Date.parse(i.expiresAt);
    const at = i.level === 'expired' ? exp : i.level === 'critical' ? exp - (i.criticalDays + 1) * DAY_MS : i.level === 'warning' ? exp - (i.warningDays + 1) * DAY_MS : NaN;
    if (!Number.isNaN(at) && at <= i.now.getTime()) return new Date(at).toISOString();
  }
  return i.previous ?? i.now.toISOString();
}

// SQLite for the alert stage's state machine: what has been announced per credential and
// condition (alert_state, migrations/0002_alerts.sql). The outbox is ./outbox.ts.
import { prepared, type Db } from './db.js';
import type { AlertState } from '../alerts/types.js';
import type { ActiveAlert, AlertEvent, Condition, Level } from '../alert-event.js';

interface StateRow {
  credential_id: string;
  condition: Condition;
  level: Level;
  episode: number;
  mark: number | null;
  repeats: number;
  last_event_at: string | null;
  last_event_id: string | null;
  expires_at: string | null;
  fingerprints: string;
}

const stateFromRow = (r: StateRow): AlertState => ({
  level: r.level,
  episode: r.episode,
  mark: r.mark,
  repeats: r.repeats,
  lastEventAt: r.last_event_at,
  lastEventId: r.last_event_id,
  expiresAt: r.expires_at,
  fingerprints: JSON.parse(r.fingerprints) as string[],
});

export const stateKey = (credentialId: string, condition: Condition) => `${credentialId}\u0000${condition}`;

/** The states of these credentials (every condition of each). */
export function loadStates(db: Db, credentialIds: readonly string[]): Map<string, AlertState> {
  const rows = prepared(db, 'SELECT * FROM alert_state WHERE credential_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(credentialIds)) as StateRow[];
  return new Map(rows.map((r) => [stateKey(r.credential_id, r.condition), stateFromRow(r)]));
}

/** Whether two states are the same (what saveState would write, `updated_at` aside). */
export function sameState(a: AlertState, b: AlertState): boolean {
  return (
    a.level === b.level &&
    a.episode === b.episode &&
    a.mark === b.mark &&
    a.repeats === b.repeats &&
    a.lastEventAt === b.lastEventAt &&
    a.lastEventId === b.lastEventId &&
    a.expiresAt === b.expiresAt &&
    a.fingerprints.length === b.fingerprints.length &&
    a.fingerprints.every((f, i) => f === b.fingerprints[i])
  );
}

/** Writes a condition's state; `updated_at` is when it last changed. */
export function saveState(db: Db, credentialId: string, condition: Condition, s: AlertState, at: string): void {
  prepared(db,
    `INSERT INTO alert_state (credential_id, condition, level, episode, mark, repeats, last_event_at, last_event_id, expires_at, fingerprints, updated_at)
     VALUES (@credentialId, @condition, @level, @episode, @mark, @repeats, @lastEventAt, @lastEventId, @expiresAt, @fingerprints, @at)
     ON CONFLICT (credential_id, condition) DO UPDATE SET
       level = excluded.level, episode = excluded.episode, mark = excluded.mark, repeats = excluded.repeats,
       last_event_at = excluded.last_event_at, last_event_id = excluded.last_event_id, expires_at = excluded.expires_at,
       fingerprints = excluded.fingerprints, updated_at = excluded.updated_at`,
  ).run({ credentialId, condition, ...s, fingerprints: JSON.stringify(s.fingerprints), at });
}

/** Alerts currently firing, each with its latest firing or reminder event. */
export function activeAlerts(db: Db): ActiveAlert[] {
  const rows = prepared(db,
      `SELECT s.credential_id, s.condition, s.level, e.body, e.starts_at
       FROM alert_state s JOIN alert_events e ON e.id = s.last_event_id
       WHERE s.level <> 'ok' ORDER BY s.credential_id, s.condition`,
    )
    .all() as { credential_id: string; condition: Condition; level: Level; body: string; starts_at: string | null }[];
  return rows.map((r) => ({ credentialId: r.credential_id, condition: r.condition, level: r.level, event: JSON.parse(r.body) as AlertEvent, startsAt: r.starts_at }));
}

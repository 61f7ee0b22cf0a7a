// SQLite for the alert stage's outbox: events, deliveries, attempts and counters
// (migrations/0002_alerts.sql and later). Alert state is ./alert-state.ts.
import type { Db } from './db.js';
import type { AlertEvent, Condition, Level } from '../alert-event.js';

/**
 * Puts an event and one pending delivery per notifier in the outbox. An id already there is left
 * alone (same key, same event): returns false then.
 */
export function insertEvent(db: Db, e: AlertEvent, condition: Condition, level: Level, notifiers: readonly string[], wallNow: Date, startsAt: string | null = null): boolean {
  const created = wallNow.toISOString();
  const info = db
    .prepare(
      `INSERT OR IGNORE INTO alert_events (id, credential_id, condition, event, severity, level, body, created_at, starts_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(e.id, e.credential.id, condition, e.event, e.severity, level, JSON.stringify(e), created, startsAt);
  if (info.changes === 0) return false;
  const seq = Number(info.lastInsertRowid);
  const add = db.prepare(`INSERT OR IGNORE INTO deliveries (event_seq, notifier, status, next_attempt_at) VALUES (?, ?, 'pending', ?)`);
  for (const n of new Set(notifiers)) add.run(seq, n, created);
  return true;
}

export interface DueDelivery {
  seq: number;
  notifier: string;
  attempts: number;
  eventId: string;
  event: AlertEvent;
  condition: Condition;
  level: Level;
  /** The level of the alert's event before this one (`ok` or null when none): what was announced. */
  previousLevel: Level | null;
  /** When the announced level began, as evaluated (Alertmanager's startsAt); null when unknown. */
  startsAt: string | null;
  createdAt: string;
}

interface DueRow {
  event_seq: number;
  notifier: string;
  attempts: number;
  id: string;
  body: string;
  condition: Condition;
  level: Level;
  previous_level: Level | null;
  starts_at: string | null;
  created_at: string;
}

/**
 * Deliveries that may be attempted now: pending and due, or claimed by someone who vanished.
 * Per notifier and alert only the oldest undelivered one, so a resolve never overtakes its firing.
 */
export function dueDeliveries(db: Db, wallNow: Date, limit = 500): DueDelivery[] {
  const now = wallNow.toISOString();
  const rows = db
    .prepare(
      `SELECT d.event_seq, d.notifier, d.attempts, e.id, e.body, e.condition, e.level, e.created_at, e.starts_at,
              (SELECT p.level FROM alert_events p
               WHERE p.credential_id = e.credential_id AND p.condition = e.condition AND p.seq < e.seq
               ORDER BY p.seq DESC LIMIT 1) AS previous_level
       FROM deliveries d JOIN alert_events e ON e.seq = d.event_seq
       WHERE ((d.status = 'pending' AND d.next_attempt_at <= @now) OR (d.status = 'sending' AND d.claimed_until < @now))
         AND NOT EXISTS (
           SELECT 1 FROM deliveries d2 JOIN alert_events e2 ON e2.seq = d2.event_seq
           WHERE d2.notifier = d.notifier AND d2.status IN ('pending', 'sending')
             AND e2.credential_id = e.credential_id AND e2.condition = e.condition AND e2.seq < e.seq)
       ORDER BY d.event_seq
       LIMIT @limit`,
    )
    .all({ now, limit }) as DueRow[];
  return rows.map((r) => ({
    seq: r.event_seq,
    notifier: r.notifier,
    attempts: r.attempts,
    eventId: r.id,
    event: JSON.parse(r.body) as AlertEvent,
    condition: r.condition,
    level: r.level,
    previousLevel: r.previous_level,
    startsAt: r.starts_at,
    createdAt: r.created_at,
  }));
}

/**
 * The next instant after `wallNow` at which a delivery falls due (or a vanished dispatcher's claim
 * lapses); null when none. Rows due already but waiting behind an older one are not counted: they
 * move when that one does.
 */
export function nextDueAt(db: Db, wallNow: Date): Date | null {
  const row = db
    .prepare(
      `SELECT MIN(at) AS at FROM (
         SELECT next_attempt_at AS at FROM deliveries WHERE status = 'pending' AND next_attempt_at > @now
         UNION ALL
         SELECT claimed_until AS at FROM deliveries WHERE status = 'sending' AND claimed_until > @now)`,
    )
    .get({ now: wallNow.toISOString() }) as { at: string | null };
  return row.at ? new Date(row.at) : null;
}

/**
 * Takes a delivery for one attempt. The conditional UPDATE is the lock: of two dispatchers racing
 * for the same row, exactly one sees `changes === 1`.
 */
export function claim(db: Db, seq: number, notifier: string, owner: string, wallNow: Date, leaseMs: number): boolean {
  const now = wallNow.toISOString();
  const info = db
    .prepare(
      `UPDATE deliveries SET status = 'sending', claimed_by = @owner, claimed_until = @until, attempts = attempts + 1
       WHERE event_seq = @seq AND notifier = @notifier
         AND ((status = 'pending' AND next_attempt_at <= @now) OR (status = 'sending' AND claimed_until < @now))`,
    )
    .run({ seq, notifier, owner, now, until: new Date(wallNow.getTime() + leaseMs).toISOString() });
  return info.changes === 1;
}

type Outcome = 'delivered' | 'retry' | 'failed';

export interface AttemptRecord {
  eventId: string;
  notifier: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: Outcome;
  errorCode?: string;
  errorMessage?: string;
  retryAfterMs?: number;
}

/** Every attempt is a row, and counted for `credwatch_notifications_total`. */
export function recordAttempt(db: Db, a: AttemptRecord): void {
  db.prepare(
    `INSERT INTO delivery_attempts (event_id, notifier, attempt, started_at, finished_at, outcome, error_code, error_message, retry_after_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(a.eventId, a.notifier, a.attempt, a.startedAt.toISOString(), a.finishedAt.toISOString(), a.outcome, a.errorCode ?? null, a.errorMessage ?? null, a.retryAfterMs ?? null);
  db.prepare(
    `INSERT INTO notification_counts (notifier, outcome, count) VALUES (?, ?, 1)
     ON CONFLICT (notifier, outcome) DO UPDATE SET count = count + 1`,
  ).run(a.notifier, a.outcome);
}

/** Ends an attempt: the delivery row and the attempt record change together. */
export function finishAttempt(
  db: Db,
  d: { seq: number; notifier: string; owner: string },
  a: AttemptRecord,
  nextAttemptAt: Date | null,
): void {
  db.transaction(() => {
    const status = a.outcome === 'delivered' ? 'delivered' : a.outcome === 'retry' ? 'pending' : 'failed';
    db.prepare(
      `UPDATE deliveries SET status = @status, claimed_by = NULL, claimed_until = NULL,
         next_attempt_at = COALESCE(@next, next_attempt_at),
         delivered_at = @deliveredAt, last_error_code = @code, last_error = @message
       WHERE event_seq = @seq AND notifier = @notifier AND claimed_by = @owner`,
    ).run({
      status,
      next: nextAttemptAt?.toISOString() ?? null,
      deliveredAt: a.outcome === 'delivered' ? a.finishedAt.toISOString() : null,
      code: a.errorCode ?? null,
      message: a.errorMessage ?? null,
      seq: d.seq,
      notifier: d.notifier,
      owner: d.owner,
    });
    recordAttempt(db, a);
  })();
}

interface NotificationCount {
  notifier: string;
  outcome: Outcome;
  count: number;
}

/** For `credwatch_notifications_total{notifier,outcome}`: attempts by outcome (delivered, retry, failed). */
export function notificationCounts(db: Db): NotificationCount[] {
  return db.prepare('SELECT notifier, outcome, count FROM notification_counts ORDER BY notifier, outcome').all() as NotificationCount[];
}

interface NotifierStatus {
  notifier: string;
  /** Deliveries waiting (pending or being sent). */
  pending: number;
  /** Deliveries given up on (permanent error). */
  failed: number;
  lastAttemptAt: string | null;
  lastOutcome: Outcome | null;
  /** Set while the notifier's latest attempt ended in a permanent error: what `status` shows. */
  permanentError: { code: string; message: string; at: string; eventId: string } | null;
}

export function notifierStatus(db: Db): NotifierStatus[] {
  const counts = db
    .prepare(
      `SELECT notifier,
              SUM(status IN ('pending', 'sending')) AS pending,
              SUM(status = 'failed') AS failed
       FROM deliveries GROUP BY notifier`,
    )
    .all() as { notifier: string; pending: number; failed: number }[];
  const last = db
    .prepare(
      `SELECT a.notifier, a.outcome, a.error_code, a.error_message, a.finished_at, a.event_id
       FROM delivery_attempts a
       WHERE a.id = (SELECT MAX(b.id) FROM delivery_attempts b WHERE b.notifier = a.notifier)`,
    )
    .all() as { notifier: string; outcome: Outcome; error_code: string | null; error_message: string | null; finished_at: string; event_id: string }[];
  const names = new Set([...counts.map((c) => c.notifier), ...last.map((l) => l.notifier)]);
  return [...names].sort().map((notifier) => {
    const c = counts.find((x) => x.notifier === notifier);
    const l = last.find((x) => x.notifier === notifier);
    return {
      notifier,
      pending: c?.pending ?? 0,
      failed: c?.failed ?? 0,
      lastAttemptAt: l?.finished_at ?? null,
      lastOutcome: l?.outcome ?? null,
      permanentError:
        l && l.outcome === 'failed'
          ? { code: l.error_code ?? 'unknown', message: l.error_message ?? '', at: l.finished_at, eventId: l.event_id }
          : null,
    };
  });
}

/** The evaluated start of the level an event announced (see migrations/0005). */
export function eventStartsAt(db: Db, eventId: string): string | null {
  const row = db.prepare('SELECT starts_at FROM alert_events WHERE id = ?').get(eventId) as { starts_at: string | null } | undefined;
  return row?.starts_at ?? null;
}

/**
 * Forgets finished outbox history queued before `before` (wall clock): events delivered or given
 * up on everywhere, and attempts. Keeps what is still pending and each alert's latest event (the
 * Alertmanager re-post reads it). Counters are kept. Returns the events deleted.
 */
export function pruneOutbox(db: Db, before: Date): number {
  const cutoff = before.toISOString();
  return db.transaction(() => {
    db.prepare('DELETE FROM delivery_attempts WHERE finished_at < ?').run(cutoff);
    return db
      .prepare(
        `DELETE FROM alert_events
         WHERE created_at < @cutoff
           AND id NOT IN (SELECT last_event_id FROM alert_state WHERE last_event_id IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = alert_events.seq AND d.status IN ('pending', 'sending'))`,
      )
      .run({ cutoff }).changes;
  })();
}

/** The notifiers an event was queued for (where its alert is known). */
export function eventNotifiers(db: Db, eventId: string): string[] {
  const rows = db
    .prepare('SELECT d.notifier FROM deliveries d JOIN alert_events e ON e.seq = d.event_seq WHERE e.id = ? ORDER BY d.notifier')
    .all(eventId) as { notifier: string }[];
  return rows.map((r) => r.notifier);
}

/**
 * A receiver answered again: its other deliveries waiting out a backoff fall due now, so alerts
 * queued during an outage arrive when it ends, not up to one maximum backoff later.
 * Returns how many were brought forward.
 */
export function resetBackoff(db: Db, notifier: string, wallNow: Date): number {
  const now = wallNow.toISOString();
  return db
    .prepare(`UPDATE deliveries SET next_attempt_at = @now WHERE notifier = @notifier AND status = 'pending' AND next_attempt_at > @now`)
    .run({ notifier, now }).changes;
}

/**
 * Claims left by a dispatcher that is gone for sure (same host, process no longer alive) are due
 * now rather than when their lease lapses: a delivery cut off by a crash is re-sent at restart,
 * under its id. `isGone(owner)` decides; claims of live or unknown owners are left alone.
 */
export function releaseDeadClaims(db: Db, isGone: (owner: string) => boolean, wallNow: Date): number {
  const rows = db.prepare(`SELECT DISTINCT claimed_by FROM deliveries WHERE status = 'sending' AND claimed_by IS NOT NULL`).all() as { claimed_by: string }[];
  let released = 0;
  const release = db.prepare(
    `UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @now
     WHERE status = 'sending' AND claimed_by = @owner`,
  );
  for (const r of rows) if (isGone(r.claimed_by)) released += release.run({ owner: r.claimed_by, now: wallNow.toISOString() }).changes;
  return released;
}

/** When the oldest delivery still waiting was queued (wall clock); null when none waits. */
export function oldestPendingAt(db: Db): Date | null {
  const row = db
    .prepare(
      `SELECT MIN(e.created_at) AS at FROM deliveries d JOIN alert_events e ON e.seq = d.event_seq
       WHERE d.status IN ('pending', 'sending')`,
    )
    .get() as { at: string | null };
  return row.at ? new Date(row.at) : null;
}

/** One event of a credential with where it went (for the credential's page). */
export interface CredentialEventRow {
  event: AlertEvent;
  condition: Condition;
  createdAt: string;
  deliveries: { notifier: string; status: 'pending' | 'sending' | 'delivered' | 'failed'; attempts: number; deliveredAt: string | null; lastErrorCode: string | null }[];
}

/** The newest events of one credential queued at or after `since` (wall clock), newest first. */
export function eventsForCredential(db: Db, credentialId: string, since: Date, limit = 50): CredentialEventRow[] {
  const events = db
    .prepare(
      `SELECT seq, condition, body, created_at FROM alert_events
       WHERE credential_id = ? AND created_at >= ? ORDER BY seq DESC LIMIT ?`,
    )
    .all(credentialId, since.toISOString(), limit) as { seq: number; condition: Condition; body: string; created_at: string }[];
  const deliveries = db.prepare(
    'SELECT notifier, status, attempts, delivered_at, last_error_code FROM deliveries WHERE event_seq = ? ORDER BY notifier',
  );
  return events.map((e) => ({
    event: JSON.parse(e.body) as AlertEvent,
    condition: e.condition,
    createdAt: e.created_at,
    deliveries: (deliveries.all(e.seq) as { notifier: string; status: CredentialEventRow['deliveries'][number]['status']; attempts: number; delivered_at: string | null; last_error_code: string | null }[]).map((d) => ({
      notifier: d.notifier,
      status: d.status,
      attempts: d.attempts,
      deliveredAt: d.delivered_at,
      lastErrorCode: d.last_error_code,
    })),
  }));
}

/** Deliveries still waiting in the outbox (one indexed count: /metrics asks on every scrape). */
export function outboxBacklog(db: Db): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'sending')").get() as { n: number }).n;
}

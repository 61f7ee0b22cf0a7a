import { prepared, type Db } from './db.js';
import { STATUS_RANK, STATUSES, type CheckReport, type CredentialResult, type ExpiryLevel, type ProbeLevel, type ProbeResult, type Status } from '../types.js';

interface ResultRow {
  id: number;
  credential_id: string;
  kind: string;
  checked_at: string;
  status: Status;
  expires_at: string | null;
  days_left: number | null;
  renew_by: string | null;
  expiries: string;
  certificates: string;
  probe: string | null;
  probe_failures: number;
  expiry_level: ExpiryLevel;
  probe_level: ProbeLevel;
  reasons: string;
  rotation: string | null;
}

export interface StoredResult extends CredentialResult {
  checkedAt: string;
}

function fromRow(r: ResultRow): StoredResult {
  return {
    id: r.credential_id,
    kind: r.kind,
    status: r.status,
    expiresAt: r.expires_at,
    daysLeft: r.days_left,
    renewBy: r.renew_by,
    expiries: JSON.parse(r.expiries),
    probe: r.probe ? JSON.parse(r.probe) : null,
    reasons: JSON.parse(r.reasons),
    certificates: JSON.parse(r.certificates),
    levels: { expiry: r.expiry_level, probe: r.probe_level },
    probeFailures: r.probe_failures,
    rotation: r.rotation ? JSON.parse(r.rotation) : null,
    checkedAt: r.checked_at,
  };
}

interface CheckMeta {
  startedAt: Date;
  durationMs: number;
}

/** A result row's values after `check_id`, in the INSERT's column order. */
export type ResultRowValues = readonly unknown[];

function resultValues(r: CredentialResult, checkedAt: string): ResultRowValues {
  return [
    r.id,
    r.kind,
    checkedAt,
    r.status,
    r.expiresAt,
    r.daysLeft,
    r.renewBy,
    JSON.stringify(r.expiries),
    JSON.stringify(r.certificates),
    r.probe ? JSON.stringify(r.probe) : null,
    r.probeFailures,
    r.levels.expiry,
    r.levels.probe,
    JSON.stringify(r.reasons),
    r.rotation ? JSON.stringify(r.rotation) : null,
  ];
}

/** Result rows per transaction when a cycle is recorded in slices. */
const RECORD_BATCH = 1000;

/** A checks row; `recorded` 0 keeps it (and so its cycle) from every reader until it is set to 1. */
function insertCheckRow(db: Db, report: CheckReport, meta: CheckMeta, recorded: 0 | 1): number {
  return Number(
    prepared(db, 'INSERT INTO checks (checked_at, started_at, duration_ms, credentials, summary, recorded) VALUES (?, ?, ?, ?, ?, ?)').run(
      report.checkedAt,
      meta.startedAt.toISOString(),
      Math.round(meta.durationMs),
      report.credentials.length,
      JSON.stringify(report.summary),
      recorded,
    ).lastInsertRowid,
  );
}

/** The ids a cycle's result rows got, first to last (other writers' rows may sit in between). */
interface IdRange {
  first: number | bigint;
  last: number | bigint;
}

/** Inserts result rows of check `checkId`, widening `range` to cover them. */
function insertResultRows(db: Db, checkId: number, values: readonly ResultRowValues[], range: IdRange | null): IdRange | null {
  const insert = prepared(db, `INSERT INTO results
    (check_id, credential_id, kind, checked_at, status, expires_at, days_left, renew_by, expiries, certificates, probe, probe_failures, expiry_level, probe_level, reasons, rotation)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  let first = range?.first ?? null;
  let last = range?.last ?? null;
  for (const v of values) {
    last = insert.run(checkId, ...v).lastInsertRowid;
    first ??= last;
  }
  return first === null || last === null ? null : { first, last };
}

/** Moves every latest pointer to the check's rows in one statement: the range narrows the scan, check_id decides. */
function pointLatestAt(db: Db, checkId: number, range: IdRange | null): void {
  if (!range) return;
  prepared(db,
    `INSERT INTO latest_results (credential_id, result_id) SELECT credential_id, id FROM results WHERE id BETWEEN ? AND ? AND check_id = ?
     ON CONFLICT (credential_id) DO UPDATE SET result_id = excluded.result_id`,
  ).run(range.first, range.last, checkId);
}

/**
 * Records one cycle as recordCheck does, in transactions of 1,000 result rows with `pause` between
 * them (it yields to the event loop), so a daemon's HTTP server keeps answering while 11,000 rows
 * go in. The checks row goes in first with recorded = 0; the last transaction moves the latest
 * pointers and sets recorded = 1, so readers see the whole cycle or none of it. A crash in between
 * leaves rows no reader shows; retention removes them.
 */
export async function recordCheckInSlices(db: Db, report: CheckReport, meta: CheckMeta, pause: () => Promise<void> | undefined): Promise<number> {
  if (report.credentials.length <= RECORD_BATCH) return recordCheck(db, report, meta);
  const checkId = insertCheckRow(db, report, meta, 0);
  let range: IdRange | null = null;
  const insertBatch = db.transaction((values: ResultRowValues[]) => {
    range = insertResultRows(db, checkId, values, range);
  });
  let batch: ResultRowValues[] = [];
  for (const r of report.credentials) {
    const turn = pause();
    if (turn) await turn;
    batch.push(resultValues(r, report.checkedAt));
    if (batch.length === RECORD_BATCH) {
      insertBatch(batch);
      batch = [];
    }
  }
  if (batch.length) insertBatch(batch);
  db.transaction(() => {
    pointLatestAt(db, checkId, range);
    prepared(db, 'UPDATE checks SET recorded = 1 WHERE id = ?').run(checkId);
  })();
  return checkId;
}

/** Records one cycle: a checks row, a result row per credential, the latest pointers. One transaction. */
export function recordCheck(db: Db, report: CheckReport, meta: CheckMeta): number {
  const values = report.credentials.map((r) => resultValues(r, report.checkedAt));
  return db.transaction(() => {
    const checkId = insertCheckRow(db, report, meta, 1);
    pointLatestAt(db, checkId, insertResultRows(db, checkId, values, null));
    return checkId;
  })();
}

/** The newest recorded result of each of these credentials (all credentials when `ids` is omitted). */
export function latestResults(db: Db, ids?: readonly string[]): Map<string, StoredResult> {
  const rows = prepared(db, 'SELECT r.* FROM latest_results l JOIN results r ON r.id = l.result_id')
    .all() as ResultRow[];
  const wanted = ids ? new Set(ids) : null;
  const out = new Map<string, StoredResult>();
  for (const row of rows) if (!wanted || wanted.has(row.credential_id)) out.set(row.credential_id, fromRow(row));
  return out;
}

/**
 * Forgets derived credentials that are gone: those whose latest result says so (`marker` is in its
 * reasons) and that have no open alert. Until the alert stage has resolved one (a `check` without
 * `--notify` does not), it stays and the cycle reports the removal again. History stays.
 * Returns the ids forgotten.
 */
export function forgetRemoved(db: Db, marker: string): string[] {
  return db.transaction(() => {
    const gone = prepared(db,
        `SELECT l.credential_id AS id FROM latest_results l JOIN results r ON r.id = l.result_id
         WHERE r.reasons LIKE ? ESCAPE '\\'
           AND NOT EXISTS (SELECT 1 FROM alert_state s WHERE s.credential_id = l.credential_id AND s.level <> 'ok')`,
      )
      .all(`%${marker.replace(/[\\%_]/g, '\\$&')}%`) as { id: string }[];
    const drop = prepared(db, 'DELETE FROM latest_results WHERE credential_id = ?');
    for (const g of gone) drop.run(g.id);
    return gone.map((g) => g.id);
  })();
}

/** What the next cycle needs of the last one: the failure streak and the last probe (for Retry-After). */
export interface PreviousProbe {
  probeFailures: number;
  probe: ProbeResult | null;
  /** When that result was recorded (a probe recorded before `probedAt` existed ran then). */
  checkedAt: string;
}

/** The last probe state of every credential, without parsing the rest of each result. */
export function previousProbes(db: Db): Map<string, PreviousProbe> {
  const rows = prepared(db, 'SELECT r.credential_id, r.probe_failures, r.probe, r.checked_at FROM latest_results l JOIN results r ON r.id = l.result_id')
    .all() as { credential_id: string; probe_failures: number; probe: string | null; checked_at: string }[];
  return new Map(
    rows.map((r) => [
      r.credential_id,
      { probeFailures: r.probe_failures, probe: r.probe ? (JSON.parse(r.probe) as ProbeResult) : null, checkedAt: r.checked_at },
    ]),
  );
}

/** History of one credential, newest first. */
export function resultHistory(db: Db, credentialId: string, limit = 100): StoredResult[] {
  return (prepared(db, 'SELECT * FROM results WHERE credential_id = ? ORDER BY id DESC LIMIT ?').all(credentialId, limit) as ResultRow[]).map(fromRow);
}

/** The newest recorded check's id; 0 before the first. */
export function latestCheckId(db: Db): number {
  const row = prepared(db, 'SELECT MAX(id) AS id FROM checks WHERE recorded = 1').get() as { id: number | null };
  return row.id ?? 0;
}

/** Deletes history older than `before`, keeping every credential's latest result. Returns rows deleted. */
export function pruneHistory(db: Db, before: Date): number {
  return db.transaction(() => {
    const cutoff = before.toISOString();
    const n = prepared(db, 'DELETE FROM results WHERE checked_at < ? AND id NOT IN (SELECT result_id FROM latest_results)')
      .run(cutoff).changes;
    prepared(db, 'DELETE FROM checks WHERE checked_at < ? AND NOT EXISTS (SELECT 1 FROM results WHERE results.check_id = checks.id)').run(cutoff);
    return n;
  })();
}

export interface LastCheck {
  checkedAt: string;
  startedAt: string;
  durationMs: number;
}

export function lastCheck(db: Db): LastCheck | null {
  const row = prepared(db, 'SELECT checked_at, started_at, duration_ms FROM checks WHERE recorded = 1 ORDER BY id DESC LIMIT 1').get() as
    | { checked_at: string; started_at: string; duration_ms: number }
    | undefined;
  return row ? { checkedAt: row.checked_at, startedAt: row.started_at, durationMs: row.duration_ms } : null;
}

/** Results of one credential recorded at or after `since` (the run's clock), oldest first. */
export function resultsSince(db: Db, credentialId: string, since: Date): StoredResult[] {
  return (
    prepared(db, 'SELECT * FROM results WHERE credential_id = ? AND checked_at >= ? ORDER BY id')
      .all(credentialId, since.toISOString()) as ResultRow[]
  ).map(fromRow);
}

/** Whether any result was ever recorded for this id (history outlives a credential's removal from the config). */
export function hasHistory(db: Db, credentialId: string): boolean {
  return prepared(db, 'SELECT 1 FROM results WHERE credential_id = ? LIMIT 1').get(credentialId) !== undefined;
}

/** One UTC day of a credential's history, condensed for a chart. */
export interface DailyHistory {
  day: string;
  checks: number;
  /** Worst status recorded that day. */
  status: Status;
  /** Fewest days left recorded that day; null when no expiry was known. */
  daysLeft: number | null;
  /** Probes that ran that day, and how many passed. */
  probes: number;
  probesOk: number;
  /** Mean latency of that day's probes; null without probes. */
  latencyMs: number | null;
}

/** The status ranking as SQL: a status it does not know ranks as `error`. */
const RANK_SQL = `CASE status ${STATUSES.filter((s) => s !== 'error').map((s) => `WHEN '${s}' THEN ${STATUS_RANK[s]}`).join(' ')} ELSE ${STATUS_RANK.error} END`;
const STATUS_BY_RANK = Object.fromEntries(STATUSES.map((s) => [STATUS_RANK[s], s])) as Record<number, Status>;

/** Per-day aggregates of one credential since `since`, oldest first; SQLite does the counting. */
export function dailyHistory(db: Db, credentialId: string, since: Date): DailyHistory[] {
  const rows = prepared(db,
      `SELECT substr(checked_at, 1, 10) AS day, COUNT(*) AS checks,
              MAX(${RANK_SQL}) AS rank,
              MIN(days_left) AS days_left,
              COUNT(probe) AS probes,
              SUM(CASE WHEN json_extract(probe, '$.ok') THEN 1 ELSE 0 END) AS probes_ok,
              AVG(json_extract(probe, '$.latencyMs')) AS latency
       FROM results WHERE credential_id = ? AND checked_at >= ?
       GROUP BY day ORDER BY day`,
    )
    .all(credentialId, since.toISOString()) as {
    day: string;
    checks: number;
    rank: number;
    days_left: number | null;
    probes: number;
    probes_ok: number;
    latency: number | null;
  }[];
  return rows.map((r) => ({
    day: r.day,
    checks: r.checks,
    status: STATUS_BY_RANK[r.rank] ?? 'error',
    daysLeft: r.days_left,
    probes: r.probes,
    probesOk: r.probes_ok,
    latencyMs: r.probes ? r.latency : null,
  }));
}

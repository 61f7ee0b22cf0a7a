import type { Db } from '../store/db.js';

/** What /healthz looks at; the daemon keeps it current. */
export interface HealthInput {
  /** The cron task is scheduled and the daemon is not shutting down. */
  schedulerRunning: boolean;
  /** A cycle must have finished before this instant (ms since epoch): two schedule periods after the last one. */
  deadline: number;
  lastCycleFinishedAt: string | null;
  /** Null when the write probe passed, else why it failed. */
  databaseError: string | null;
  now: number;
}

export interface HealthReport {
  status: 'ok' | 'unhealthy';
  reasons: string[];
  lastCycleFinishedAt: string | null;
  nextDeadline: string;
}

/** Pure: the /healthz verdict. */
export function assessHealth(h: HealthInput): HealthReport {
  const reasons: string[] = [];
  if (!h.schedulerRunning) reasons.push('scheduler is not running');
  if (h.now > h.deadline) {
    reasons.push(
      h.lastCycleFinishedAt
        ? `last cycle finished at ${h.lastCycleFinishedAt}, more than two schedule periods ago`
        : 'no cycle has finished within two schedule periods of start-up',
    );
  }
  if (h.databaseError) reasons.push(`database is not writable: ${h.databaseError}`);
  return {
    status: reasons.length ? 'unhealthy' : 'ok',
    reasons,
    lastCycleFinishedAt: h.lastCycleFinishedAt,
    nextDeadline: new Date(h.deadline).toISOString(),
  };
}

/**
 * A real write, rolled back: takes the write lock and updates a row, so a read-only file, a
 * read-only mount or a lock held forever by someone else shows up here and not only at the next cycle.
 */
export function probeDatabaseWrite(db: Db): string | null {
  if (!db.open) return 'database is closed';
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare('UPDATE schema_migrations SET name = name WHERE version = (SELECT MAX(version) FROM schema_migrations)').run();
    } finally {
      db.exec('ROLLBACK');
    }
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

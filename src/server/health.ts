import { closeSync, openSync, readSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** What /healthz looks at; the daemon keeps it current. */
interface HealthInput {
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
  if (h.databaseError) reasons.push(/^database /.test(h.databaseError) ? h.databaseError : `database is not writable: ${h.databaseError}`);
  return {
    status: reasons.length ? 'unhealthy' : 'ok',
    reasons,
    lastCycleFinishedAt: h.lastCycleFinishedAt,
    nextDeadline: new Date(h.deadline).toISOString(),
  };
}

/** Which file the daemon opened: a path that later names another file (or none) is noticed. */
export interface DatabaseIdentity {
  dev: number;
  ino: number;
}

export function databaseIdentity(file: string): DatabaseIdentity | null {
  try {
    const st = statSync(file);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

const SQLITE_HEADER = 'SQLite format 3\u0000';

/**
 * A database deleted, replaced or overwritten under the running daemon: SQLite keeps writing to the
 * open (unlinked) file and reports nothing, so look at the path. Cheap: one stat and a 16-byte read.
 */
export function databaseGone(file: string, opened: DatabaseIdentity | null): string | null {
  if (file === ':memory:') return null;
  let st;
  try {
    st = statSync(file);
  } catch {
    return `database ${file} was deleted while the daemon runs (restart it to create a new one)`;
  }
  if (opened && (st.ino !== opened.ino || st.dev !== opened.dev)) return `database ${file} was replaced by another file while the daemon runs (restart it)`;
  if (st.size === 0) return null;
  const head = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    readSync(fd, head, 0, 16, 0);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return head.toString('latin1') === SQLITE_HEADER ? null : `database ${file} is corrupt (its header is not SQLite's)`;
}

/** No block left for an unprivileged writer on the database's file system. */
export function diskFull(file: string): boolean {
  if (file === ':memory:') return false;
  try {
    const fs = statfsSync(dirname(file));
    return fs.bavail === 0;
  } catch {
    return false;
  }
}

// What follows a recorded cycle, for `check --notify` and the daemon alike: queue the cycle's
// events, deliver what is due until the deadline, re-post active alerts to Alertmanager.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import type { CredentialResult } from '../types.js';
import { dispatchPending, type DispatchSummary } from './dispatch.js';
import { notifyTimeoutMs } from '../config/effective.js';
import { processResults, type QueuedEvent } from './process.js';
import { repostActiveAlerts, type RepostSummary } from './repost.js';
import { notifierStatus, oldestPendingAt, outboxBacklog } from '../store/outbox.js';

interface AfterCycleOptions {
  /** The run's clock (`--at`): what the state machine sees. */
  now: Date;
  log: Logger;
  /** Stop delivering at this wall-clock instant; default now + the probe timeout. */
  deadline?: Date;
}

interface AfterCycleSummary {
  queued: QueuedEvent[];
  dispatch: DispatchSummary;
  repost: RepostSummary;
}

export async function notifyAfterCycle(db: Db, config: Config, results: readonly CredentialResult[], opts: AfterCycleOptions): Promise<AfterCycleSummary> {
  const queued = processResults(db, config, results, opts.now);
  const deadline = opts.deadline ?? new Date(Date.now() + notifyTimeoutMs(config));
  const [dispatch, repost] = await Promise.all([
    dispatchPending(db, config, { log: opts.log, deadline }),
    repostActiveAlerts(db, config, { log: opts.log, timeoutMs: Math.max(250, deadline.getTime() - Date.now()) }),
  ]);
  opts.log.info({ queued: queued.length, ...dispatch }, 'notifications');
  return { queued, dispatch, repost };
}

/** One line per notifier whose latest attempt failed for good (what `credwatch status` prints). */
export function notifierProblemLines(db: Db): string[] {
  return notifierStatus(db)
    .filter((s) => s.permanentError)
    .map((s) => {
      const e = s.permanentError!;
      const lost = s.failed === 0 ? '' : s.failed === 1 ? '; 1 event not delivered' : `; ${s.failed} events not delivered`;
      return `notifier ${s.notifier}: permanent error since ${e.at} (${e.code}): ${e.message}${lost}`;
    });
}

/** Seconds the oldest waiting delivery has waited (0 when none waits): the outbox's health in one number. */
export function outboxOldestPendingSeconds(db: Db, wallNow: Date = new Date()): number {
  const at = oldestPendingAt(db);
  return at ? Math.max(0, Math.round((wallNow.getTime() - at.getTime()) / 1000)) : 0;
}

/** `status`'s outbox line: nothing when the outbox is empty. */
export function outboxStatusLine(db: Db, wallNow: Date = new Date()): string | null {
  const n = outboxBacklog(db);
  if (!n) return null;
  const age = outboxOldestPendingSeconds(db, wallNow);
  return `outbox: ${n} deliver${n === 1 ? 'y' : 'ies'} waiting; the oldest was queued ${formatAge(age)} ago`;
}

function formatAge(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

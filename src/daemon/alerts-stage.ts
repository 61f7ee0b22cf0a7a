// The single place where the daemon meets the alert stage (state machine, outbox, dispatcher).
// Everything alert-specific stays behind this interface so the daemon loop does not change
// when the alert stage does.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import type { CheckReport } from '../types.js';
import { nextTurn } from '../concurrency.js';
import { notificationCounts, outboxBacklog, outboxOldestPendingSeconds, processResultsInSlices, repostActiveAlerts, startDispatcher } from '../alerts/index.js';

export interface AlertStage {
  /** Runs the state machine over a recorded report (events into the outbox, one transaction) and wakes the dispatcher. */
  afterCycle(report: CheckReport, opts?: { repost?: boolean }): Promise<void>;
  /** Monotonic delivery counts for credwatch_notifications_total. */
  notificationCounts(): { notifier: string; outcome: string; count: number }[];
  /** Deliveries still waiting in the outbox. */
  backlog(): number;
  /** Age in seconds of the oldest delivery still waiting (0 when none). */
  oldestPendingSeconds(): number;
  /** Stops the dispatcher; a delivery in flight is given at most `ms`. */
  stop(ms: number): Promise<void>;
}

/** How often the dispatcher looks for due retries when nothing wakes it. */
const DISPATCH_INTERVAL_MS = 30_000;

/**
 * `config` is read on every use, so a SIGHUP that changes notifiers or routes takes effect
 * without restarting the dispatcher (and without cutting a delivery in flight).
 */
export function createAlertStage(db: Db, config: () => Config, log: Logger): AlertStage {
  const live = {
    get notifiers() {
      return config().notifiers;
    },
    get probe() {
      return config().probe;
    },
    get server() {
      return config().server;
    },
  };
  const dispatcher = startDispatcher(db, live, { log: log.child({ stage: 'dispatch' }), intervalMs: DISPATCH_INTERVAL_MS });
  return {
    async afterCycle(report, opts = {}) {
      const c = config();
      // In batches that yield between them: /healthz keeps answering while thousands are stepped.
      const queued = await processResultsInSlices(db, c, report.credentials, new Date(report.checkedAt), nextTurn);
      if (queued.length) {
        log.info({ events: queued.length, ids: queued.map((q) => q.event.id) }, 'alert events queued');
        dispatcher.kick();
      }
      // Alertmanager drops alerts that are not re-sent; keep the active ones alive every cycle.
      if (opts.repost !== false) await repostActiveAlerts(db, c, { log });
    },
    notificationCounts: () => notificationCounts(db),
    backlog: () => outboxBacklog(db),
    oldestPendingSeconds: () => outboxOldestPendingSeconds(db),
    async stop(ms) {
      await Promise.race([dispatcher.stop(), new Promise((r) => setTimeout(r, ms).unref())]);
    },
  };
}

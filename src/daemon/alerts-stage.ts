// The single place where the daemon meets the alert stage (state machine, outbox, dispatcher).
// Everything alert-specific stays behind this interface so the daemon loop does not change
// when the alert stage does.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import type { CheckReport } from '../types.js';

export interface AlertStage {
  /** Runs the state machine over a recorded report (events into the outbox) and delivers what is due. */
  afterCycle(report: CheckReport, config: Config): Promise<void>;
  /** Retries deliveries whose backoff has passed (the daemon's retry timer calls this). */
  retry(config: Config): Promise<void>;
  /** Monotonic delivery counts for credwatch_notifications_total. */
  notificationCounts(): { notifier: string; outcome: string; count: number }[];
  /** Deliveries still waiting; null when unknown. */
  backlog(): number | null;
}

export function createAlertStage(_db: Db, _log: Logger): AlertStage {
  return {
    async afterCycle() {},
    async retry() {},
    notificationCounts: () => [],
    backlog: () => null,
  };
}

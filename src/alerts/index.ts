// What the rest of credwatch calls: cycle → processResults, then dispatchPending (or the daemon's
// startDispatcher), repostActiveAlerts for Alertmanager, sendTestEvent for `notify test`,
// notificationCounts / notifierStatus for metrics and `status`.
export { processResults, routeFor, type QueuedEvent } from './process.js';
export { dispatchPending, startDispatcher, type DispatchOptions, type DispatchSummary, type RunningDispatcher } from './dispatch.js';
export { sendTestEvent, type TestOutcome } from './test-event.js';
export { repostActiveAlerts, type RepostSummary } from './repost.js';
export { notificationCounts, notifierStatus, oldestPendingAt, outboxBacklog, pruneOutbox, type NotificationCount, type NotifierStatus } from '../store/outbox.js';
export type { AlertEvent, Condition, Level, Severity } from './types.js';
export { notifyAfterCycle, notifierProblemLines, outboxOldestPendingSeconds, outboxStatusLine, type AfterCycleSummary } from './after-cycle.js';

// What the daemon's alert stage calls: processResultsInSlices after a cycle, startDispatcher,
// repostActiveAlerts for Alertmanager, and the outbox figures for metrics.
export { processResultsInSlices } from './process.js';
export { startDispatcher } from './dispatch.js';
export { repostActiveAlerts } from './repost.js';
export { notificationCounts, outboxBacklog } from '../store/outbox.js';
export { outboxOldestPendingSeconds } from './after-cycle.js';

import type { CheckReport } from '../types.js';
import type { LastCheck } from '../store/results.js';
import type { MetricsSnapshot } from './metrics.js';

/** One array per report: /metrics renders a given array's series once (see renderMetrics). */
const perReport = new WeakMap<CheckReport, MetricsSnapshot['credentials']>();

function credentialsOf(report: CheckReport): MetricsSnapshot['credentials'] {
  let list = perReport.get(report);
  if (!list) {
    list = report.credentials.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      expiries: r.expiries,
      probe: r.probe ? { ok: r.probe.ok, latencyMs: r.probe.latencyMs } : null,
      notBefore: (r.certificates ?? []).map((c) => ({ source: c.source, notBefore: c.notBefore })),
    }));
    perReport.set(report, list);
  }
  return list;
}

/** Pure: the recorded report and daemon counters → the numbers /metrics shows. */
export function metricsSnapshot(
  report: CheckReport,
  extra: {
    lastCheck: LastCheck | null;
    notifications: MetricsSnapshot['notifications'];
    outboxBacklog: number | null;
    outboxOldestPendingSeconds?: number | null;
    cycles: MetricsSnapshot['cycles'];
    probeRequests?: NonNullable<MetricsSnapshot['probeRequests']>;
    configReload?: MetricsSnapshot['configReload'];
    x509?: MetricsSnapshot['x509'];
  },
): MetricsSnapshot {
  return {
    credentials: credentialsOf(report),
    notifications: extra.notifications,
    outboxBacklog: extra.outboxBacklog,
    outboxOldestPendingSeconds: extra.outboxOldestPendingSeconds,
    lastCycle: extra.lastCheck
      ? { durationMs: extra.lastCheck.durationMs, finishedAt: Date.parse(extra.lastCheck.startedAt) + extra.lastCheck.durationMs }
      : null,
    cycles: extra.cycles,
    // Only configured credentials, like every other series.
    ...(extra.probeRequests ? { probeRequests: configuredOnly(extra.probeRequests, report) } : {}),
    ...(extra.configReload ? { configReload: extra.configReload } : {}),
    ...(extra.x509 ? { x509: extra.x509 } : {}),
  };
}

function configuredOnly<T extends { id: string }>(rows: T[], report: CheckReport): T[] {
  const ids = new Set(report.credentials.map((c) => c.id));
  return rows.filter((r) => ids.has(r.id));
}

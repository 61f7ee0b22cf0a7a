// Prometheus text from a snapshot of recorded state. Pure apart from prom-client's own
// bookkeeping: a fresh registry per scrape, so a credential removed from the config
// disappears from /metrics instead of lingering with its last value.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { STATUSES, type Status } from '../types.js';

export interface MetricsSnapshot {
  credentials: {
    id: string;
    kind: string;
    /** Null until the credential's first check is recorded. */
    status: Status | null;
    expiries: { source: string; expiresAt: string }[];
    probe: { ok: boolean; latencyMs: number } | null;
  }[];
  /** Monotonic counts per notifier and outcome (persisted, so they survive restarts). */
  notifications: { notifier: string; outcome: string; count: number }[];
  /** Deliveries not yet done; null when the alert stage is not wired in. */
  outboxBacklog: number | null;
  lastCycle: { durationMs: number; finishedAt: number } | null;
  /** Cycles run by this process, by outcome. */
  cycles: { ok: number; failed: number };
}

/** Process metrics (memory, CPU, event loop) live in a long-lived registry of their own. */
export function processRegistry(): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'credwatch_' });
  return reg;
}

export function buildMetricsRegistry(s: MetricsSnapshot): Registry {
  const reg = new Registry();
  addCredentialSeries(reg, s.credentials);
  addDaemonSeries(reg, s);
  return reg;
}

/** The per-credential series: they change only when a check is recorded. */
function addCredentialSeries(reg: Registry, credentials: MetricsSnapshot['credentials']): void {
  const registers = [reg];
  const expiry = new Gauge({
    name: 'credwatch_credential_expiry_timestamp_seconds',
    help: 'Instant at which the credential (per source: project, certificate, token, secret, ...) expires, in Unix seconds',
    labelNames: ['id', 'kind', 'source'] as const,
    registers,
  });
  const status = new Gauge({
    name: 'credwatch_credential_status',
    help: 'Current status of the credential: 1 for its status, 0 for the five others',
    labelNames: ['id', 'kind', 'status'] as const,
    registers,
  });
  const probeSuccess = new Gauge({
    name: 'credwatch_probe_success',
    help: 'Whether the last live probe of the credential succeeded (1) or not (0)',
    labelNames: ['id'] as const,
    registers,
  });
  const probeDuration = new Gauge({
    name: 'credwatch_probe_duration_seconds',
    help: 'Duration of the last live probe of the credential',
    labelNames: ['id'] as const,
    registers,
  });
  for (const c of credentials) {
    // Exact instant: ms / 1000, never rounded, so `- time()` in a rule is exact too.
    for (const e of c.expiries) expiry.set({ id: c.id, kind: c.kind, source: e.source }, Date.parse(e.expiresAt) / 1000);
    if (c.status) for (const st of STATUSES) status.set({ id: c.id, kind: c.kind, status: st }, st === c.status ? 1 : 0);
    if (c.probe) {
      probeSuccess.set({ id: c.id }, c.probe.ok ? 1 : 0);
      probeDuration.set({ id: c.id }, c.probe.latencyMs / 1000);
    }
  }
}

/** The daemon's own counters: they move between cycles (deliveries, backlog). */
function addDaemonSeries(reg: Registry, s: MetricsSnapshot): void {
  const registers = [reg];
  const notifications = new Counter({
    name: 'credwatch_notifications_total',
    help: 'Notification delivery attempts by notifier and outcome',
    labelNames: ['notifier', 'outcome'] as const,
    registers,
  });
  const cycleDuration = new Gauge({ name: 'credwatch_cycle_duration_seconds', help: 'Duration of the last check cycle', registers });
  const lastCycle = new Gauge({
    name: 'credwatch_last_cycle_timestamp_seconds',
    help: 'When the last check cycle finished, in Unix seconds',
    registers,
  });
  const cycles = new Counter({
    name: 'credwatch_cycles_total',
    help: 'Check cycles run by this process, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const n of s.notifications) notifications.inc({ notifier: n.notifier, outcome: n.outcome }, n.count);
  if (s.lastCycle) {
    cycleDuration.set(s.lastCycle.durationMs / 1000);
    lastCycle.set(s.lastCycle.finishedAt / 1000);
  }
  cycles.inc({ outcome: 'ok' }, s.cycles.ok);
  cycles.inc({ outcome: 'failed' }, s.cycles.failed);
  if (s.outboxBacklog !== null) {
    new Gauge({ name: 'credwatch_outbox_backlog', help: 'Notification deliveries waiting in the outbox', registers }).set(s.outboxBacklog);
  }
}

/**
 * The per-credential text, rendered once per credentials array: the daemon's snapshot hands the same
 * array until a new check is recorded, so a scrape between cycles does not rebuild thousands of series.
 */
const credentialText = new WeakMap<MetricsSnapshot['credentials'], Promise<string>>();

function renderCredentialSeries(credentials: MetricsSnapshot['credentials']): Promise<string> {
  let text = credentialText.get(credentials);
  if (!text) {
    const reg = new Registry();
    addCredentialSeries(reg, credentials);
    text = reg.metrics();
    credentialText.set(credentials, text);
  }
  return text;
}

/** The /metrics body: the snapshot's series plus the long-lived process registry's. */
export async function renderMetrics(s: MetricsSnapshot, processReg?: Registry): Promise<{ contentType: string; body: string }> {
  const daemon = new Registry();
  addDaemonSeries(daemon, s);
  // Registry#metrics joins families with a blank line and ends with one newline: joining the
  // parts with '\n' gives exactly the text of one merged registry.
  const parts = [renderCredentialSeries(s.credentials), daemon.metrics(), ...(processReg ? [processReg.metrics()] : [])];
  return { contentType: daemon.contentType, body: (await Promise.all(parts)).join('\n') };
}

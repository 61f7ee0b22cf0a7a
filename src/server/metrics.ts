// Prometheus text from a snapshot of recorded state. Pure apart from prom-client's own
// bookkeeping: a fresh registry per scrape, so a credential removed from the config
// disappears from /metrics instead of lingering with its last value.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { STATUSES, type Status } from '../types.js';
import { version } from '../version.js';
import type { X509Family } from './x509-metrics.js';

export interface MetricsSnapshot {
  credentials: {
    id: string;
    kind: string;
    /** Null until the credential's first check is recorded. */
    status: Status | null;
    expiries: { source: string; expiresAt: string }[];
    probe: { ok: boolean; latencyMs: number } | null;
    /** Each certificate's notBefore, by source (a certificate not yet valid is a finding). */
    notBefore?: { source: string; notBefore: string }[];
  }[];
  /** Monotonic counts per notifier and outcome (persisted, so they survive restarts). */
  notifications: { notifier: string; outcome: string; count: number }[];
  /** Deliveries not yet done; null when the alert stage is not wired in. */
  outboxBacklog: number | null;
  /** Age of the oldest delivery still waiting, in seconds (0 when none waits); absent when the alert stage is not wired in. */
  outboxOldestPendingSeconds?: number | null;
  lastCycle: { durationMs: number; finishedAt: number } | null;
  /** Cycles run by this process, by outcome. */
  cycles: { ok: number; failed: number };
  /** Requests probes made per credential and type, all months (persisted). */
  probeRequests?: { id: string; type: string; count: number }[];
  /** The daemon's config: whether the last load or reload took, and when one last did (ms). */
  configReload?: { successful: boolean; lastSuccessAt: number };
  /** The x509-certificate-exporter-compatible family, when `server.metrics.x509CertificateExporter` is on. */
  x509?: X509Family;
}

/**
 * Process metrics (memory, CPU, event loop) live in a long-lived registry of their own, under
 * prom-client's standard names (`process_*`, `nodejs_*`) so existing Node.js dashboards find them.
 */
export function processRegistry(): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg });
  // Gauges must not end in _total (that suffix means "counter" to Prometheus and promtool). These
  // three are sums of nodejs_active_{handles,requests,resources}{type}, which stay: sum() them.
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) reg.removeSingleMetric(name);
  return reg;
}

const GAUGES_NAMED_LIKE_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

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
  const notBefore = new Gauge({
    name: 'credwatch_credential_not_before_timestamp_seconds',
    help: 'Instant from which the certificate (per source: certificate, chain[1], ...) is valid, in Unix seconds',
    labelNames: ['id', 'kind', 'source'] as const,
    registers,
  });
  for (const c of credentials) {
    for (const n of c.notBefore ?? []) notBefore.set({ id: c.id, kind: c.kind, source: n.source }, Date.parse(n.notBefore) / 1000);
    // Exact instant: ms / 1000, never rounded, so `- time()` in a rule is exact too.
    for (const e of c.expiries) expiry.set({ id: c.id, kind: c.kind, source: e.source }, Date.parse(e.expiresAt) / 1000);
    if (c.status) for (const st of STATUSES) status.set({ id: c.id, kind: c.kind, status: st }, st === c.status ? 1 : 0);
    if (c.probe) {
      probeSuccess.set({ id: c.id }, c.probe.ok ? 1 : 0);
      probeDuration.set({ id: c.id }, c.probe.latencyMs / 1000);
    }
  }
}

/** The daemon's own series: they move between cycles (deliveries, backlog, reloads, request counts). */
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
  new Gauge({
    name: 'credwatch_build_info',
    help: 'Always 1; the version of credwatch that serves these metrics',
    labelNames: ['version'] as const,
    registers,
  }).set({ version: version() }, 1);
  if (s.probeRequests) {
    const requests = new Counter({
      name: 'credwatch_probe_requests_total',
      help: 'HTTP requests made by live probes (billed by some providers), by credential and type: token or call',
      labelNames: ['id', 'type'] as const,
      registers,
    });
    for (const r of s.probeRequests) requests.inc({ id: r.id, type: r.type }, r.count);
  }
  for (const n of s.notifications) notifications.inc({ notifier: n.notifier, outcome: n.outcome }, n.count);
  if (s.lastCycle) {
    cycleDuration.set(s.lastCycle.durationMs / 1000);
    lastCycle.set(s.lastCycle.finishedAt / 1000);
  }
  cycles.inc({ outcome: 'ok' }, s.cycles.ok);
  cycles.inc({ outcome: 'failed' }, s.cycles.failed);
  if (s.configReload) {
    // Named and meant as Prometheus's own prometheus_config_last_reload_* pair.
    new Gauge({ name: 'credwatch_config_last_reload_successful', help: 'Whether the last configuration reload attempt was successful', registers }).set(
      s.configReload.successful ? 1 : 0,
    );
    new Gauge({ name: 'credwatch_config_last_reload_success_timestamp_seconds', help: 'Timestamp of the last successful configuration reload', registers }).set(
      s.configReload.lastSuccessAt / 1000,
    );
  }
  if (s.outboxBacklog !== null) {
    new Gauge({ name: 'credwatch_outbox_backlog', help: 'Notification deliveries waiting in the outbox', registers }).set(s.outboxBacklog);
  }
  if (s.outboxOldestPendingSeconds !== undefined && s.outboxOldestPendingSeconds !== null) {
    new Gauge({
      name: 'credwatch_outbox_oldest_pending_seconds',
      help: 'Age of the oldest notification delivery still waiting in the outbox (0 when none waits)',
      registers,
    }).set(s.outboxOldestPendingSeconds);
  }
  if (s.x509) addX509Family(reg, s.x509);
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

/** x509-certificate-exporter's names and help texts; each series carries its own label set, as there. */
function addX509Family(reg: Registry, f: X509Family): void {
  new Gauge({ name: 'x509_read_errors', help: 'Indicates the number of read failure(s)', registers: [reg] }).set(f.readErrors);
  // A label-less gauge would print a 0 sample: with no certificate, no series at all.
  if (!f.certificates.length) return;
  const keys = [...new Set(f.certificates.flatMap((c) => Object.keys(c.labels)))].sort();
  const labelNames = keys;
  const registers = [reg];
  const notAfter = new Gauge({ name: 'x509_cert_not_after', help: "Indicates the certificate's not after timestamp", labelNames, registers });
  const notBefore = new Gauge({ name: 'x509_cert_not_before', help: "Indicates the certificate's not before timestamp", labelNames, registers });
  const expired = new Gauge({ name: 'x509_cert_expired', help: 'Indicates if the certificate is expired', labelNames, registers });
  for (const c of f.certificates) {
    // The exporter leaves out a label a certificate has no value for; prom-client needs every
    // name, and Prometheus treats an empty value as an absent label, so the series match.
    const labels = Object.fromEntries(keys.map((k) => [k, c.labels[k] ?? '']));
    notAfter.set(labels, Math.floor(c.notAfter));
    notBefore.set(labels, Math.floor(c.notBefore));
    expired.set(labels, c.expired ? 1 : 0);
  }
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

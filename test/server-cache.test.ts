// /status and /metrics: bodies built once per recorded check, gzip when the client asks for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Gauge, Registry } from 'prom-client';
import { createLogger } from '../src/log.js';
import { evaluate } from '../src/evaluate.js';
import { emptyObservation, reportJson, summarize, type CheckReport } from '../src/types.js';
import { assessHealth } from '../src/server/health.js';
import { buildMetricsRegistry, renderMetrics, type MetricsSnapshot } from '../src/server/metrics.js';
import { metricsSnapshot } from '../src/server/snapshot.js';
import { acceptsGzip, startServer, type ServerContext } from '../src/server/server.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function reportOf(n: number): CheckReport {
  const credentials = Array.from({ length: n }, (_, i) =>
    evaluate({
      id: `cred-${i}`,
      kind: 'static',
      observation: { ...emptyObservation(), expiries: [{ source: 'secret', expiresAt: new Date(NOW.getTime() + (i + 1) * 86_400_000) }] },
      probe: null,
      previousProbeFailures: 0,
      warningDays: 30,
      criticalDays: 7,
      renewalLeadDays: 14,
      failuresBeforeAlert: 2,
      now: NOW,
    }),
  );
  return { checkedAt: NOW.toISOString(), summary: summarize(credentials), credentials };
}

/** Counts how often a report's credentials are read (each read is one rebuild of a body). */
function counted(report: CheckReport): { report: CheckReport; reads: () => number } {
  let reads = 0;
  const list = report.credentials;
  const r = { ...report } as CheckReport;
  Object.defineProperty(r, 'credentials', { get: () => (reads++, list), enumerable: true });
  return { report: r, reads: () => reads };
}

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('Accept-Encoding: gzip is taken unless refused with q=0', () => {
  const h = (v?: string) => acceptsGzip({ headers: v === undefined ? {} : { 'accept-encoding': v } } as never);
  assert.equal(h(), false);
  assert.equal(h('gzip'), true);
  assert.equal(h('deflate, gzip;q=0.8, br'), true);
  assert.equal(h('GZIP'), true);
  assert.equal(h('gzip;q=0'), false);
  assert.equal(h('identity'), false);
  assert.equal(h('*'), true);
});

test('the /metrics text is the same as one merged registry, and the credential part is rendered once per array', async () => {
  const s: MetricsSnapshot = {
    credentials: [
      { id: 'a', kind: 'x509', status: 'ok', expiries: [{ source: 'certificate', expiresAt: '2027-01-01T00:00:00.123Z' }], probe: { ok: true, latencyMs: 12 } },
      { id: 'b', kind: 'static', status: null, expiries: [], probe: null },
    ],
    notifications: [{ notifier: 'slack', outcome: 'sent', count: 3 }],
    outboxBacklog: 2,
    lastCycle: { durationMs: 100, finishedAt: 1_700_000_000_000 },
    cycles: { ok: 1, failed: 0 },
  };
  const proc = new Registry();
  new Gauge({ name: 'credwatch_test_process', help: 'h', registers: [proc] }).set(5);
  assert.equal((await renderMetrics(s, proc)).body, await Registry.merge([buildMetricsRegistry(s), proc]).metrics());
  assert.equal((await renderMetrics(s)).body, await buildMetricsRegistry(s).metrics());
  const empty = { ...s, credentials: [], outboxBacklog: null, lastCycle: null };
  assert.equal((await renderMetrics(empty)).body, await buildMetricsRegistry(empty).metrics());

  // Same credentials array, new delivery counts: the counts are current, the series are not rebuilt.
  let iterations = 0;
  const creds = [...s.credentials];
  const iterate = creds[Symbol.iterator].bind(creds);
  creds[Symbol.iterator] = () => (iterations++, iterate());
  const first = (await renderMetrics({ ...s, credentials: creds })).body;
  const second = (await renderMetrics({ ...s, credentials: creds, notifications: [{ notifier: 'slack', outcome: 'sent', count: 4 }] })).body;
  assert.equal(iterations, 1);
  assert.match(first, /credwatch_notifications_total\{notifier="slack",outcome="sent"\} 3\n/);
  assert.match(second, /credwatch_notifications_total\{notifier="slack",outcome="sent"\} 4\n/);
  assert.equal(second.replace(/ 4\n/, ' 3\n'), first);
});

test('/status and /metrics: built once per recorded report, gzip only when asked', async () => {
  const { report, reads } = counted(reportOf(200));
  let current = report;
  const ctx: ServerContext = {
    config: () => ({ server: { listen: '127.0.0.1:0' }, defaults: { notify: [] }, credentials: [] }) as never,
    report: () => current,
    health: () => assessHealth({ schedulerRunning: true, deadline: Date.now() + 60_000, lastCycleFinishedAt: null, databaseError: null, now: Date.now() }),
    metrics: () => metricsSnapshot(current, { lastCheck: null, notifications: [], outboxBacklog: 0, cycles: { ok: 1, failed: 0 } }),
    log: createLogger({ destination: process.stderr, pretty: false, level: 'silent' }),
  };
  const server = await startServer(ctx, '127.0.0.1:0');
  const port = server.address.port;
  try {
    const expected = JSON.stringify(reportJson(reportOf(200))) + '\n';
    const plain = await get(port, '/status', {});
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary, 'accept-encoding');
    assert.equal(plain.body.toString('utf8'), expected);
    const zipped = await get(port, '/status', { 'accept-encoding': 'gzip, deflate' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
    assert.ok(zipped.body.length < plain.body.length / 4, `${zipped.body.length} vs ${plain.body.length}`);
    assert.equal(gunzipSync(zipped.body).toString('utf8'), expected);
    for (let i = 0; i < 5; i++) await get(port, '/status', { 'accept-encoding': 'gzip' });
    const readsAfterStatus = reads();

    const m1 = await get(port, '/metrics', {});
    const m2 = await get(port, '/metrics', { 'accept-encoding': 'gzip' });
    assert.equal(m2.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(m2.body).toString('utf8'), m1.body.toString('utf8'));
    assert.match(m1.body.toString('utf8'), /credwatch_credential_status\{id="cred-199",kind="static",status="ok"\} 1\n/);
    // One read for /status, one for the metrics snapshot: every further request reuses them.
    assert.equal(reads(), readsAfterStatus + 1);
    assert.equal(readsAfterStatus, 1);

    // A new recorded check: a new body.
    current = reportOf(3);
    const next = await get(port, '/status', {});
    assert.equal(next.body.toString('utf8'), JSON.stringify(reportJson(reportOf(3))) + '\n');
  } finally {
    await server.close();
  }
});

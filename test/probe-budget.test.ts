// probe.interval, request accounting and probe.budget through the cycle, against the loopback
// Clara mTLS server's own request counters, on an on-disk database with the real migrations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildConfig } from '../src/config/load.js';
import { openDatabase, type Db } from '../src/store/db.js';
import { runCycle } from '../src/cycle.js';
import { ProbeStates } from '../src/probe-states.js';
import { probeRequestTotals } from '../src/store/probe-requests.js';
import { recordedReport } from '../src/commands/status.js';
import { metricsSnapshot } from '../src/server/snapshot.js';
import { renderMetrics } from '../src/server/metrics.js';
import { buildStatusView } from '../src/server/status-view.js';
import { renderStatusPage } from '../src/server/status-page.js';
import { createMtlsPki } from './helpers/pki.js';
import { json, startServer, tokenReply, writeFiles, type TestServer } from './helpers/mtls-server.js';

const log = pino({ level: 'silent' });
const HOUR = 3_600_000;
const TAX_IDS = ['ACME8001011H0', 'ACMF8001011H1'];
let srv: TestServer;
let files: ReturnType<typeof writeFiles>;
let dir: string;
let failing = false;

before(async () => {
  const pki = await createMtlsPki();
  files = writeFiles({ 'client.crt': pki.client.cert, 'client.key': pki.client.key, 'ca.pem': pki.ca.cert });
  dir = mkdtempSync(join(tmpdir(), 'credwatch-budget-'));
  srv = await startServer(pki, (req, res) => {
    if (req.path === '/oauth/token') return json(res, 200, tokenReply('budget-token'));
    if (failing) return json(res, 500, { error: 'boom' });
    return json(res, 200, { data: [] });
  });
});
after(async () => {
  await srv.close();
  files.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

let dbNo = 0;
function setup(probe: Record<string, unknown> = {}, global: Record<string, unknown> = {}) {
  const data = {
    database: join(dir, `db-${++dbNo}.sqlite`),
    probe: { timeoutMs: 5000, failuresBeforeAlert: 1, ...global },
    credentials: [
      {
        id: 'clara-erp',
        kind: 'clara-project',
        country: 'mx',
        baseUrl: srv.url,
        project: 'ERP',
        createdAt: '2026-10-01',
        validityDays: 360,
        certificate: files.path('client.crt'),
        privateKey: files.path('client.key'),
        ca: files.path('ca.pem'),
        clientId: 'cid',
        clientSecret: 'budget-canary-secret',
        probe: { taxIdentifiers: TAX_IDS, ...probe },
      },
    ],
  };
  const { config } = buildConfig(data, files.path('credwatch.yaml'), {});
  const db = openDatabase(config.database);
  const states = new ProbeStates();
  const cycle = async (now: Date, o: { noProbe?: boolean } = {}) =>
    (await runCycle(config, db, { now, log, probeStates: states, noProbe: o.noProbe })).credentials[0]!;
  return { db, config, states, cycle, close: async () => (await states.close(), db.close()) };
}

const hits = () => ({ token: srv.count('/oauth/token'), call: srv.count('/api/v3/transactions') });
const monthRows = (db: Db) => db.prepare('SELECT month, type, count FROM probe_requests ORDER BY month, type').all();

test('probe.interval: cycles in between make no request and keep the last probe with its probedAt', async () => {
  const h = setup({ interval: '6h' });
  try {
    const t0 = new Date('2027-01-10T08:00:00.000Z');
    const before = hits();
    const first = await h.cycle(t0);
    assert.equal(first.probe?.ok, true);
    assert.equal(first.probe?.probedAt, t0.toISOString());
    assert.equal(first.probe?.requestsThisMonth, 3, 'one token and one call per tax identifier');
    assert.deepEqual(hits(), { token: before.token + 1, call: before.call + 2 });

    for (const later of [1, 3, 5.99]) {
      const kept = await h.cycle(new Date(t0.getTime() + later * HOUR));
      assert.deepEqual(hits(), { token: before.token + 1, call: before.call + 2 }, `no request ${later} h later`);
      assert.equal(kept.probe?.probedAt, t0.toISOString(), 'probedAt is the probe\'s, not the cycle\'s');
      assert.deepEqual({ ...kept.probe, requestsThisMonth: 3 }, first.probe);
      assert.equal(kept.status, 'ok');
    }

    const t6 = new Date(t0.getTime() + 6 * HOUR);
    const again = await h.cycle(t6);
    assert.equal(again.probe?.probedAt, t6.toISOString());
    // The daemon's token is still good: only the two calls.
    assert.deepEqual(hits(), { token: before.token + 1, call: before.call + 4 });
    assert.equal(again.probe?.requestsThisMonth, 5);
    assert.deepEqual(probeRequestTotals(h.db), [
      { id: 'clara-erp', type: 'call', count: 4 },
      { id: 'clara-erp', type: 'token', count: 1 },
    ]);
  } finally {
    await h.close();
  }
});

test('the global probe.interval applies where a credential sets none', async () => {
  const h = setup({}, { interval: '30m' });
  try {
    const t0 = new Date('2027-01-10T08:00:00.000Z');
    await h.cycle(t0);
    const calls = hits().call;
    await h.cycle(new Date(t0.getTime() + 15 * 60_000));
    assert.equal(hits().call, calls);
    await h.cycle(new Date(t0.getTime() + 30 * 60_000));
    assert.equal(hits().call, calls + 2);
  } finally {
    await h.close();
  }
});

test('probe.budget: a probe that would pass the month\'s budget is skipped, visibly, with the counters unchanged; the next month probes again', async () => {
  // 3 (token + 2 calls), then 2 per probe with the cached token: 3, 5, 7 — the fourth would make 9.
  const h = setup({ budget: 7 });
  try {
    const jan = (d: number) => new Date(Date.UTC(2027, 0, d, 12));
    const counts: number[] = [];
    for (const d of [28, 29, 30]) counts.push((await h.cycle(jan(d))).probe!.requestsThisMonth!);
    assert.deepEqual(counts, [3, 5, 7]);
    const before = hits();
    const rows = monthRows(h.db);
    const skipped = await h.cycle(jan(31));
    assert.deepEqual(hits(), before, 'no request to the provider');
    assert.deepEqual(monthRows(h.db), rows, 'the counters did not move');
    assert.equal(skipped.probe?.skipped, 'budget');
    assert.equal(skipped.probe?.ok, true, 'the last result stays');
    assert.equal(skipped.probe?.probedAt, jan(30).toISOString());
    assert.equal(skipped.status, 'warning');
    assert.equal(skipped.reasons[0], 'probe skipped: 7 of 7 requests used this month');
    assert.equal(skipped.probe?.requestsThisMonth, 7);

    // February (by the run's clock): a new month, a new budget.
    const feb = await h.cycle(new Date('2027-02-01T00:30:00.000Z'));
    assert.equal(feb.probe?.skipped, undefined);
    assert.equal(feb.probe?.probedAt, '2027-02-01T00:30:00.000Z');
    assert.equal(feb.probe?.requestsThisMonth, 2);
    assert.equal(feb.status, 'ok');
    assert.deepEqual(
      (monthRows(h.db) as { month: string; count: number }[]).map((r) => r.month),
      ['2027-01', '2027-01', '2027-02'],
    );
  } finally {
    await h.close();
  }
});

test('--no-probe keeps the last recorded probe (or null), and its streak and alert level, making no request', async () => {
  const h = setup({ failuresBeforeAlert: 2 });
  try {
    const t0 = new Date('2027-01-10T08:00:00.000Z');
    const none = await h.cycle(t0, { noProbe: true });
    assert.equal(none.probe, null, 'nothing recorded yet');

    failing = true;
    const failed = await h.cycle(new Date(t0.getTime() + HOUR));
    assert.deepEqual([failed.status, failed.probeFailures, failed.probe?.error?.code], ['ok', 1, 'server_error']);
    const second = await h.cycle(new Date(t0.getTime() + 2 * HOUR));
    assert.deepEqual([second.status, second.probeFailures, second.levels.probe], ['failing', 2, 'failing']);

    failing = false;
    const before = hits();
    for (const n of [3, 4]) {
      const kept = await h.cycle(new Date(t0.getTime() + n * HOUR), { noProbe: true });
      assert.deepEqual(hits(), before, 'no request');
      // Still failing, with its reason: a manual run does not turn a failing credential ok.
      assert.deepEqual([kept.status, kept.probeFailures, kept.levels.probe], ['failing', 2, 'failing']);
      assert.equal(kept.probe?.probedAt, new Date(t0.getTime() + 2 * HOUR).toISOString());
      assert.equal(kept.probe?.error?.code, 'server_error');
      assert.ok(kept.reasons.some((r) => r.startsWith('probe failing for 2 consecutive checks: server_error')), kept.reasons.join('; '));
    }
    const fixed = await h.cycle(new Date(t0.getTime() + 5 * HOUR));
    assert.deepEqual([fixed.status, fixed.probeFailures, fixed.probe?.ok], ['ok', 0, true]);
  } finally {
    failing = false;
    await h.close();
  }
});

test('a probe kept by probe.interval is not a new failure: the streak waits for the next real probe', async () => {
  const h = setup({ interval: '1h', failuresBeforeAlert: 2 });
  try {
    const t0 = new Date('2027-01-10T08:00:00.000Z');
    failing = true;
    const first = await h.cycle(t0);
    assert.equal(first.probeFailures, 1);
    for (const m of [15, 30, 45]) {
      const kept = await h.cycle(new Date(t0.getTime() + m * 60_000));
      assert.deepEqual([kept.status, kept.probeFailures], ['ok', 1], `${m} min later`);
      assert.match(kept.reasons.at(-1)!, /^probe failed \(1 of 2 before alert\)/);
    }
    const second = await h.cycle(new Date(t0.getTime() + HOUR));
    assert.deepEqual([second.status, second.probeFailures], ['failing', 2]);
  } finally {
    failing = false;
    await h.close();
  }
});

test('/metrics counts every request by credential and type; the page shows this month\'s requests and a budget skip', async () => {
  const h = setup({ budget: 4 });
  try {
    await h.cycle(new Date('2027-01-10T08:00:00.000Z'));
    const skipped = await h.cycle(new Date('2027-01-10T08:15:00.000Z'));
    assert.equal(skipped.probe?.skipped, 'budget');
    const report = recordedReport(h.config, h.db);
    const { body } = await renderMetrics(
      metricsSnapshot(report, { lastCheck: null, notifications: [], outboxBacklog: null, cycles: { ok: 2, failed: 0 }, probeRequests: [...probeRequestTotals(h.db), { id: 'removed-from-config', type: 'call', count: 9 }] }),
    );
    const series = body.split('\n').filter((l) => l.startsWith('credwatch_probe_requests_total'));
    assert.deepEqual(series, ['credwatch_probe_requests_total{id="clara-erp",type="call"} 2', 'credwatch_probe_requests_total{id="clara-erp",type="token"} 1']);
    assert.match(body, /# TYPE credwatch_probe_requests_total counter/);
    const page = renderStatusPage(buildStatusView(h.config, report, new Date('2027-01-10T08:20:00.000Z')));
    assert.match(page, /3 requests this month/);
    assert.match(page, /skipped: over budget/);
    assert.match(page, /probe skipped: 3 of 4 requests used this month/);
  } finally {
    await h.close();
  }
});

test('CLI: each `check` run fetches a token; months roll over by --at; --no-probe shows the last probe', async () => {
  const { runCli, tempDir } = await import('./helpers/cli.js');
  const t = tempDir();
  try {
    const cfg = t.write(
      'credwatch.yaml',
      `database: ./state/credwatch.db
credentials:
  - { id: clara-erp, kind: clara-project, country: mx, baseUrl: "${srv.url}", project: ERP, createdAt: 2026-10-01, validityDays: 360,
      certificate: ${files.path('client.crt')}, privateKey: ${files.path('client.key')}, ca: ${files.path('ca.pem')},
      clientId: cid, clientSecret: s, probe: { taxIdentifiers: [${TAX_IDS.join(', ')}] } }
`,
    );
    const check = async (...args: string[]) => {
      const r = await runCli(['check', '--json', '--notify', ...args, '--config', cfg]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).credentials[0].probe;
    };
    const before = hits();
    const jan = await check('--at', '2027-01-31T23:00:00Z');
    assert.deepEqual([jan.probedAt, jan.requestsThisMonth], ['2027-01-31T23:00:00.000Z', 3]);
    const jan2 = await check('--at', '2027-01-31T23:30:00Z');
    assert.equal(jan2.requestsThisMonth, 6, 'a new process has no cached token: one more token request');
    assert.deepEqual(hits(), { token: before.token + 2, call: before.call + 4 });

    const feb = await check('--at', '2027-02-01T00:30:00Z');
    assert.equal(feb.requestsThisMonth, 3, 'February starts from zero');

    const kept = await check('--no-probe', '--at', '2027-02-01T01:00:00Z');
    assert.deepEqual(hits(), { token: before.token + 3, call: before.call + 6 }, '--no-probe makes no request');
    assert.deepEqual(kept, feb);
  } finally {
    t.cleanup();
  }
});

// Per-credential settings in a cycle: thresholds.warningDays/criticalDays, probe.timeoutMs,
// probe.failuresBeforeAlert and probe.interval each override the global one, and only for that
// credential; a credential without them gets the global value.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { buildConfig } from '../src/config/load.js';
import { openDatabase } from '../src/store/db.js';
import { runCycle } from '../src/cycle.js';
import { ProbeStates } from '../src/probe-states.js';
import { createMtlsPki } from './helpers/pki.js';
import { json, silentServer, startServer, tokenReply, writeFiles, type TestServer } from './helpers/mtls-server.js';

const log = pino({ level: 'silent' });
const DAY = 86_400_000;
const MIN = 60_000;
// The real clock (the test certificates are valid from now), never exactly midnight: an odd millisecond.
const T0 = new Date(Math.floor(Date.now() / 2) * 2 + 1);
const plus = (ms: number) => new Date(T0.getTime() + ms);
let srv: TestServer;
let silent: Awaited<ReturnType<typeof silentServer>>;
let files: ReturnType<typeof writeFiles>;
let mode: 'ok' | 'fail' = 'ok';

before(async () => {
  const pki = await createMtlsPki();
  files = writeFiles({ 'client.crt': pki.client.cert, 'client.key': pki.client.key, 'ca.pem': pki.ca.cert });
  srv = await startServer(pki, (req, res) => {
    if (req.path === '/oauth/token') return json(res, 200, tokenReply('override-access-token'));
    return mode === 'ok' ? json(res, 200, { ok: true }) : json(res, 500, { error: 'boom' });
  });
  silent = await silentServer();
});
after(async () => {
  await srv.close();
  await silent.close();
  files.cleanup();
});

/** An oauth2 credential probing the test server (or `base`), `probe` merged into its probe block. */
function oauth(id: string, probe: Record<string, unknown> = {}, base = srv.url) {
  return {
    id,
    kind: 'oauth2',
    tokenUrl: `${base}/oauth/token`,
    clientId: 'cid',
    clientSecret: 'override-client-secret',
    certificate: files.path('client.crt'),
    privateKey: files.path('client.key'),
    ca: files.path('ca.pem'),
    probe: { url: `${base}/ping/${id}`, ...probe },
  };
}

/** Runs cycles against one in-memory database and one probe state, as a daemon does. */
function harness(data: Record<string, unknown>) {
  const { config } = buildConfig({ database: ':memory:', ...data }, files.path('credwatch.yaml'), {});
  const db = openDatabase(':memory:');
  const states = new ProbeStates();
  const byId = async (now: Date) => {
    const report = await runCycle(config, db, { now, log, probeStates: states });
    return Object.fromEntries(report.credentials.map((c) => [c.id, c]));
  };
  return { config, cycle: byId, close: async () => { await states.close(); db.close(); } };
}

test('thresholds.warningDays and criticalDays per credential override the global thresholds, each on its own', async () => {
  const at = (days: number) => plus(days * DAY).toISOString().slice(0, 10);
  const h = harness({
    thresholds: { warningDays: 30, criticalDays: 7 },
    credentials: [
      { id: 'global-20', kind: 'static', expiresAt: at(20) },
      { id: 'warn10-20', kind: 'static', expiresAt: at(20), thresholds: { warningDays: 10 } },
      { id: 'crit25-20', kind: 'static', expiresAt: at(20), thresholds: { criticalDays: 25 } },
      { id: 'global-5', kind: 'static', expiresAt: at(5) },
      // Only warningDays overridden: criticalDays is still the global 7.
      { id: 'warn10-5', kind: 'static', expiresAt: at(5), thresholds: { warningDays: 10 } },
      { id: 'warn60-45', kind: 'static', expiresAt: at(45), thresholds: { warningDays: 60 } },
      { id: 'global-45', kind: 'static', expiresAt: at(45) },
      { id: 'both-3', kind: 'static', expiresAt: at(3), thresholds: { warningDays: 5, criticalDays: 1 } },
    ],
  });
  try {
    // expiresAt is a date (midnight UTC) and T0 is past midnight: 20 days ahead is 19 whole days left.
    const r = await h.cycle(T0);
    const seen = Object.fromEntries(Object.entries(r).map(([id, c]) => [id, [c.status, c.levels.expiry, c.daysLeft]]));
    assert.deepEqual(seen, {
      'global-20': ['warning', 'warning', 19],
      'warn10-20': ['ok', 'ok', 19],
      'crit25-20': ['critical', 'critical', 19],
      'global-5': ['critical', 'critical', 4],
      'warn10-5': ['critical', 'critical', 4],
      'warn60-45': ['warning', 'warning', 44],
      'global-45': ['ok', 'ok', 44],
      'both-3': ['warning', 'warning', 2],
    });
  } finally {
    await h.close();
  }
});

test('probe.timeoutMs per credential overrides the global timeout; without it the global one is used', async () => {
  const base = `https://127.0.0.1:${silent.port}`;
  const h = harness({ probe: { timeoutMs: 200 }, credentials: [oauth('global-timeout', {}, base), oauth('own-timeout', { timeoutMs: 400 }, base)] });
  try {
    const r = await h.cycle(T0);
    for (const [id, ms] of [['global-timeout', 200], ['own-timeout', 400]] as const) {
      const p = r[id]!.probe!;
      assert.equal(p.ok, false, id);
      assert.equal(p.error?.code, 'timeout', `${id}: ${JSON.stringify(p.error)}`);
      assert.match(p.error!.message, new RegExp(` within ${ms} ms\\b`), id);
    }
  } finally {
    await h.close();
  }
});

test('probe.failuresBeforeAlert per credential overrides the global streak length', async () => {
  const h = harness({ probe: { failuresBeforeAlert: 1 }, credentials: [oauth('global-streak'), oauth('own-streak', { failuresBeforeAlert: 3 })] });
  try {
    mode = 'fail';
    const streak: [string, number, string, number][] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await h.cycle(plus(i * MIN));
      streak.push(['global-streak', i, r['global-streak']!.status, r['global-streak']!.probeFailures]);
      streak.push(['own-streak', i, r['own-streak']!.status, r['own-streak']!.probeFailures]);
    }
    assert.deepEqual(streak, [
      ['global-streak', 1, 'failing', 1],
      ['own-streak', 1, 'ok', 1],
      ['global-streak', 2, 'failing', 2],
      ['own-streak', 2, 'ok', 2],
      ['global-streak', 3, 'failing', 3],
      ['own-streak', 3, 'failing', 3],
    ]);
  } finally {
    mode = 'ok';
    await h.close();
  }
});

test('probe.interval per credential overrides the global interval, longer or shorter', async () => {
  const h = harness({
    probe: { interval: '30m' },
    credentials: [oauth('global-interval'), oauth('hourly', { interval: '1h' }), oauth('every-5m', { interval: '5m' })],
  });
  const pings = (id: string) => srv.count(`/ping/${id}`);
  const before = { g: pings('global-interval'), h: pings('hourly'), f: pings('every-5m') };
  const calls = () => [pings('global-interval') - before.g, pings('hourly') - before.h, pings('every-5m') - before.f];
  try {
    const first = await h.cycle(T0);
    assert.deepEqual(calls(), [1, 1, 1]);
    // 10 minutes on: only the 5-minute one is due; the others show their first probe again.
    const second = await h.cycle(plus(10 * MIN));
    assert.deepEqual(calls(), [1, 1, 2]);
    assert.equal(second['global-interval']!.probe!.probedAt, T0.toISOString());
    assert.equal(second['hourly']!.probe!.probedAt, T0.toISOString());
    assert.equal(second['every-5m']!.probe!.probedAt, plus(10 * MIN).toISOString());
    // 40 minutes on: the global 30 minutes have passed, the credential's hour has not.
    const third = await h.cycle(plus(40 * MIN));
    assert.deepEqual(calls(), [2, 1, 3]);
    assert.equal(third['hourly']!.probe!.probedAt, T0.toISOString());
    // 61 minutes on: the hour has passed too.
    const fourth = await h.cycle(plus(61 * MIN));
    assert.deepEqual(calls(), [2, 2, 4]);
    assert.equal(fourth['hourly']!.probe!.probedAt, plus(61 * MIN).toISOString());
    assert.equal(fourth['global-interval']!.probe!.probedAt, plus(40 * MIN).toISOString());
    assert.equal(first['hourly']!.status, 'ok');
  } finally {
    await h.close();
  }
});

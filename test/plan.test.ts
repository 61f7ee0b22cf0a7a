// Renewal overdue, a successor that expires first, and `credwatch plan` / `GET /plan` / the status
// page's next step, through the real CLI, a real webhook receiver and the daemon's HTTP server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir } from './helpers/cli.js';
import { startHttpServer, type TestServer } from './helpers/notify-http.js';
import { loadConfig } from '../src/config/load.js';
import { openDatabase } from '../src/store/db.js';
import { recordedReport } from '../src/commands/status.js';
import { startServer } from '../src/server/server.js';
import { createLogger } from '../src/log.js';
import { buildPlan, renderPlan } from '../src/plan.js';

const t = tempDir('credwatch-plan-');
const AT = '2026-11-22T10:00:00.000Z';
let hook: TestServer;
let config: string;

before(async () => {
  hook = await startHttpServer({ status: 204 });
  config = t.write(
    'credwatch.yaml',
    `database: ./state/credwatch.db
notifiers:
  - { name: hook, type: webhook, url: "${hook.url}/x" }
defaults: { notify: [hook], owner: platform-team }
credentials:
  # No successor, renewal 60 days ahead: overdue since 2026-11-12 while the expiry alone is still ok.
  - { id: lone, kind: static, expiresAt: 2027-01-11, renewalLeadDays: 60, runbook: "https://wiki.example.com/lone" }
  # The same, but a successor replaces it: not overdue.
  - { id: old, kind: static, expiresAt: 2027-01-11, renewalLeadDays: 60, owner: payments-team }
  # The successor expires first: the rotation is blocked.
  - { id: new, kind: static, expiresAt: 2027-01-06, replaces: old }
`,
  );
});
after(async () => {
  await hook.close();
  t.cleanup();
});

test('overdue renewal and a successor that expires first: statuses, reasons and their own events', async () => {
  const r = await runCli(['check', '--notify', '--json', '--at', AT, '--config', config]);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  const byId = new Map<string, { status: string; reasons: string[]; rotation: unknown }>(out.credentials.map((c: { id: string }) => [c.id, c]));
  assert.equal(byId.get('lone')!.status, 'warning');
  assert.deepEqual(byId.get('lone')!.reasons, ['renewal overdue since 2026-11-12: no successor configured', 'secret expires in 49 days (2027-01-11)']);
  assert.equal(byId.get('lone')!.rotation, null);
  assert.equal(byId.get('old')!.status, 'ok');
  assert.deepEqual(byId.get('old')!.reasons, ['secret expires in 49 days (2027-01-11)']);
  assert.deepEqual(byId.get('old')!.rotation, { role: 'predecessor', peer: 'new', state: 'blocked', overlapDaysLeft: 49, switchedAt: null });
  assert.equal(byId.get('new')!.status, 'warning');
  assert.deepEqual(byId.get('new')!.reasons, ['rotation of old blocked: it expires 2027-01-06, no later than old (2027-01-11)', 'secret expires in 44 days (2027-01-06)']);
  assert.deepEqual(byId.get('new')!.rotation, { role: 'successor', peer: 'old', state: 'blocked', overlapDaysLeft: 49, switchedAt: null });

  const events = hook.requests.map((q) => JSON.parse(q.body)).sort((a, b) => a.id.localeCompare(b.id));
  assert.deepEqual(
    events.map((e) => [e.id, e.severity, e.summary]),
    [
      ['lone:expiry:1:firing-warning', 'warning', 'lone: warning, renewal overdue since 2026-11-12: no successor configured'],
      ['new:expiry:1:firing-warning', 'warning', 'new: warning, rotation of old blocked: it expires 2027-01-06, no later than old (2027-01-11)'],
    ],
  );
  assert.equal('rotation' in events[0], false);
  assert.deepEqual(events[1].rotation, { role: 'successor', peer: 'old', state: 'blocked', overlapDaysLeft: 49, switchedAt: null });
  assert.deepEqual(events[1].reasons, ['rotation of old blocked: it expires 2027-01-06, no later than old (2027-01-11)', 'secret expires in 44 days (2027-01-06)']);
});

test('check --only one side of a pair: the other side\'s recorded result keeps the state right', async () => {
  const r = await runCli(['check', '--json', '--only', 'old', '--at', AT, '--config', config]);
  assert.equal(r.code, 0, r.stderr);
  const [old] = JSON.parse(r.stdout).credentials;
  assert.deepEqual(old.rotation, { role: 'predecessor', peer: 'new', state: 'blocked', overlapDaysLeft: 49, switchedAt: null });
  assert.deepEqual(old.reasons, ['secret expires in 49 days (2027-01-11)']);
});

const EXPECTED_PLAN = [
  {
    id: 'lone', kind: 'static', owner: 'platform-team', runbook: 'https://wiki.example.com/lone',
    expiresAt: '2027-01-11T00:00:00.000Z', renewBy: '2026-11-12T00:00:00.000Z', successor: null,
    steps: [
      { step: 'create-successor', due: '2026-11-12T00:00:00.000Z', done: false },
      { step: 'verify-successor', due: '2026-11-12T00:00:00.000Z', done: false },
      { step: 'switch', due: '2027-01-04T00:00:00.000Z', done: false },
      { step: 'retire', due: '2027-01-11T00:00:00.000Z', done: false },
    ],
  },
  {
    id: 'new', kind: 'static', owner: 'platform-team', runbook: null,
    expiresAt: '2027-01-06T00:00:00.000Z', renewBy: '2026-12-23T00:00:00.000Z', successor: null,
    steps: [
      { step: 'create-successor', due: '2026-12-23T00:00:00.000Z', done: false },
      { step: 'verify-successor', due: '2026-12-23T00:00:00.000Z', done: false },
      { step: 'switch', due: '2026-12-30T00:00:00.000Z', done: false },
      { step: 'retire', due: '2027-01-06T00:00:00.000Z', done: false },
    ],
  },
  {
    // A successor without a probe is verified once it is ok or warning.
    id: 'old', kind: 'static', owner: 'payments-team', runbook: null,
    expiresAt: '2027-01-11T00:00:00.000Z', renewBy: '2026-11-12T00:00:00.000Z', successor: 'new',
    steps: [
      { step: 'create-successor', due: '2026-11-12T00:00:00.000Z', done: true },
      { step: 'verify-successor', due: '2026-11-12T00:00:00.000Z', done: true },
      { step: 'switch', due: '2027-01-04T00:00:00.000Z', done: false },
      { step: 'retire', due: '2027-01-11T00:00:00.000Z', done: false },
    ],
  },
];

test('plan --json: dated steps with done flags, soonest undone first; text marks overdue; --only; no network', async () => {
  const j = await runCli(['plan', '--json', '--at', AT, '--config', config]);
  assert.equal(j.code, 0, j.stderr);
  assert.deepEqual(JSON.parse(j.stdout), { generatedAt: AT, credentials: EXPECTED_PLAN });

  const only = await runCli(['plan', '--json', '--only', 'old', '--at', AT, '--config', config]);
  assert.deepEqual(JSON.parse(only.stdout).credentials, [EXPECTED_PLAN[2]]);

  const text = await runCli(['plan', '--at', AT, '--config', config]);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(
    text.stdout,
    [
      'lone (static): expires 2027-01-11, renew by 2026-11-12, successor -, owner platform-team',
      '  OVERDUE  create-successor  2026-11-12',
      '  OVERDUE  verify-successor  2026-11-12',
      '  todo     switch            2027-01-04',
      '  todo     retire            2027-01-11',
      '',
      'new (static): expires 2027-01-06, renew by 2026-12-23, successor -, owner platform-team',
      '  todo     create-successor  2026-12-23',
      '  todo     verify-successor  2026-12-23',
      '  todo     switch            2026-12-30',
      '  todo     retire            2027-01-06',
      '',
      'old (static): expires 2027-01-11, renew by 2026-11-12, successor new, owner payments-team',
      '  done     create-successor  2026-11-12',
      '  done     verify-successor  2026-11-12',
      '  todo     switch            2027-01-04',
      '  todo     retire            2027-01-11',
      '',
      `3 credentials planned at ${AT}: 1 with overdue steps`,
      '',
    ].join('\n'),
  );
  // Nothing was asked of the network: the webhook saw only the check's two events.
  assert.equal(hook.requests.length, 2);

  const unknown = await runCli(['plan', '--only', 'nope', '--config', config]);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /--only: no credential with id "nope"/);
});

test('plan and validate exit 3 on a bad rotation, naming the path', async () => {
  const bad = t.write('bad.yaml', 'credentials:\n  - { id: a, kind: static, expiresAt: 2027-01-01 }\n  - { id: b, kind: static, expiresAt: 2027-06-01, replaces: nope }\n');
  for (const cmd of ['plan', 'validate']) {
    const r = await runCli([cmd, '--config', bad]);
    assert.equal(r.code, 3, cmd);
    assert.match(r.stderr, /credentials\[1\]\.replaces: no credential with id "nope"/, cmd);
  }
});

test('GET /plan serves the same JSON; the status page shows each next step and marks overdue ones', async () => {
  const { config: cfg } = loadConfig(config);
  const db = openDatabase(cfg.database);
  const server = await startServer(
    {
      config: () => cfg,
      report: () => recordedReport(cfg, db),
      health: () => ({ status: 'ok' }) as never,
      metrics: () => ({ credentials: [], notifications: [], outboxBacklog: 0, lastCycle: null, cycles: { ok: 0, failed: 0 } }),
      log: createLogger({ destination: process.stderr, pretty: false, level: 'silent' }),
    },
    '127.0.0.1:0',
  );
  try {
    const base = `http://127.0.0.1:${server.address.port}`;
    const res = await fetch(`${base}/plan`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = await res.json();
    // The daemon plans by the real clock; nothing here depends on it but generatedAt.
    assert.ok(Math.abs(Date.parse(body.generatedAt) - Date.now()) < 60_000);
    assert.deepEqual(body.credentials, EXPECTED_PLAN);

    const html = await (await fetch(`${base}/`)).text();
    const row = (id: string) => html.slice(html.indexOf(`data-credential="${id}"`), html.indexOf('</tr>', html.indexOf(`data-credential="${id}"`)));
    assert.match(row('lone'), /<div class="next small" data-overdue="true">next step: create-successor by 2026-11-12 <b class="bad">overdue<\/b><\/div>/);
    assert.match(row('old'), /next step: switch by 2027-01-04<\/div>/);
    assert.match(row('old'), /rotation: successor new · <b>blocked<\/b> · \d+ d overlap left/);
    assert.match(row('new'), /rotation: replaces old · <b>blocked<\/b>/);
  } finally {
    await server.close();
    db.close();
  }
});

test('buildPlan: unknown dates sort after known ones, finished rotations last; retire needs the switch and the expiry', () => {
  const cfg = {
    defaults: { notify: [] },
    thresholds: { warningDays: 30, criticalDays: 7, remindDays: [], repeatHours: 24 },
    credentials: [
      { id: 'a', kind: 'static', renewalLeadDays: 14 },
      { id: 'b', kind: 'static', renewalLeadDays: 14, replaces: 'a', switchedAt: new Date('2026-11-01T00:00:00Z') },
      { id: 'c', kind: 'x509', renewalLeadDays: 14, thresholds: { criticalDays: 3 } },
    ],
  };
  const rec = (id: string, expiresAt: string | null, status: 'ok' | 'error' = 'ok') => ({
    id,
    status,
    expiresAt,
    renewBy: expiresAt && new Date(Date.parse(expiresAt) - 14 * 86_400_000).toISOString(),
    probe: null,
  });
  const results = [rec('a', '2026-11-20T00:00:00.000Z'), rec('b', '2027-11-01T00:00:00.000Z'), rec('c', null, 'error')];
  const before = buildPlan(cfg, results, new Date('2026-11-19T23:59:59Z'));
  assert.deepEqual(before.credentials.map((c) => c.id), ['a', 'b', 'c']);
  assert.deepEqual(before.credentials[0]!.steps.map((s) => s.done), [true, true, true, false]);
  assert.deepEqual(before.credentials[2]!.steps.map((s) => s.due), [null, null, null, null]);
  const retired = buildPlan(cfg, results, new Date('2026-11-20T00:00:00Z'));
  assert.deepEqual(retired.credentials.map((c) => c.id), ['b', 'c', 'a']);
  assert.deepEqual(retired.credentials[2]!.steps.map((s) => s.done), [true, true, true, true]);
  // The credential's own criticalDays places its switch.
  const withC = buildPlan(cfg, [...results.slice(0, 2), rec('c', '2027-02-01T00:00:00.000Z')], new Date('2026-11-19T00:00:00Z'));
  assert.equal(withC.credentials.find((c) => c.id === 'c')!.steps[2]!.due, '2027-01-29T00:00:00.000Z');
  assert.match(renderPlan(before), /^c \(x509\): expires -, renew by -, successor -\n {2}todo {5}create-successor {2}-$/m);
});

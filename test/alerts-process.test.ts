// Results → state machine → outbox, on a real on-disk database with the real migrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processResults, processResultsInSlices } from '../src/alerts/process.js';
import type { AlertEvent } from '../src/alerts/types.js';
import { at, config, credential, DAY_MS, hours, result, T0, tempDb } from './helpers/alerts-fixtures.js';

const events = (db: ReturnType<typeof tempDb>['db']) =>
  (db.prepare('SELECT body FROM alert_events ORDER BY seq').all() as { body: string }[]).map((r) => JSON.parse(r.body) as AlertEvent);
const deliveries = (db: ReturnType<typeof tempDb>['db']) =>
  db.prepare('SELECT e.id, d.notifier, d.status FROM deliveries d JOIN alert_events e ON e.seq = d.event_seq ORDER BY d.event_seq, d.notifier').all() as {
    id: string;
    notifier: string;
    status: string;
  }[];

test('process: the event JSON is the contract, exactly (owner falls back to defaults.owner)', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({
    credentials: [credential('api-cert', { runbook: 'https://wiki.example.com/runbooks/api-cert' })],
    notify: ['ops'],
    owner: 'platform-team',
  });
  const now = at(0);
  const expires = new Date(now.getTime() + 20 * DAY_MS + 3_600_000);
  const queued = processResults(h.db, cfg, [result({ now, expiresAt: expires })], now);
  assert.equal(queued.length, 1);
  assert.deepEqual(events(h.db), [
    {
      id: 'api-cert:expiry:1:firing-warning',
      event: 'firing',
      severity: 'warning',
      credential: { id: 'api-cert', kind: 'x509', owner: 'platform-team', runbook: 'https://wiki.example.com/runbooks/api-cert' },
      expiresAt: '2026-12-12T11:00:00.000Z',
      daysLeft: 20,
      renewBy: '2026-11-28T11:00:00.000Z',
      summary: 'api-cert: warning, expires in 20 days (2026-12-12)',
      reasons: ['secret expires in 20 days (2026-12-12)'],
      occurredAt: '2026-11-22T10:00:00.000Z',
    },
  ]);
  assert.deepEqual(Object.keys(events(h.db)[0]!), ['id', 'event', 'severity', 'credential', 'expiresAt', 'daysLeft', 'renewBy', 'summary', 'reasons', 'occurredAt']);
  assert.deepEqual(deliveries(h.db), [{ id: 'api-cert:expiry:1:firing-warning', notifier: 'ops', status: 'pending' }]);
});

test('process: 100 credentials crossing 30 days in one cycle make 100 events, the next cycles none (restart included)', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const ids = Array.from({ length: 100 }, (_, i) => `cred-${String(i).padStart(3, '0')}`);
  const cfg = config({ credentials: ids.map((id) => credential(id)), notify: ['ops-slack', 'ops-mail'] });
  const expires = at(31); // 31 days left at T0: ok; 30 days left a day later
  const cycle = (now: Date) => processResults(h.db, cfg, ids.map((id) => result({ id, now, expiresAt: expires })), now);

  assert.equal(cycle(at(0)).length, 0, 'first sight, all ok (60 already passed: no catch-up)');
  const crossing = cycle(at(1));
  assert.equal(crossing.length, 100);
  assert.deepEqual(new Set(crossing.map((q) => q.event.id)), new Set(ids.map((id) => `${id}:expiry:1:firing-warning`)));
  assert.equal(cycle(hours(0.25, at(1))).length, 0, 'a quarter hour later');
  h.reopen();
  assert.equal(cycle(hours(0.5, at(1))).length, 0, 'after a restart');
  assert.equal(cycle(at(2)).length, 0, 'a day later, still warning, no mark');
  assert.equal(events(h.db).length, 100);
  assert.equal(deliveries(h.db).length, 200, 'one delivery per event and notifier');
});

test('process: a restart between every cycle sends the same events as one long run', (t) => {
  const a = tempDb();
  const b = tempDb();
  t.after(() => (a.cleanup(), b.cleanup()));
  const cfg = config({ notify: ['ops'] });
  const expires = at(40);
  for (let k = 0; k <= 42; k++) {
    const now = at(k);
    const r = [result({ now, expiresAt: expires, probe: k >= 20 && k < 23 ? 'failing' : 'ok' })];
    processResults(a.db, cfg, r, now);
    processResults(b.db, cfg, r, now);
    b.reopen();
  }
  const ids = events(a.db).map((e) => e.id);
  assert.deepEqual(events(b.db).map((e) => e.id), ids);
  assert.deepEqual(ids, [
    'api-cert:expiry:1:firing-warning',
    'api-cert:probe:1:firing-failing',
    'api-cert:probe:1:repeat-failing-1',
    'api-cert:probe:1:repeat-failing-2',
    'api-cert:probe:1:resolved',
    'api-cert:expiry:1:reminder-14d',
    'api-cert:expiry:1:firing-critical',
    'api-cert:expiry:1:repeat-critical-1',
    'api-cert:expiry:1:repeat-critical-2',
    'api-cert:expiry:1:repeat-critical-3',
    'api-cert:expiry:1:reminder-3d',
    'api-cert:expiry:1:repeat-critical-4',
    'api-cert:expiry:1:reminder-1d',
    'api-cert:expiry:1:firing-expired',
    'api-cert:expiry:1:repeat-expired-5',
    'api-cert:expiry:1:repeat-expired-6',
  ]);
});

test('process: renewal resolves with the new expiry and says why; severity is the one resolved', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ notify: ['ops'] });
  processResults(h.db, cfg, [result({ now: at(0), expiresAt: at(5), fingerprints: ['AA:01'] })], at(0));
  // Same date, new certificate: a renewal, but still critical, so nothing new to say (a new episode starts).
  const renewedCert = processResults(h.db, cfg, [result({ now: hours(12, at(0)), expiresAt: at(5), fingerprints: ['BB:02'] })], hours(12, at(0)));
  assert.equal(renewedCert.length, 0);
  const q = processResults(h.db, cfg, [result({ now: at(2), expiresAt: at(345), fingerprints: ['CC:03'] })], at(2));
  assert.equal(q.length, 1);
  const e = q[0]!.event;
  assert.equal(e.id, 'api-cert:expiry:2:resolved');
  assert.equal(e.event, 'resolved');
  assert.equal(e.severity, 'critical');
  assert.equal(e.expiresAt, at(345).toISOString());
  assert.equal(e.daysLeft, 343);
  assert.equal(e.summary, 'api-cert: resolved, renewed: now expires 2027-11-02');
  assert.deepEqual(e.reasons, ['renewed: now expires 2027-11-02', 'certificate expires in 343 days (2027-11-02)']);
});

test('process: a new certificate fingerprint alone explains a resolve', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ notify: ['ops'], credentials: [credential('api-cert', { thresholds: { warningDays: 30 } })] });
  processResults(h.db, cfg, [result({ now: at(0), expiresAt: at(20), fingerprints: ['AA'] })], at(0));
  // Same expiry, new certificate, and (say) a lowered warning threshold: the new fingerprint is the reason given.
  const r = result({ now: at(0.5), expiresAt: at(20), fingerprints: ['BB'] });
  r.levels.expiry = 'ok';
  const [q] = processResults(h.db, cfg, [r], at(0.5));
  assert.equal(q!.event.summary, 'api-cert: resolved, renewed (new certificate): now expires 2026-12-12');
});

test('process: routing: a credential\'s notify list, else defaults.notify; every event to each', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({
    credentials: [credential('a', { notify: ['mail', 'hook'] }), credential('b'), credential('c', { notify: [] })],
    notify: ['slack'],
  });
  const now = at(0);
  processResults(h.db, cfg, ['a', 'b', 'c'].map((id) => result({ id, now, expiresAt: at(3) })), now);
  assert.deepEqual(
    deliveries(h.db).map((d) => `${d.id} → ${d.notifier}`),
    ['a:expiry:1:firing-critical → hook', 'a:expiry:1:firing-critical → mail', 'b:expiry:1:firing-critical → slack'],
  );
  assert.equal(events(h.db).length, 3, 'an empty notify list still records the event');
});

test('process: a cycle without a probe (--no-probe) leaves the probe alert alone', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ notify: ['ops'] });
  processResults(h.db, cfg, [result({ now: at(0), expiresAt: at(300), probe: 'failing' })], at(0));
  assert.equal(processResults(h.db, cfg, [result({ now: at(0.1), expiresAt: at(300), probe: null })], at(0.1)).length, 0);
  const [q] = processResults(h.db, cfg, [result({ now: at(0.2), expiresAt: at(300), probe: 'ok' })], at(0.2));
  assert.equal(q!.event.id, 'api-cert:probe:1:resolved');
  assert.equal(q!.event.severity, 'failing');
  assert.equal(q!.event.summary, 'api-cert: resolved, probe passes again');
});

test('process: probe events carry the probe\'s reasons, expiry events the expiry\'s', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ notify: ['ops'] });
  const q = processResults(h.db, cfg, [result({ now: at(0), expiresAt: at(10), probe: 'failing' })], at(0));
  assert.deepEqual(
    q.map((x) => [x.event.id, x.event.summary, x.event.reasons]),
    [
      ['api-cert:expiry:1:firing-warning', 'api-cert: warning, expires in 10 days (2026-12-02)', ['secret expires in 10 days (2026-12-02)']],
      [
        'api-cert:probe:1:firing-failing',
        'api-cert: probe failing: token_rejected: token endpoint answered 401',
        ['probe failing for 1 consecutive check: token_rejected: token endpoint answered 401'],
      ],
    ],
  );
});

test('process: state and events commit together or not at all', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const ids = ['a', 'b', 'c'];
  const cfg = config({ credentials: ids.map((id) => credential(id)), notify: ['ops'] });
  const now = at(0);
  const results = ids.map((id) => result({ id, now, expiresAt: at(3) }));
  h.db.exec(`CREATE TEMP TRIGGER fail_c BEFORE INSERT ON alert_events WHEN NEW.credential_id = 'c' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
  assert.throws(() => processResults(h.db, cfg, results, now), /disk full/);
  assert.equal((h.db.prepare('SELECT COUNT(*) AS n FROM alert_state').get() as { n: number }).n, 0, 'no state without its events');
  assert.equal(events(h.db).length, 0);
  h.db.exec('DROP TRIGGER fail_c');
  const q = processResults(h.db, cfg, results, now);
  assert.deepEqual(q.map((x) => x.event.id), ['a:expiry:1:firing-critical', 'b:expiry:1:firing-critical', 'c:expiry:1:firing-critical']);
});

test('process: --at drives the machine; a credential that cannot be inspected fires critical with its reason', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ notify: ['ops'] });
  const now = new Date('2027-03-01T00:00:00.000Z');
  const [q] = processResults(h.db, cfg, [result({ now, error: 'no such file /etc/ssl/edge.pem' })], now, T0);
  assert.equal(q!.event.occurredAt, '2027-03-01T00:00:00.000Z');
  assert.equal(q!.event.severity, 'critical');
  assert.equal(q!.event.expiresAt, null);
  assert.equal(q!.event.summary, 'api-cert: critical, could not inspect: no such file /etc/ssl/edge.pem');
});

test('process in slices: 600 credentials in batches queue exactly the events and states of one transaction, removed ones resolved last', async (t) => {
  const one = tempDb();
  const sliced = tempDb();
  t.after(() => (one.cleanup(), sliced.cleanup()));
  const ids = Array.from({ length: 600 }, (_, i) => `cred-${String(i).padStart(3, '0')}`);
  const expires = at(31);
  const run = async (h: ReturnType<typeof tempDb>, live: string[], now: Date, inSlices: boolean) => {
    const cfg = config({ credentials: live.map((id) => credential(id)), notify: ['ops'] });
    const results = live.map((id) => result({ id, now, expiresAt: expires }));
    let pauses = 0;
    const queued = inSlices
      ? await processResultsInSlices(h.db, cfg, results, now, async () => void pauses++)
      : processResults(h.db, cfg, results, now);
    return { ids: queued.map((q) => q.event.id).sort(), pauses };
  };
  for (const [live, now] of [
    [ids, at(0)],
    [ids, at(1)],
    [ids.slice(0, 400), at(2)],
  ] as const) {
    const a = await run(one, [...live], now, false);
    const b = await run(sliced, [...live], now, true);
    assert.deepEqual(b.ids, a.ids);
    assert.equal(b.pauses, Math.ceil(live.length / 250));
  }
  const states = (h: ReturnType<typeof tempDb>) => h.db.prepare('SELECT credential_id, condition, level, episode, mark, repeats, last_event_id FROM alert_state ORDER BY 1, 2').all();
  assert.deepEqual(states(sliced), states(one));
  assert.equal(events(sliced.db).filter((e) => e.event === 'firing').length, 600);
  assert.equal(events(sliced.db).filter((e) => e.event === 'resolved').length, 200);
});

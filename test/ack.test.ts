// Acknowledgements: the machine's rows as a table, then the alert stage on a real database
// (reminders silenced, escalations sent and ending the ack, --until, resolution), then the CLI.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../src/alerts/machine.js';
import { processResults } from '../src/alerts/process.js';
import type { AlertEvent, AlertState, ConditionInput } from '../src/alerts/types.js';
import { activeAcks, putAck } from '../src/store/acks.js';
import { daysLeft, expiryLevel } from '../src/evaluate.js';
import { at, config, credential, DAY_MS, hours, result, T0, tempDb } from './helpers/alerts-fixtures.js';
import { runCli, tempDir, withoutWarnings } from './helpers/cli.js';

const SETTINGS = { remindDays: [60, 30, 14, 7, 3, 1], repeatHours: 24 };
const iso = (d: Date) => d.toISOString();

function expiry(left: number): ConditionInput {
  const exp = new Date(T0.getTime() + left * DAY_MS);
  return { level: expiryLevel(exp, T0, 30, 7), daysLeft: daysLeft(exp, T0), expiresAt: iso(exp), fingerprints: [] };
}
const state = (o: Partial<AlertState> & Pick<AlertState, 'level'>): AlertState => ({
  episode: 1,
  mark: null,
  repeats: 0,
  lastEventAt: iso(new Date(T0.getTime() - DAY_MS)),
  lastEventId: 'x',
  expiresAt: null,
  fingerprints: [],
  ...o,
});

const ROWS: { name: string; prev: AlertState | null; input: ConditionInput; decision: string; event: string | null; next?: Partial<AlertState> }[] = [
  { name: 'warning, crossing 14: silenced, the mark still counts', prev: state({ level: 'warning', mark: 30 }), input: expiry(14), decision: 'silence', event: null, next: { mark: 14, lastEventAt: iso(new Date(T0.getTime() - DAY_MS)) } },
  { name: 'ok, crossing 60 (heads-up): silenced', prev: state({ level: 'ok', lastEventAt: null, lastEventId: null }), input: expiry(60), decision: 'silence', event: null, next: { mark: 60 } },
  { name: 'critical, 24 h since the last event: repeat silenced', prev: state({ level: 'critical', mark: 7 }), input: expiry(6), decision: 'silence', event: null, next: { repeats: 0 } },
  { name: 'warning → critical: the escalation is sent', prev: state({ level: 'warning', mark: 14 }), input: expiry(7), decision: 'fire', event: '1:firing-critical' },
  { name: 'first sight, critical: sent', prev: null, input: expiry(5), decision: 'fire', event: '1:firing-critical' },
  { name: 'critical → ok (renewed): the resolve is sent', prev: state({ level: 'critical', mark: 7, expiresAt: iso(new Date(T0.getTime() + 5 * DAY_MS)) }), input: expiry(300), decision: 'resolve', event: '1:resolved' },
  { name: 'warning, nothing new: nothing', prev: state({ level: 'warning', mark: 14 }), input: expiry(12), decision: 'none', event: null },
];

for (const row of ROWS) {
  test(`machine, acknowledged: ${row.name}`, () => {
    const s = step(row.prev, row.input, SETTINGS, T0, 'c:expiry:', true);
    assert.equal(s.row.then, row.decision, `decided by row "${s.row.when}"`);
    assert.equal(s.event ? s.event.key : null, row.event === null ? null : `c:expiry:${row.event}`);
    for (const [k, v] of Object.entries(row.next ?? {})) assert.deepEqual(s.next[k as keyof AlertState], v, `next.${k}`);
    // Without the acknowledgement, the silenced rows would have sent a reminder.
    if (row.decision === 'silence') assert.equal(step(row.prev, row.input, SETTINGS, T0, 'c:expiry:').event?.event, 'reminder');
  });
}

const events = (db: ReturnType<typeof tempDb>['db']) =>
  (db.prepare('SELECT body FROM alert_events ORDER BY seq').all() as { body: string }[]).map((r) => JSON.parse(r.body) as AlertEvent);
const ended = (db: ReturnType<typeof tempDb>['db']) =>
  db.prepare('SELECT acked_by AS by, end_reason AS reason, ended_at AS at FROM acks ORDER BY id').all() as { by: string; reason: string | null; at: string | null }[];

test('process: an ack silences a reminder mark; the escalation is sent, says who acknowledged, and ends the ack', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ credentials: [credential('api-cert')], notify: ['ops'] });
  const expires = at(20);
  const cycle = (now: Date) => processResults(h.db, cfg, [result({ now, expiresAt: expires })], now).map((q) => q.event);

  assert.deepEqual(cycle(T0).map((e) => e.id), ['api-cert:expiry:1:firing-warning']);
  putAck(h.db, 'api-cert', { by: 'alice', note: 'renewal ordered', at: iso(hours(1, T0)), until: null });

  assert.deepEqual(cycle(at(6)), [], '14 days left: the reminder is silenced');
  assert.equal(activeAcks(h.db).get('api-cert')?.by, 'alice');
  assert.deepEqual(cycle(at(7)), [], 'and it does not come later');

  const escalation = cycle(at(13));
  assert.deepEqual(escalation.map((e) => [e.id, e.event, e.severity]), [['api-cert:expiry:1:firing-critical', 'firing', 'critical']]);
  assert.deepEqual(escalation[0]!.reasons, ['secret expires in 7 days (2026-12-12)', 'acknowledged by alice: renewal ordered']);
  assert.deepEqual(ended(h.db), [{ by: 'alice', reason: 'escalation', at: iso(at(13)) }]);

  // The ack is over: the next mark reminds again, without the words.
  const reminder = cycle(at(17));
  assert.deepEqual(reminder.map((e) => e.id), ['api-cert:expiry:1:reminder-3d']);
  assert.ok(!reminder[0]!.reasons.some((r) => r.startsWith('acknowledged')));
  assert.equal(events(h.db).length, 3);
});

test('process: --until ends the ack by the run\'s clock, and the repeat goes out again', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ credentials: [credential('api-cert')], notify: ['ops'] });
  const expires = new Date(T0.getTime() + 6.5 * DAY_MS);
  const cycle = (now: Date) => processResults(h.db, cfg, [result({ now, expiresAt: expires })], now).map((q) => q.event.id);

  assert.deepEqual(cycle(T0), ['api-cert:expiry:1:firing-critical']);
  putAck(h.db, 'api-cert', { by: 'bob', note: null, at: iso(T0), until: iso(hours(30, T0)) });
  assert.deepEqual(cycle(hours(24, T0)), [], 'the daily repeat is silenced');
  assert.deepEqual(cycle(hours(29.9, T0)), []);
  assert.deepEqual(cycle(hours(30, T0)), ['api-cert:expiry:1:repeat-critical-1'], 'until reached: the repeat is due and sent');
  assert.deepEqual(ended(h.db), [{ by: 'bob', reason: 'until', at: iso(hours(30, T0)) }]);
});

test('process: resolution is sent with the ack\'s words and ends it', (t) => {
  const h = tempDb();
  t.after(() => h.cleanup());
  const cfg = config({ credentials: [credential('api-cert')], notify: ['ops'] });
  processResults(h.db, cfg, [result({ now: T0, expiresAt: at(5) })], T0);
  putAck(h.db, 'api-cert', { by: 'carol', note: 'new cert requested', at: iso(T0), until: null });
  const resolved = processResults(h.db, cfg, [result({ now: at(1), expiresAt: at(400) })], at(1)).map((q) => q.event);
  assert.deepEqual(resolved.map((e) => [e.event, e.severity]), [['resolved', 'critical']]);
  assert.equal(resolved[0]!.reasons.at(-1), 'acknowledged by carol: new cert requested');
  assert.deepEqual(ended(h.db).map((a) => a.reason), ['resolved']);
});

const dir = tempDir();
after(() => dir.cleanup());

test('CLI: ack and unack, exit codes, status shows the ack; --until ends it at a later check --at', async () => {
  const soon = new Date(Date.now() + 3 * DAY_MS).toISOString();
  const cfg = dir.write(
    'credwatch.yaml',
    `database: ./state/credwatch.db
credentials:
  - { id: api-key, kind: static, expiresAt: "${soon}" }
  - { id: far-key, kind: static, expiresAt: 2099-01-01 }
`,
  );
  const cli = (...args: string[]) => runCli([...args, '--config', cfg]);
  assert.equal((await cli('check', '--notify')).code, 2);

  const unknown = await cli('ack', 'nope');
  assert.deepEqual([unknown.code, withoutWarnings(unknown.stderr)], [3, 'credwatch: no credential with id "nope"']);
  const quiet = await cli('ack', 'far-key');
  assert.deepEqual([quiet.code, withoutWarnings(quiet.stderr)], [3, 'credwatch: far-key has no active alert to acknowledge']);
  assert.equal((await cli('ack', 'api-key', '--until', 'tomorrow')).code, 3);
  assert.equal((await cli('unack', 'api-key')).code, 3, 'not acknowledged yet');

  const until = new Date(Date.now() + 2 * DAY_MS).toISOString();
  const ok = await cli('ack', 'api-key', '--note', 'rotating today', '--by', 'dana', '--until', until);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, `api-key: acknowledged by dana: rotating today (until ${until}); reminders stop until a new firing, an escalation or resolution\n`);

  const status = await cli('status', '--json');
  const byId = Object.fromEntries(JSON.parse(status.stdout).credentials.map((c: { id: string }) => [c.id, c]));
  assert.deepEqual(Object.keys(byId['api-key']).at(-1), 'ack');
  const { at: ackAt, ...rest } = byId['api-key'].ack;
  assert.deepEqual(rest, { by: 'dana', note: 'rotating today', until });
  assert.ok(Math.abs(Date.parse(ackAt) - Date.now()) < 60_000);
  assert.equal(byId['far-key'].ack, null);
  const table = await cli('status');
  assert.match(table.stdout, /^api-key: acknowledged by dana: rotating today \(since \S+, until \S+\)$/m);

  // A drill past `until` (the run's clock) ends it.
  const later = new Date(Date.parse(until) + 1000).toISOString();
  assert.equal((await cli('check', '--notify', '--at', later)).code, 2);
  assert.equal(JSON.parse((await cli('status', '--json')).stdout).credentials[0].ack, null);
  assert.equal((await cli('unack', 'api-key')).code, 3, 'already ended');

  assert.equal((await cli('ack', 'api-key')).code, 0);
  const un = await cli('unack', 'api-key');
  assert.deepEqual([un.code, un.stdout], [0, 'api-key: acknowledgement ended; reminders resume\n']);
});

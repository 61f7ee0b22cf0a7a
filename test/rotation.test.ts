// Rotation (contract v2) as a truth table: pure states from both results of one cycle, what each
// state does to the two results, renewal overdue, the config checks, and how events carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, DAY_MS } from '../src/evaluate.js';
import { applyRotation, pairState, rotationLine, type RotationPair } from '../src/rotation.js';
import { buildEvent } from '../src/alerts/event.js';
import { render as renderAlertmanager } from '../src/notifiers/alertmanager.js';
import { render as renderSlack } from '../src/notifiers/slack.js';
import { facts } from '../src/notifiers/email.js';
import { loadConfig } from '../src/config/load.js';
import type { CredentialResult } from '../src/types.js';
import { tempDir } from './helpers/cli.js';
import { configProblems } from './helpers/config-problems.js';
import { probeResult, sampleEvent } from './helpers/alerts-fixtures.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const days = (n: number, from = T0) => new Date(from.getTime() + n * DAY_MS);

const probe = (ok: boolean) => probeResult(ok, 9);

interface Spec {
  id: string;
  expiresAt?: Date;
  now?: Date;
  /** 'ok', 'failed' (once; 2 needed to alert), 'failing' (2nd failure in a row), or none. */
  probe?: 'ok' | 'failed' | 'failing';
  error?: string;
  renewalLeadDays?: number;
}

/** A result as the real evaluator makes it: thresholds 30/7, two failures before a probe alert. */
function result(s: Spec): CredentialResult {
  return evaluate({
    id: s.id,
    kind: 'clara-project',
    observation: { expiries: s.expiresAt ? [{ source: 'project', expiresAt: s.expiresAt }] : [], findings: [], certificates: [], ...(s.error ? { error: { code: 'file_missing', message: s.error } } : {}) },
    probe: s.probe ? probe(s.probe === 'ok') : null,
    previousProbeFailures: s.probe === 'failing' ? 1 : 0,
    warningDays: 30,
    criticalDays: 7,
    renewalLeadDays: s.renewalLeadDays ?? 14,
    failuresBeforeAlert: 2,
    now: s.now ?? T0,
  });
}

const P_EXP = days(20); // 2026-12-12T10:00Z: the predecessor is at warning
const pair = (switchedAt: Date | null = null): RotationPair => ({ predecessor: 'old', successor: 'new', switchedAt });
const run = (pred: Spec | null, succ: Spec | null, switchedAt: Date | null = null, now = T0) => {
  const list = [pred && result({ now, ...pred }), succ && result({ now, ...succ })].filter((r): r is CredentialResult => r !== null);
  const out = applyRotation(list, [pair(switchedAt)], new Map(), now);
  return { old: out.find((r) => r.id === 'old')!, new: out.find((r) => r.id === 'new')!, input: list };
};
const OLD: Spec = { id: 'old', expiresAt: P_EXP, probe: 'ok' };
const NEW: Spec = { id: 'new', expiresAt: days(380), probe: 'ok' };

test('pairState truth table: blocked, ready, switched, retired', () => {
  const ok = result({ ...NEW });
  const p = result({ ...OLD });
  const rows: [string, Parameters<typeof pairState>, string, string | null][] = [
    ['healthy successor, no switchedAt', [p, ok, pair(), T0], 'ready', null],
    ['switchedAt in the future', [p, ok, pair(days(1)), T0], 'ready', null],
    ['switchedAt now', [p, ok, pair(T0), T0], 'switched', null],
    ['warning successor is still healthy', [p, result({ ...NEW, expiresAt: days(25) }), pair(), T0], 'ready', null],
    ['no probe: healthy on status', [p, result({ id: 'new', expiresAt: days(380) }), pair(), T0], 'ready', null],
    ['latest probe failed once', [p, result({ ...NEW, probe: 'failed' }), pair(), T0], 'blocked', 'its latest probe failed: token_rejected: token endpoint answered 401'],
    ['successor failing', [p, result({ ...NEW, probe: 'failing' }), pair(), T0], 'blocked', 'it is failing: probe failing for 2 consecutive checks: token_rejected: token endpoint answered 401'],
    ['successor error', [p, result({ id: 'new', error: 'certificate /x/new.crt does not exist' }), pair(), T0], 'blocked', 'it is error: could not inspect: certificate /x/new.crt does not exist'],
    ['successor critical', [p, result({ ...NEW, expiresAt: days(5) }), pair(), T0], 'blocked', 'it is critical: project expires in 5 days (2026-11-27)'],
    ['successor expires first', [p, result({ ...NEW, expiresAt: days(15) }), pair(), T0], 'blocked', 'it expires 2026-12-07, no later than old (2026-12-12)'],
    ['successor expires at the same instant', [p, result({ ...NEW, expiresAt: P_EXP }), pair(), T0], 'blocked', 'it expires 2026-12-12, no later than old (2026-12-12)'],
    ['successor never checked', [p, undefined, pair(), T0], 'blocked', 'it has not been checked yet'],
    ['switched, successor sick, predecessor still valid', [p, result({ ...NEW, probe: 'failing' }), pair(days(-1)), T0], 'blocked', 'it is failing: probe failing for 2 consecutive checks: token_rejected: token endpoint answered 401'],
    ['switched, predecessor at its exact expiry instant', [p, result({ ...NEW, now: P_EXP }), pair(days(-1)), P_EXP], 'retired', null],
    ['switched, predecessor past expiry, successor sick', [p, result({ ...NEW, probe: 'failing', now: days(21) }), pair(days(-1)), days(21)], 'retired', null],
    ['predecessor past expiry, never switched', [p, result({ ...NEW, now: days(21) }), pair(), days(21)], 'ready', null],
  ];
  for (const [name, args, state, cause] of rows) {
    const o = pairState(...args);
    assert.equal(o.state, state, name);
    assert.equal(o.cause, cause, name);
  }
  // Overlap: the predecessor's daysLeft while both are valid.
  assert.equal(pairState(p, ok, pair(), T0).overlapDaysLeft, 20);
  assert.equal(pairState(p, ok, pair(), days(19.5)).overlapDaysLeft, 0);
  assert.equal(pairState(p, ok, pair(), P_EXP).overlapDaysLeft, null);
});

test('ready: both carry rotation; the predecessor alerts as usual and names the ready successor', () => {
  const r = run(OLD, NEW);
  assert.deepEqual(r.old.rotation, { role: 'predecessor', peer: 'new', state: 'ready', overlapDaysLeft: 20, switchedAt: null });
  assert.deepEqual(r.new.rotation, { role: 'successor', peer: 'old', state: 'ready', overlapDaysLeft: 20, switchedAt: null });
  assert.equal(r.old.status, 'warning');
  assert.deepEqual(r.old.reasons, ['project expires in 20 days (2026-12-12)', 'successor new ready: switch the integration, then set switchedAt']);
  assert.deepEqual(r.old.levels, { expiry: 'warning', probe: 'ok' });
  assert.equal(r.new.status, 'ok');
  assert.deepEqual(r.new.reasons, ['project expires in 380 days (2027-12-07)']);
  // Pure: the inputs are untouched.
  assert.equal(r.input[0]!.rotation, undefined);
  assert.equal(r.input[0]!.reasons.length, 1);
});

test('switched: the predecessor is ok, superseded, every level ok; retired after its expiry', () => {
  const sw = run({ ...OLD, probe: 'failing' }, NEW, new Date('2026-11-20T00:00:00Z'));
  assert.equal(sw.old.status, 'ok');
  assert.equal(sw.old.reasons[0], 'superseded by new (switched 2026-11-20), retires 2026-12-12');
  assert.deepEqual(sw.old.levels, { expiry: 'ok', probe: 'ok' });
  assert.deepEqual(sw.old.rotation, { role: 'predecessor', peer: 'new', state: 'switched', overlapDaysLeft: 20, switchedAt: '2026-11-20T00:00:00.000Z' });
  assert.equal(sw.new.rotation?.state, 'switched');

  const ret = run(OLD, NEW, new Date('2026-11-20T00:00:00Z'), P_EXP);
  assert.equal(ret.old.status, 'ok');
  assert.deepEqual(ret.old.reasons, ['retired: replaced by new', 'project expired less than a day ago (2026-12-12)']);
  assert.deepEqual(ret.old.levels, { expiry: 'ok', probe: 'ok' });
  assert.deepEqual(ret.old.rotation, { role: 'predecessor', peer: 'new', state: 'retired', overlapDaysLeft: null, switchedAt: '2026-11-20T00:00:00.000Z' });
});

test('blocked: the successor is at least warning with its own reason; the predecessor goes on as usual', () => {
  const once = run(OLD, { ...NEW, probe: 'failed' });
  assert.equal(once.new.status, 'warning');
  assert.equal(once.new.reasons[0], 'rotation of old blocked: its latest probe failed: token_rejected: token endpoint answered 401');
  assert.deepEqual(once.new.levels, { expiry: 'warning', probe: 'ok' });
  assert.equal(once.new.expiryLead, once.new.reasons[0]);
  assert.equal(once.old.status, 'warning');
  assert.deepEqual(once.old.reasons, ['project expires in 20 days (2026-12-12)']);
  assert.equal(once.old.rotation?.state, 'blocked');

  // Failing sets the status: the probe reason stays first, the rotation reason still heads the expiry alert.
  const failing = run(OLD, { ...NEW, probe: 'failing' });
  assert.equal(failing.new.status, 'failing');
  assert.ok(failing.new.reasons.includes('probe failing for 2 consecutive checks: token_rejected: token endpoint answered 401'));
  assert.equal(failing.new.reasons.at(-1), 'rotation of old blocked: it is failing: probe failing for 2 consecutive checks: token_rejected: token endpoint answered 401');
  assert.deepEqual(failing.new.levels, { expiry: 'warning', probe: 'failing' });

  const first = run(OLD, { ...NEW, expiresAt: days(15) });
  assert.equal(first.new.status, 'warning');
  assert.equal(first.new.reasons.at(-1), 'rotation of old blocked: it expires 2026-12-07, no later than old (2026-12-12)');
  assert.equal(first.new.expiryLead, undefined, 'already warning by its own expiry');

  // After the switch a sick successor is the credential in use: it alerts as any credential.
  const after = run(OLD, { ...NEW, probe: 'failed' }, days(-1));
  assert.equal(after.new.status, 'ok');
  assert.ok(!after.new.reasons.some((x) => x.startsWith('rotation of')));
  assert.equal(after.old.status, 'warning');
  assert.equal(after.old.rotation?.state, 'blocked');
});

test('renewal overdue: at least warning from renewBy on, unless a successor replaces it', () => {
  // renewBy = expiry − 60 d = 2026-11-12: ten days overdue, still 50 days left (ok by thresholds).
  const lone = run({ id: 'old', expiresAt: days(50), renewalLeadDays: 60 }, null);
  const alone = applyRotation([result({ id: 'old', expiresAt: days(50), renewalLeadDays: 60 })], [], new Map(), T0)[0]!;
  assert.equal(alone.status, 'warning');
  assert.deepEqual(alone.reasons, ['renewal overdue since 2026-11-12: no successor configured', 'project expires in 50 days (2027-01-11)']);
  assert.deepEqual(alone.levels, { expiry: 'warning', probe: 'ok' });
  assert.equal(alone.expiryLead, alone.reasons[0]);
  assert.equal(alone.rotation, null);
  // With a successor (even one not checked yet) it is not overdue.
  assert.equal(lone.old.status, 'ok');
  assert.ok(!lone.old.reasons.some((x) => x.startsWith('renewal overdue')));

  // Exactly at renewBy it is overdue; a second before, not.
  const renewBy = days(36); // expiry days(50) − 14 d
  const atRenew = applyRotation([result({ id: 'x', expiresAt: days(50), now: renewBy })], [], new Map(), renewBy)[0]!;
  assert.equal(atRenew.reasons.at(-1), 'renewal overdue since 2026-12-28: no successor configured');
  const before = new Date(renewBy.getTime() - 1000);
  assert.equal(applyRotation([result({ id: 'x', expiresAt: days(50), now: before })], [], new Map(), before)[0]!.reasons.length, 1);

  // Already worse: the reason is added after the one that sets the status.
  const crit = applyRotation([result({ id: 'x', expiresAt: days(3) })], [], new Map(), T0)[0]!;
  assert.equal(crit.status, 'critical');
  assert.deepEqual(crit.reasons, ['project expires in 3 days (2026-11-25)', 'renewal overdue since 2026-11-11: no successor configured']);
  assert.equal(crit.expiryLead, undefined);
});

test('--only one side: the peer\'s recorded result stands in; unrelated credentials get rotation null', () => {
  const recordedNew = result({ ...NEW, probe: 'failed' });
  const [old, other] = applyRotation([result(OLD), result({ id: 'other', expiresAt: days(200) })], [pair()], new Map([['new', recordedNew]]), T0);
  assert.equal(old!.rotation?.state, 'blocked');
  assert.equal(other!.rotation, null);
  const [justNew] = applyRotation([result(NEW)], [pair(days(-1))], new Map([['old', result(OLD)]]), T0);
  assert.deepEqual(justNew!.rotation, { role: 'successor', peer: 'old', state: 'switched', overlapDaysLeft: 20, switchedAt: '2026-11-21T10:00:00.000Z' });
});

test('events carry the rotation; summaries say rotated / ready / blocked; notifiers render it', () => {
  const cfg = { defaults: { notify: [], owner: 'ops' } };
  const draft = { key: 'old:expiry:1:resolved', event: 'resolved' as const, severity: 'warning' as const, previous: 'warning' as const, renewed: null, deescalated: false, mark: null };
  const sw = run(OLD, NEW, new Date('2026-11-20T00:00:00Z'));
  const resolved = buildEvent({ draft, condition: 'expiry', result: sw.old, credential: undefined, config: cfg, now: T0 });
  assert.equal(resolved.summary, 'old: resolved, rotated to new');
  assert.deepEqual(resolved.reasons, ['rotated to new', 'superseded by new (switched 2026-11-20), retires 2026-12-12', 'project expires in 20 days (2026-12-12)']);
  assert.deepEqual(resolved.rotation, sw.old.rotation);
  assert.deepEqual(Object.keys(resolved), ['id', 'event', 'severity', 'credential', 'expiresAt', 'daysLeft', 'renewBy', 'summary', 'reasons', 'occurredAt', 'rotation']);

  const firing = { ...draft, key: 'old:expiry:1:firing-warning', event: 'firing' as const, previous: 'ok' as const };
  const ready = run(OLD, NEW);
  assert.equal(buildEvent({ draft: firing, condition: 'expiry', result: ready.old, credential: undefined, config: cfg, now: T0 }).summary, 'old: warning, expires in 20 days (2026-12-12); successor new is ready');
  const blocked = run(OLD, { ...NEW, probe: 'failed' });
  const ev = buildEvent({ draft: { ...firing, key: 'new:expiry:1:firing-warning' }, condition: 'expiry', result: blocked.new, credential: undefined, config: cfg, now: T0 });
  assert.equal(ev.summary, 'new: warning, rotation of old blocked: its latest probe failed: token_rejected: token endpoint answered 401');
  assert.deepEqual(ev.reasons, ['rotation of old blocked: its latest probe failed: token_rejected: token endpoint answered 401', 'project expires in 380 days (2027-12-07)']);
  // Credentials outside a rotation: the event keeps exactly its old keys.
  const plain = applyRotation([result({ id: 'x', expiresAt: days(20) })], [], new Map(), T0)[0]!;
  assert.equal('rotation' in buildEvent({ draft: firing, condition: 'expiry', result: plain, credential: undefined, config: cfg, now: T0 }), false);

  const rot = { role: 'predecessor' as const, peer: 'clara-new', state: 'ready' as const, overlapDaysLeft: 12, switchedAt: null };
  assert.equal(rotationLine('clara-old', rot), 'clara-old → clara-new: ready, 12 days of overlap left');
  assert.equal(rotationLine('clara-new', { ...rot, role: 'successor', peer: 'clara-old', state: 'switched', switchedAt: '2026-11-20T00:00:00.000Z' }), 'clara-old → clara-new: switched, switched 2026-11-20, 12 days of overlap left');
  const e = sampleEvent({ credential: { id: 'clara-old', kind: 'clara-project', owner: null, runbook: null }, rotation: rot });
  const [alert] = renderAlertmanager(e, { now: T0, alert: { condition: 'expiry', level: 'critical' } });
  assert.equal(alert!.annotations!.rotation, 'clara-old → clara-new: ready, 12 days of overlap left');
  assert.equal(alert!.labels.rotation, undefined, 'a label would change the alert identity');
  assert.deepEqual(facts(e).at(-1), ['Rotation', 'clara-old → clara-new: ready, 12 days of overlap left']);
  assert.equal(facts(sampleEvent()).some(([k]) => k === 'Rotation'), false);
  const fields = (renderSlack(e).blocks![2] as { fields: { text: string }[] }).fields;
  assert.equal(fields.at(-1)!.text, '*Rotation*\nclara-old → clara-new: ready, 12 days of overlap left');
});

/** The errors of a config holding just these credentials. */
const rotationProblems = (credentials: string) => configProblems(`credentials:\n${credentials}`);

const cred = (id: string, extra = '') => `  - { id: ${id}, kind: static, expiresAt: 2027-03-01${extra} }\n`;

test('config: replaces and switchedAt are checked with their paths', () => {
  assert.deepEqual(rotationProblems(cred('a') + cred('b', ', replaces: a, switchedAt: 2026-12-01')), []);
  const t = tempDir();
  try {
    const { config } = loadConfig(t.write('c.yaml', `credentials:\n${cred('a')}${cred('b', ', replaces: a, switchedAt: "2026-12-01T12:30:00Z"')}`), {});
    assert.equal(config.credentials[1]!.replaces, 'a');
    assert.deepEqual(config.credentials[1]!.switchedAt, new Date('2026-12-01T12:30:00Z'));
  } finally {
    t.cleanup();
  }
  assert.deepEqual(rotationProblems(cred('a') + cred('b', ', replaces: nope')), ['credentials[1].replaces: no credential with id "nope"']);
  assert.deepEqual(rotationProblems(cred('a', ', replaces: a')), ['credentials[0].replaces: "a" cannot replace itself']);
  assert.deepEqual(rotationProblems(cred('a') + cred('b', ', replaces: a') + cred('c', ', replaces: a')), [
    'credentials[2].replaces: "a" already has a successor, "b" (credentials[1]); one successor per predecessor',
  ]);
  assert.deepEqual(rotationProblems(cred('a', ', replaces: b') + cred('b', ', replaces: a')), ['credentials[0].replaces: rotation loop: a replaces b, b replaces a']);
  assert.deepEqual(rotationProblems(cred('x') + cred('b', ', replaces: c') + cred('c', ', replaces: d') + cred('d', ', replaces: b')), [
    'credentials[1].replaces: rotation loop: b replaces c, c replaces d, d replaces b',
  ]);
  assert.deepEqual(rotationProblems(cred('a', ', switchedAt: 2026-12-01')), ['credentials[0].switchedAt: is only for a successor: set replaces to the id of the credential it succeeds']);
  assert.deepEqual(rotationProblems(cred('a') + cred('b', ', replaces: a, switchedAt: 2026-13-01')), [
    'credentials[1].switchedAt: must be a date (YYYY-MM-DD) or an ISO 8601 instant, got "2026-13-01"',
  ]);
  // Paths count every item in the file, even one that failed its own schema.
  assert.deepEqual(rotationProblems(`  - { id: bad, kind: static }\n${cred('a')}${cred('b', ', replaces: zz')}`), [
    'credentials[0].expiresAt: is required',
    'credentials[2].replaces: no credential with id "zz"',
  ]);
});

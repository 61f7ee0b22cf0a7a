import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daysLeft, evaluate, expiryLevel, headlineFirst, type EvaluateInput } from '../src/evaluate.js';
import { emptyObservation, type Observation, type ProbeResult } from '../src/types.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const EXPIRY = new Date('2027-01-05T00:00:00.000Z');
const at = (msBeforeExpiry: number) => new Date(EXPIRY.getTime() - msBeforeExpiry);

function input(over: Partial<EvaluateInput> & { observation?: Observation } = {}): EvaluateInput {
  return {
    id: 'c1',
    kind: 'static',
    observation: { ...emptyObservation(), expiries: [{ source: 'secret', expiresAt: EXPIRY }] },
    probe: null,
    previousProbeFailures: 0,
    warningDays: 30,
    criticalDays: 7,
    renewalLeadDays: 14,
    failuresBeforeAlert: 2,
    now: at(100 * DAY),
    ...over,
  };
}

test('daysLeft rounds down and goes negative once expired', () => {
  const rows: [number, number][] = [
    [1000, 0], // 1 s before expiry
    [-1000, -1], // 1 s after
    [DAY, 1],
    [DAY - 1, 0],
    [30 * DAY + HOUR, 30],
    [0, 0],
  ];
  for (const [before, expected] of rows) assert.equal(daysLeft(EXPIRY, at(before)), expected, `${before} ms before expiry`);
});

test('expiry level truth table at the default 30/7 thresholds', () => {
  const rows: [string, number, string][] = [
    ['31 days left', 31 * DAY, 'ok'],
    ['30 days and 1 hour left', 30 * DAY + HOUR, 'warning'],
    ['exactly 30 days left', 30 * DAY, 'warning'],
    ['30 days + 23:59:59 left', 31 * DAY - 1000, 'warning'],
    ['8 days left', 8 * DAY, 'warning'],
    ['7 days and 23 hours left', 8 * DAY - HOUR, 'critical'],
    ['exactly 7 days left', 7 * DAY, 'critical'],
    ['1 second left', 1000, 'critical'],
    ['at the instant of expiry', 0, 'expired'],
    ['expired by one second', -1000, 'expired'],
    ['expired 400 days ago', -400 * DAY, 'expired'],
  ];
  for (const [name, before, level] of rows) {
    assert.equal(expiryLevel(EXPIRY, at(before), 30, 7), level, name);
    assert.equal(evaluate(input({ now: at(before) })).status, level, name);
  }
});

test('per-credential thresholds change the boundaries', () => {
  assert.equal(evaluate(input({ now: at(45 * DAY), warningDays: 60, criticalDays: 14 })).status, 'warning');
  assert.equal(evaluate(input({ now: at(14 * DAY), warningDays: 60, criticalDays: 14 })).status, 'critical');
  assert.equal(evaluate(input({ now: at(45 * DAY) })).status, 'ok');
});

test('the earliest of several expiries counts; renewBy is it minus renewalLeadDays', () => {
  const obs: Observation = {
    ...emptyObservation(),
    expiries: [
      { source: 'certificate', expiresAt: new Date('2027-01-09T12:00:00.000Z') },
      { source: 'project', expiresAt: EXPIRY },
    ],
  };
  const r = evaluate(input({ observation: obs, now: new Date('2026-11-22T10:00:00.000Z'), renewalLeadDays: 21, warningDays: 60 }));
  assert.equal(r.status, 'warning');
  assert.equal(r.expiresAt, '2027-01-05T00:00:00.000Z');
  assert.equal(r.daysLeft, 43);
  assert.equal(r.renewBy, '2026-12-15T00:00:00.000Z');
  assert.deepEqual(r.expiries, [
    { source: 'project', expiresAt: '2027-01-05T00:00:00.000Z', daysLeft: 43 },
    { source: 'certificate', expiresAt: '2027-01-09T12:00:00.000Z', daysLeft: 48 },
  ]);
  assert.deepEqual(r.reasons, ['project expires in 43 days (2027-01-05)', 'certificate expires in 48 days (2027-01-09)']);
});

test('reasons read as sentences, including after expiry', () => {
  assert.deepEqual(evaluate(input({ now: at(0) })).reasons, ['secret expired less than a day ago (2027-01-05)'], 'at the instant of expiry');
  // One rounding for the phrase and daysLeft (the table's DAYS column): −1 is "1 day ago", −4 "4 days ago".
  assert.deepEqual(evaluate(input({ now: at(-1000) })).reasons, ['secret expired 1 day ago (2027-01-05)']);
  const four = evaluate(input({ now: at(-3 * DAY - 1000) }));
  assert.equal(four.daysLeft, -4);
  assert.deepEqual(four.reasons, ['secret expired 4 days ago (2027-01-05)']);
  const five = evaluate(input({ now: at(-5 * DAY) }));
  assert.equal(five.daysLeft, -5);
  assert.deepEqual(five.reasons, ['secret expired 5 days ago (2027-01-05)']);
  assert.deepEqual(evaluate(input({ now: at(HOUR) })).reasons, ['secret expires within 24 hours (2027-01-05T00:00:00.000Z)']);
  assert.deepEqual(evaluate(input({ now: at(1 * DAY) })).reasons, ['secret expires in 1 day (2027-01-05)']);
});

test('findings: key mismatch is critical, loose permissions at least warning, not-yet-valid critical', () => {
  const far = at(200 * DAY);
  const mismatch = evaluate(input({ now: far, observation: { ...emptyObservation(), expiries: [{ source: 'certificate', expiresAt: EXPIRY }], findings: [{ level: 'critical', reason: 'private key k does not match the certificate' }] } }));
  assert.equal(mismatch.status, 'critical');
  assert.ok(mismatch.reasons.includes('private key k does not match the certificate'));
  const loose = evaluate(input({ now: far, observation: { ...emptyObservation(), expiries: [{ source: 'certificate', expiresAt: EXPIRY }], findings: [{ level: 'warning', reason: 'loose' }] } }));
  assert.equal(loose.status, 'warning');
  const looseAndExpiring = evaluate(input({ now: at(3 * DAY), observation: { ...emptyObservation(), expiries: [{ source: 'certificate', expiresAt: EXPIRY }], findings: [{ level: 'warning', reason: 'loose' }] } }));
  assert.equal(looseAndExpiring.status, 'critical', 'a finding never lowers the level');
  const cert = { source: 'certificate', subject: 'CN=x', issuer: 'CN=ca', serial: '01', fingerprint256: 'AA', notBefore: new Date(far.getTime() + DAY).toISOString(), notAfter: EXPIRY.toISOString() };
  const early = evaluate(input({ now: far, observation: { ...emptyObservation(), expiries: [{ source: 'certificate', expiresAt: EXPIRY }], certificates: [cert] } }));
  assert.equal(early.status, 'critical');
  assert.match(early.reasons.join('\n'), /certificate is not valid until/);
  // --at after notBefore: the same certificate is fine.
  assert.equal(evaluate(input({ now: new Date(far.getTime() + 2 * DAY), observation: { ...emptyObservation(), expiries: [{ source: 'certificate', expiresAt: EXPIRY }], certificates: [cert] } })).status, 'ok');
});

test('an inspection error is status error, keeps what was learned, and puts the cause first', () => {
  const r = evaluate(input({ observation: { ...emptyObservation(), expiries: [{ source: 'project', expiresAt: EXPIRY }], error: { code: 'file_missing', message: 'certificate /x.pem does not exist' } } }));
  assert.equal(r.status, 'error');
  assert.equal(r.reasons[0], 'could not inspect: certificate /x.pem does not exist');
  assert.equal(r.expiresAt, EXPIRY.toISOString());
  assert.equal(r.levels.expiry, 'critical');
});

test('a credential with nothing to date has null dates', () => {
  const r = evaluate(input({ observation: emptyObservation() }));
  assert.deepEqual([r.status, r.expiresAt, r.daysLeft, r.renewBy, r.expiries], ['ok', null, null, null, []]);
});

const failed: ProbeResult = { ok: false, stage: 'token', httpStatus: 401, latencyMs: 12, tokenExpiresAt: null, error: { code: 'token_rejected', message: 'the token endpoint refused the client secret' } };
const passed: ProbeResult = { ok: true, stage: 'call', httpStatus: 200, latencyMs: 9, tokenExpiresAt: '2026-11-23T10:00:00.000Z', error: null };

test('probe: one blip is recorded but does not change the status; failuresBeforeAlert in a row is failing', () => {
  const rows: [string, ProbeResult | null, number, string, number, string][] = [
    // name, probe, previous failures, status, failures after, probe level
    ['first failure', failed, 0, 'ok', 1, 'ok'],
    ['second failure in a row', failed, 1, 'failing', 2, 'failing'],
    ['tenth failure', failed, 9, 'failing', 10, 'failing'],
    ['success after failures', passed, 5, 'ok', 0, 'ok'],
    ['no probe this run keeps the count', null, 3, 'ok', 3, 'failing'],
  ];
  for (const [name, probe, prev, status, after, level] of rows) {
    const r = evaluate(input({ probe, previousProbeFailures: prev }));
    assert.equal(r.status, status, name);
    assert.equal(r.probeFailures, after, name);
    assert.equal(r.levels.probe, level, name);
  }
  assert.deepEqual(evaluate(input({ probe: failed })).reasons.at(-1), 'probe failed (1 of 2 before alert): token_rejected: the token endpoint refused the client secret');
  // Failing sets the status, so it is the headline.
  assert.deepEqual(evaluate(input({ probe: failed, previousProbeFailures: 1 })).reasons[0], 'probe failing for 2 consecutive checks: token_rejected: the token endpoint refused the client secret');
});

test('status ranking: the worst wins (failing outranks expired, error outranks everything)', () => {
  assert.equal(evaluate(input({ now: at(-DAY), probe: failed, previousProbeFailures: 1 })).status, 'failing');
  assert.equal(evaluate(input({ probe: failed, previousProbeFailures: 1, observation: { ...emptyObservation(), error: { code: 'bad_json', message: 'x' } } })).status, 'error');
});

test('headline: reasons[0] is the reason behind the final status, whatever was found first', () => {
  const far = at(200 * DAY); // the expiry itself is fine: 200 days left
  const cert = { source: 'certificate', subject: 'CN=x', issuer: 'CN=ca', serial: '01', fingerprint256: 'AA', notBefore: new Date(far.getTime() + DAY).toISOString(), notAfter: EXPIRY.toISOString() };
  const expiries = [{ source: 'certificate', expiresAt: EXPIRY }];
  const rows: [string, EvaluateInput, string, string][] = [
    ['key mismatch', input({ now: far, observation: { ...emptyObservation(), expiries, findings: [{ level: 'critical', reason: 'private key k does not match the certificate' }] } }), 'critical', 'private key k does not match the certificate'],
    ['not yet valid', input({ now: far, observation: { ...emptyObservation(), expiries, certificates: [cert] } }), 'critical', `certificate is not valid until ${cert.notBefore}`],
    ['chain does not verify', input({ now: far, observation: { ...emptyObservation(), expiries, findings: [{ level: 'critical', reason: 'the chain served by h:443 does not verify' }] } }), 'critical', 'the chain served by h:443 does not verify'],
    ['failing probe', input({ now: far, probe: failed, previousProbeFailures: 3 }), 'failing', 'probe failing for 4 consecutive checks: token_rejected: the token endpoint refused the client secret'],
    ['loose key, expiry critical: the expiry leads', input({ now: at(3 * DAY), observation: { ...emptyObservation(), expiries, findings: [{ level: 'warning', reason: 'loose' }] } }), 'critical', 'certificate expires in 3 days (2027-01-05)'],
    ['expired beats a key mismatch', input({ now: at(-DAY), observation: { ...emptyObservation(), expiries, findings: [{ level: 'critical', reason: 'mismatch' }] } }), 'expired', 'certificate expired 1 day ago (2027-01-05)'],
    ['nothing wrong: the earliest expiry explains the date', input({ now: far }), 'ok', 'secret expires in 200 days (2027-01-05)'],
    ['one probe blip does not lead', input({ now: at(3 * DAY), probe: failed }), 'critical', 'secret expires in 3 days (2027-01-05)'],
  ];
  for (const [name, inp, status, head] of rows) {
    const r = evaluate(inp);
    assert.equal(r.status, status, name);
    assert.equal(r.reasons[0], head, name);
  }
});

test('headlineFirst: worst status first, found order among equals (the hook later reasons plug into)', () => {
  assert.deepEqual(
    headlineFirst([
      { status: 'ok', text: 'a' },
      { status: 'warning', text: 'b' },
      { status: 'critical', text: 'c' },
      { status: 'warning', text: 'd' },
      { status: 'error', text: 'e' },
    ]),
    ['e', 'c', 'b', 'd', 'a'],
  );
});

test('a certificate of a bundle is named by position and CN in reasons; its source stays machine-readable', () => {
  const obs: Observation = {
    ...emptyObservation(),
    expiries: [
      { source: 'certificate', expiresAt: new Date('2028-01-01T00:00:00Z'), label: 'certificate 1 of 3 (CN=leaf)' },
      { source: 'certificate.chain[1]', expiresAt: new Date('2026-12-30T00:00:00Z'), label: 'certificate 2 of 3 (CN=Middle CA)' },
    ],
  };
  const r = evaluate(input({ observation: obs, now: new Date('2027-01-02T00:00:00Z') }));
  assert.equal(r.status, 'expired');
  assert.equal(r.reasons[0], 'certificate 2 of 3 (CN=Middle CA) expired 3 days ago (2026-12-30)');
  assert.deepEqual(r.expiries.map((e) => e.source), ['certificate.chain[1]', 'certificate']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { loadConfig } from '../src/config/load.js';
import { ConfigError, formatProblem } from '../src/config/schema.js';
import { Secret } from '../src/secret.js';
import { tempDir } from './helpers/cli.js';
import { configProblems } from './helpers/config-problems.js';

const problems = configProblems;

const CLARA = (extra: string) => `
credentials:
  - id: clara-erp-prod
    kind: clara-project
    country: mx
    project: "ERP Integration - Prod"
    createdAt: 2026-01-10
    certificate: ./clara/client.crt
    privateKey: ./clara/client.key
    credentialsFile: ./clara/credentials.json
${extra}`;

test('defaults, relative paths against the config folder, and dates as 00:00 UTC', () => {
  const t = tempDir();
  try {
    const file = t.write('conf/credwatch.yaml', CLARA('    validityDays: 360\n'));
    const { config } = loadConfig(file, {});
    assert.equal(config.database, t.path('conf', 'data', 'credwatch.db'));
    assert.deepEqual(config.thresholds, { warningDays: 30, criticalDays: 7, remindDays: [60, 30, 14, 7, 3, 1], repeatHours: 24 });
    assert.deepEqual(config.probe, { timeoutMs: 10000, concurrency: 8, failuresBeforeAlert: 2 });
    assert.equal(config.schedule.check, '*/15 * * * *');
    assert.equal(config.server.listen, '127.0.0.1:9477');
    assert.equal(config.retentionDays, 400);
    const c = config.credentials[0]!;
    assert.equal(c.certificate, t.path('conf', 'clara', 'client.crt'));
    assert.equal(c.credentialsFile, t.path('conf', 'clara', 'credentials.json'));
    assert.equal((c.createdAt as Date).toISOString(), '2026-01-10T00:00:00.000Z');
    assert.equal(c.renewalLeadDays, 14);
  } finally {
    t.cleanup();
  }
});

test('${NAME} is expanded after parsing and secrets become Secret values that never print', () => {
  const t = tempDir();
  try {
    const file = t.write('credwatch.yaml', CLARA('    validityDays: 30\n').replace('credentialsFile: ./clara/credentials.json', 'clientId: "${CID}"\n    clientSecret: "pre-${CSECRET}"'));
    const { config } = loadConfig(file, { CID: 'id-1', CSECRET: 'canary-s3cr3t' });
    const c = config.credentials[0]!;
    assert.ok(c.clientSecret instanceof Secret);
    assert.equal((c.clientSecret as Secret).reveal(), 'pre-canary-s3cr3t');
    assert.ok(!JSON.stringify(config).includes('canary-s3cr3t'));
    assert.ok(!String(c.clientSecret).includes('canary'));
  } finally {
    t.cleanup();
  }
});

test('xFile reads a secret from a file (one trailing newline dropped), relative to the config', () => {
  const t = tempDir();
  try {
    t.write('secrets/hook', 'hook-canary\n');
    const file = t.write('credwatch.yaml', CLARA('    validityDays: 30\n').replace('credentialsFile: ./clara/credentials.json', 'clientId: abc\n    clientSecretFile: ./secrets/hook'));
    const { config } = loadConfig(file, {});
    assert.equal((config.credentials[0]!.clientSecret as Secret).reveal(), 'hook-canary');
  } finally {
    t.cleanup();
  }
});

test('JSON configs are accepted', () => {
  const t = tempDir();
  try {
    const file = t.write('credwatch.json', JSON.stringify({ credentials: [{ id: 'k', kind: 'static', expiresAt: '2027-03-01' }] }));
    assert.equal(loadConfig(file, {}).config.credentials.length, 1);
  } finally {
    t.cleanup();
  }
});

test('every bad input is reported with its path, all at once', () => {
  const yaml = `
thresholds: { warningDays: 30, criticalDays: 7, bogus: 1 }
credentials:
  - { id: a, kind: static, expiresAt: 2027-03-01 }
  - { id: a, kind: static, expiresAt: 2027-03-02 }
  - { id: b, kind: nope }
  - id: c
    kind: clara-project
    country: mx
    project: p
    createdAt: 2026-01-10
    validityDays: 361
    certificate: c.crt
    privateKey: c.key
    credentialsFile: c.json
  - { id: d, kind: static, expiresAt: "\${MISSING_VAR}" }
  - { id: e, kind: static, expiresAt: 2027-13-45 }
  - { id: F, kind: x509, path: ./x.pem, colour: red }
`;
  const got = problems(yaml);
  assert.equal(got.length, 8, got.join('\n'));
  assert.deepEqual(got.filter((p) => !p.startsWith('credentials[2].kind')), [
    'credentials[4].expiresAt: environment variable MISSING_VAR is not set',
    'thresholds.bogus: unknown key',
    'credentials[3].validityDays: must be at most 360',
    'credentials[5].expiresAt: must be a date (YYYY-MM-DD) or an ISO 8601 instant, got "2027-13-45"',
    'credentials[6].id: must match [a-z0-9][a-z0-9._-]* (lower case, digits, . _ -)',
    'credentials[6].colour: unknown key',
    'credentials[1].id: duplicate id "a" (also credentials[0])',
  ]);
  assert.match(got.find((p) => p.startsWith('credentials[2].kind'))!, /^credentials\[2\]\.kind: unknown kind "nope" \(known: x509, clara-project, static/);
});

test('clara-project: the 360-day rule and its date arithmetic', () => {
  assert.deepEqual(problems(CLARA('    validityDays: 360\n')), []);
  assert.deepEqual(problems(CLARA('    validityDays: 0\n')), ['credentials[0].validityDays: must be at least 1']);
  assert.deepEqual(problems(CLARA('    expiresAt: 2027-01-05\n')), [], 'exactly 360 days after createdAt is allowed');
  assert.deepEqual(problems(CLARA('    expiresAt: 2027-01-05T00:00:01Z\n')), ['credentials[0].expiresAt: must be at most 360 days after createdAt (2027-01-05 at the latest)']);
  assert.deepEqual(problems(CLARA('    expiresAt: 2026-01-09\n')), ['credentials[0].expiresAt: must be after createdAt (2026-01-10)']);
  assert.deepEqual(problems(CLARA('')), ['credentials[0].validityDays: set validityDays (1..360) or expiresAt']);
  assert.deepEqual(problems(CLARA('    validityDays: 30\n    expiresAt: 2026-02-01\n')), ['credentials[0].expiresAt: set either validityDays or expiresAt, not both']);
  assert.deepEqual(problems(CLARA('    validityDays: 30\n    country: ar\n').replace('    country: mx\n', '')), ['credentials[0].country: must be one of "mx", "br", "co"']);
});

test('an unreadable or empty xFile is a config problem naming the path', () => {
  const t = tempDir();
  try {
    const missing = problems(CLARA('    validityDays: 30\n').replace('credentialsFile: ./clara/credentials.json', 'clientId: abc\n    clientSecretFile: /nonexistent/secret'));
    assert.deepEqual(missing, ['credentials[0].clientSecretFile: /nonexistent/secret does not exist']);
    const empty = t.write('empty-secret', '\n');
    assert.deepEqual(
      problems(CLARA('    validityDays: 30\n').replace('credentialsFile: ./clara/credentials.json', `clientId: abc\n    clientSecretFile: ${empty}`)),
      [`credentials[0].clientSecretFile: ${empty} is empty`],
    );
    if (process.getuid?.() !== 0) {
      const locked = t.write('locked', 'x');
      chmodSync(locked, 0o000);
      assert.match(problems(CLARA('    validityDays: 30\n').replace('credentialsFile: ./clara/credentials.json', `clientId: abc\n    clientSecretFile: ${locked}`))[0]!, /permission denied/);
    }
  } finally {
    t.cleanup();
  }
});

test('malformed YAML reports line and column', () => {
  const got = problems('credentials:\n  - { id: a, kind: static, expiresAt: 2027-01-01\n  - { id: b }\n');
  assert.equal(got.length, 1);
  assert.match(got[0]!, /credwatch\.yaml: line 3, column 3: invalid YAML: missed comma between flow collection entries$/);
  assert.match(problems('a: 1\na: 2\n')[0]!, /line 2, column 1: invalid YAML: duplicated mapping key$/);
});

test('malformed JSON reports line and column', () => {
  const got = problems('{\n  "credentials": [,]\n}\n', {}, 'credwatch.json');
  assert.match(got[0]!, /credwatch\.json: line 2, column 19: invalid JSON/);
});

test('a missing config file is one clear problem', () => {
  assert.throws(() => loadConfig('/nonexistent/credwatch.yaml', {}), (err: ConfigError) => {
    assert.deepEqual(err.problems.map(formatProblem), ['config /nonexistent/credwatch.yaml does not exist']);
    return true;
  });
});

test('notify targets must exist and thresholds must be ordered', () => {
  assert.deepEqual(problems('thresholds: { warningDays: 5, criticalDays: 7 }\ndefaults: { notify: [ghost] }\ncredentials:\n  - { id: a, kind: static, expiresAt: 2027-03-01, notify: [nobody], thresholds: { warningDays: 3 } }\n'), [
    'defaults.notify[0]: no notifier named "ghost"',
    'thresholds.criticalDays: must not exceed warningDays (5)',
    'credentials[0].notify[0]: no notifier named "nobody"',
    'credentials[0].thresholds.criticalDays: must not exceed warningDays (3)',
  ]);
  assert.deepEqual(problems('schedule: { check: "every minute" }\ncredentials:\n  - { id: a, kind: static, expiresAt: 2027-03-01 }\n'), ['schedule.check: is not a valid cron expression']);
});

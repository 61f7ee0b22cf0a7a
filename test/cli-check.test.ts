import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createCa, createClientCert, createServerCert } from './helpers/pki.js';
// The command line as users run it: the built bundle (dist/cli.cjs, built here if missing or stale).
import { runBuiltCli as runCli, tempDir } from './helpers/cli.js';

const DAY = 86_400_000;
const t = tempDir();
const CANARY = 'canary-Zq8-secret-value';
let config: string;

before(async () => {
  const ca = await createCa();
  const now = Date.now();
  t.write('pki/healthy.pem', (await createServerCert(ca, { notAfter: new Date(now + 200 * DAY) })).cert);
  t.write('pki/soon.pem', (await createServerCert(ca, { notAfter: new Date(now + 20 * DAY) })).cert);
  const client = await createClientCert(ca, { notAfter: new Date(now + 300 * DAY) });
  t.write('pki/clara.crt', client.cert);
  t.write('pki/clara.key', client.key, 0o600);
  t.write('secrets/clara', CANARY + '\n');
  const createdAt = new Date(now - 100 * DAY).toISOString().slice(0, 10);
  config = t.write(
    'credwatch.yaml',
    `# test config
database: ./state/credwatch.db
credentials:
  - { id: healthy, kind: x509, path: ./pki/healthy.pem }
  - { id: soon, kind: x509, path: ./pki/soon.pem }
  - { id: broken, kind: x509, path: ./pki/missing.pem }
  - { id: api-key, kind: static, expiresAt: "${new Date(now + 5 * DAY).toISOString()}" }
  - id: clara-erp
    kind: clara-project
    country: mx
    project: ERP
    createdAt: ${createdAt}
    validityDays: 360
    certificate: ./pki/clara.crt
    privateKey: ./pki/clara.key
    clientId: erp-client
    clientSecretFile: ./secrets/clara
`,
  );
});
after(() => t.cleanup());

test('check --json: the contract JSON alone on stdout; a broken credential is error while the rest are checked', async () => {
  const r = await runCli(['check', '--json', '--no-probe', '--config', config]);
  assert.equal(r.code, 2, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['checkedAt', 'summary', 'credentials']);
  assert.deepEqual(out.summary, { ok: 2, warning: 1, critical: 1, expired: 0, failing: 0, error: 1 });
  const byId = Object.fromEntries(out.credentials.map((c: { id: string }) => [c.id, c]));
  assert.deepEqual(Object.keys(byId), ['healthy', 'soon', 'broken', 'api-key', 'clara-erp']);
  assert.deepEqual(Object.keys(byId.healthy), ['id', 'kind', 'status', 'expiresAt', 'daysLeft', 'renewBy', 'expiries', 'probe', 'reasons', 'rotation', 'ack']);
  assert.equal(byId.soon.status, 'warning');
  assert.equal(byId.soon.daysLeft, 19);
  assert.equal(byId.broken.status, 'error');
  assert.match(byId.broken.reasons[0], /^could not inspect: certificate \S+missing\.pem does not exist$/);
  assert.equal(byId['api-key'].status, 'critical');
  assert.equal(byId['clara-erp'].status, 'ok');
  assert.deepEqual(byId['clara-erp'].expiries.map((e: { source: string }) => e.source), ['project', 'certificate']);
  assert.equal(byId['clara-erp'].daysLeft, 259);
  assert.equal(byId['clara-erp'].probe, null);
  // Logs went to stderr as JSON lines.
  assert.match(r.stderr, /"msg":"check cycle finished"/);
});

test('exit codes follow statuses: 0 ok, 1 warning, 2 worse', async () => {
  assert.equal((await runCli(['check', '--no-probe', '--only', 'healthy', '--config', config])).code, 0);
  assert.equal((await runCli(['check', '--no-probe', '--only', 'soon', '--only', 'healthy', '--config', config])).code, 1);
  assert.equal((await runCli(['check', '--no-probe', '--only', 'api-key', '--config', config])).code, 2);
});

test('--at replaces the clock: evaluation and checkedAt', async () => {
  const at = new Date(Date.now() + 250 * DAY).toISOString();
  const r = await runCli(['check', '--json', '--no-probe', '--only', 'healthy', '--at', at, '--config', config]);
  assert.equal(r.code, 2);
  const out = JSON.parse(r.stdout);
  assert.equal(out.checkedAt, at);
  assert.equal(out.credentials[0].status, 'expired');
  assert.ok(out.credentials[0].daysLeft < 0);
});

test('status reads back the last recorded result of each credential, with the same exit code', async () => {
  await runCli(['check', '--no-probe', '--config', config]);
  const r = await runCli(['status', '--json', '--config', config]);
  assert.equal(r.code, 2);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.credentials.map((c: { id: string; status: string }) => `${c.id}=${c.status}`), ['healthy=ok', 'soon=warning', 'broken=error', 'api-key=critical', 'clara-erp=ok']);
});

test('the table is plain text when stdout is not a terminal', async () => {
  const r = await runCli(['check', '--no-probe', '--config', config]);
  assert.equal(r.code, 2);
  assert.ok(!r.stdout.includes('\x1b['), 'no colour codes');
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^STATUS\s+CREDENTIAL\s+KIND\s+EXPIRES\s+DAYS\s+RENEW BY\s+PROBE\s+REASON$/);
  assert.match(lines[1]!, /^error\s+broken\s+x509/, 'worst first');
  assert.match(r.stdout, /5 credentials checked at \S+: 2 ok, 1 warning, 1 critical, 1 error/);
});

test('usage errors exit 3: unknown --only id, bad --at, unknown flag, unknown command', async () => {
  const rows: [string[], RegExp][] = [
    [['check', '--only', 'nope', '--config', config], /--only: no credential with id "nope"/],
    [['check', '--at', 'yesterday', '--config', config], /--at yesterday: expected an ISO 8601 instant/],
    [['check', '--bogus', '--config', config], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, message] of rows) {
    const r = await runCli(args);
    assert.equal(r.code, 3, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test('validate lists every problem with its path and exits 3; a good config exits 0 without touching anything', async () => {
  const bad = t.write(
    'bad.yaml',
    'credentials:\n  - { id: a, kind: static, expiresAt: 2027-01-01 }\n  - { id: a, kind: static, expiresAt: 2027-01-01 }\n  - { id: b, kind: clara-project, country: mx, project: p, createdAt: 2026-01-10, validityDays: 361, certificate: c, privateKey: k, clientId: x, clientSecret: "${UNSET_FOR_TEST}" }\n  - { id: c, kind: wat }\n',
  );
  const r = await runCli(['validate', '--config', bad], { env: { UNSET_FOR_TEST: undefined } });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /: 4 problems\n/);
  assert.match(r.stderr, /^ {2}credentials\[2\]\.clientSecret: environment variable UNSET_FOR_TEST is not set$/m);
  assert.match(r.stderr, /^ {2}credentials\[2\]\.validityDays: must be at most 360$/m);
  assert.match(r.stderr, /^ {2}credentials\[3\]\.kind: unknown kind "wat"/m);
  assert.match(r.stderr, /^ {2}credentials\[1\]\.id: duplicate id "a" \(also credentials\[0\]\)$/m);
  const good = await runCli(['validate', '--config', config]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /OK, 5 credentials, 0 notifiers/);
  // A bad config makes check exit 3 as well.
  assert.equal((await runCli(['check', '--config', bad])).code, 3);
});

test('the config is found through $CREDWATCH_CONFIG', async () => {
  const r = await runCli(['validate'], { env: { CREDWATCH_CONFIG: config }, cwd: t.dir });
  assert.equal(r.code, 0, r.stderr);
});

test('no secret reaches stdout, stderr or the database', async () => {
  const r = await runCli(['check', '--json', '--no-probe', '--config', config], { env: { CREDWATCH_LOG_LEVEL: 'trace' } });
  assert.ok(!r.stdout.includes(CANARY));
  assert.ok(!r.stderr.includes(CANARY));
  for (const f of readdirSync(t.path('state'))) assert.ok(!readFileSync(t.path('state', f)).includes(CANARY), f);
});

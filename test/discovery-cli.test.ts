// x509 discovery end to end, through the CLI as a user runs it: globs and folders over generated
// files, derived ids with inherited owner/runbook/notify/thresholds/renewalLeadDays, a file added
// and one removed between cycles (its alert resolves at a real webhook receiver), --only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createCa, createServerCert } from './helpers/pki.js';
// The command line as users run it: the built bundle (dist/cli.cjs, built if missing or stale).
import { runBuiltCli as runCli, tempDir } from './helpers/cli.js';
import { startHttpServer, type TestServer } from './helpers/notify-http.js';

const DAY = 86_400_000;
const t = tempDir();
let hook: TestServer;
let config: string;
let env: NodeJS.ProcessEnv;
let soonNotAfter: Date;

interface Result {
  id: string;
  kind: string;
  status: string;
  expiresAt: string | null;
  renewBy: string | null;
  reasons: string[];
}

const check = async (...extra: string[]) => {
  const r = await runCli(['check', '--json', '--no-probe', '--config', config, ...extra], { env });
  return { ...r, out: r.stdout ? (JSON.parse(r.stdout) as { credentials: Result[] }) : null };
};
const events = () => hook.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);

before(async () => {
  hook = await startHttpServer({ status: 204 });
  env = { CW_TEST_HOOK_URL: `${hook.url}/hook` };
  const ca = await createCa();
  const now = Date.now();
  soonNotAfter = new Date(now + 5 * DAY + 3_600_000);
  t.write('certs/a.pem', (await createServerCert(ca, { cn: 'a', notAfter: new Date(now + 200 * DAY) })).cert);
  t.write('certs/sub/b.pem', (await createServerCert(ca, { cn: 'b', notAfter: soonNotAfter })).cert);
  t.write('certs/sub/deep/c.der', new X509Certificate((await createServerCert(ca, { cn: 'c', notAfter: new Date(now + 35 * DAY) })).cert).raw);
  t.write('certs/readme.txt', 'not a certificate, and not named like one\n');
  t.write('spare/new.pem', (await createServerCert(ca, { cn: 'new', notAfter: new Date(now + 100 * DAY) })).cert);
  config = t.write(
    'credwatch.yaml',
    `database: ./state/credwatch.db
notifiers:
  - { name: hook, type: webhook, url: "\${CW_TEST_HOOK_URL}" }
credentials:
  - id: fleet
    kind: x509
    owner: edge-team
    runbook: https://wiki.example.com/runbooks/certs
    notify: [hook]
    renewalLeadDays: 30
    thresholds: { warningDays: 40, criticalDays: 10 }
    paths: [./certs/**/*.pem, ./certs/sub/deep, ./nothing/*.crt]
`,
  );
});
after(async () => {
  await hook.close();
  t.cleanup();
});

test('validate: a glob that matches nothing is a warning, and the config is OK', async () => {
  const r = await runCli(['validate', '--config', config], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${config}: OK, 1 credential, 1 notifier, 1 warning\n`);
  assert.match(r.stderr, new RegExp(`^warning: credential "fleet": paths\\[2\\]: "${t.path('nothing/\\*.crt')}" matches no file$`, 'm'));
});

test('cycle 1: each file its own credential, inheriting from the entry; alerts go where the entry says', async () => {
  const r = await runCli(['check', '--json', '--no-probe', '--notify', '--config', config], { env });
  assert.equal(r.code, 2, r.stderr);
  const out = JSON.parse(r.stdout) as { summary: Record<string, number>; credentials: Result[] };
  assert.deepEqual(
    out.credentials.map((c) => [c.id, c.kind, c.status]),
    [
      ['fleet', 'x509', 'warning'],
      ['fleet/certs/a.pem', 'x509', 'ok'],
      ['fleet/certs/sub/b.pem', 'x509', 'critical'],
      ['fleet/certs/sub/deep/c.der', 'x509', 'warning'],
    ],
  );
  const byId = Object.fromEntries(out.credentials.map((c) => [c.id, c]));
  assert.deepEqual(byId.fleet!.reasons, [`paths[2]: "${t.path('nothing/*.crt')}" matches no file`]);
  const b = byId['fleet/certs/sub/b.pem']!;
  const bExpires = new Date(Math.floor(soonNotAfter.getTime() / 1000) * 1000);
  assert.equal(b.expiresAt, bExpires.toISOString());
  assert.equal(b.renewBy, new Date(bExpires.getTime() - 30 * DAY).toISOString());

  const sent = events();
  assert.deepEqual(
    sent.map((e) => [(e.credential as { id: string }).id, e.event, e.severity]).sort(),
    [
      ['fleet', 'firing', 'warning'],
      ['fleet/certs/sub/b.pem', 'firing', 'critical'],
      ['fleet/certs/sub/deep/c.der', 'firing', 'warning'],
    ],
  );
  const bEvent = sent.find((e) => (e.credential as { id: string }).id === 'fleet/certs/sub/b.pem')!;
  assert.deepEqual(bEvent.credential, { id: 'fleet/certs/sub/b.pem', kind: 'x509', owner: 'edge-team', runbook: 'https://wiki.example.com/runbooks/certs' });
  assert.deepEqual(
    hook.requests.map((q) => q.url),
    ['/hook', '/hook', '/hook'],
  );
});

test('cycle 2: a new file is picked up; a removed one resolves its alert ("file removed")', async () => {
  rmSync(t.path('certs/sub/b.pem'));
  t.write('certs/sub/new.pem', readFileSync(t.path('spare/new.pem')));
  const before = hook.requests.length;
  const r = await runCli(['check', '--json', '--no-probe', '--notify', '--config', config], { env });
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { credentials: Result[] };
  assert.deepEqual(
    out.credentials.map((c) => [c.id, c.status, c.reasons[0] ?? null]),
    [
      ['fleet', 'warning', `paths[2]: "${t.path('nothing/*.crt')}" matches no file`],
      ['fleet/certs/a.pem', 'ok', 'certificate expires in 199 days (' + out.credentials[1]!.expiresAt!.slice(0, 10) + ')'],
      ['fleet/certs/sub/deep/c.der', 'warning', 'certificate expires in 34 days (' + out.credentials[2]!.expiresAt!.slice(0, 10) + ')'],
      ['fleet/certs/sub/new.pem', 'ok', 'certificate expires in 99 days (' + out.credentials[3]!.expiresAt!.slice(0, 10) + ')'],
      ['fleet/certs/sub/b.pem', 'ok', 'file removed: no longer found by fleet'],
    ],
  );
  const fresh = events().slice(before);
  assert.equal(fresh.length, 1);
  const resolved = fresh[0]!;
  assert.equal(resolved.event, 'resolved');
  assert.equal(resolved.severity, 'critical');
  assert.deepEqual(resolved.credential, { id: 'fleet/certs/sub/b.pem', kind: 'x509', owner: 'edge-team', runbook: 'https://wiki.example.com/runbooks/certs' });
  assert.equal(resolved.summary, 'fleet/certs/sub/b.pem: resolved, file removed: no longer found by fleet');
  assert.deepEqual(resolved.reasons, ['file removed: no longer found by fleet']);
  assert.equal(resolved.expiresAt, null);
});

test('cycle 3: the removed file is gone from results and status; nothing more is sent', async () => {
  const before = hook.requests.length;
  const r = await runCli(['check', '--json', '--no-probe', '--notify', '--config', config], { env });
  assert.equal(r.code, 1, r.stderr);
  const ids = (JSON.parse(r.stdout) as { credentials: Result[] }).credentials.map((c) => c.id);
  assert.deepEqual(ids, ['fleet', 'fleet/certs/a.pem', 'fleet/certs/sub/deep/c.der', 'fleet/certs/sub/new.pem']);
  assert.equal(hook.requests.length, before);
  const s = await runCli(['status', '--json', '--config', config], { env });
  assert.equal(s.code, 1, s.stderr);
  assert.deepEqual(
    (JSON.parse(s.stdout) as { credentials: Result[] }).credentials.map((c) => c.id),
    ['fleet', 'fleet/certs/a.pem', 'fleet/certs/sub/deep/c.der', 'fleet/certs/sub/new.pem'],
  );
});

test('check --only takes a discovered id and the parent id; an id nothing finds is a usage error', async () => {
  const one = await check('--only', 'fleet/certs/sub/new.pem');
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(one.out!.credentials.map((c) => c.id), ['fleet/certs/sub/new.pem']);
  const all = await check('--only', 'fleet');
  assert.deepEqual(all.out!.credentials.map((c) => c.id), ['fleet', 'fleet/certs/a.pem', 'fleet/certs/sub/deep/c.der', 'fleet/certs/sub/new.pem']);
  const missing = await check('--only', 'fleet/certs/nope.pem');
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /^credwatch: --only: fleet finds no credential "fleet\/certs\/nope\.pem"\n$/m);
  const unknown = await check('--only', 'other/x.pem');
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /^credwatch: --only: no credential with id "other\/x\.pem"\n$/m);
});

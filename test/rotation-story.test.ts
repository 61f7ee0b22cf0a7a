// The whole Clara renewal, driven the way an operator's cron would: `check --notify --at` at
// successive instants against the loopback Clara mTLS server, every event caught by a real
// webhook receiver. Predecessor warning → successor added (its probe fails: blocked, its own
// event) → probing passes (ready) → switchedAt set (resolved once, "rotated to") → predecessor
// past expiry (retired, never an `expired` event). `plan` is read at each stage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMtlsPki } from './helpers/pki.js';
import { json, startServer, tokenReply, type TestServer as ClaraServer } from './helpers/mtls-server.js';
import { startHttpServer, type TestServer as HookServer } from './helpers/notify-http.js';
import { runCli, tempDir } from './helpers/cli.js';

const DAY = 86_400_000;
const t = tempDir('credwatch-rotation-');
const D0 = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
/** The old project expires 40 days from today, 00:00 UTC. */
const E = D0 + 40 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
const date = (ms: number) => iso(ms).slice(0, 10);
const SECRET_OLD = 'old-secret-Kx81';
const SECRET_NEW = 'new-secret-Jq27';

let clara: ClaraServer;
let hook: HookServer;
/** While true the Clara server rejects the new project's client (its probe fails at the token stage). */
let rejectNew = true;

before(async () => {
  const pki = await createMtlsPki({ clientDays: 800 });
  t.write('clara/client.crt', pki.client.cert);
  t.write('clara/client.key', pki.client.key, 0o600);
  t.write('clara/ca.pem', pki.ca.cert);
  t.write('clara/old.json', JSON.stringify({ client_id: 'erp-2026', client_secret: SECRET_OLD }));
  t.write('clara/new.json', JSON.stringify({ client_id: 'erp-2027', client_secret: SECRET_NEW }));
  clara = await startServer(pki, (req, res) => {
    if (req.path === '/oauth/token') {
      const basic = (id: string, s: string) => `Basic ${Buffer.from(`${id}:${s}`).toString('base64')}`;
      if (req.headers.authorization === basic('erp-2026', SECRET_OLD)) return json(res, 200, tokenReply('tok-old'));
      if (req.headers.authorization === basic('erp-2027', SECRET_NEW) && !rejectNew) return json(res, 200, tokenReply('tok-new'));
      return json(res, 401, { error: 'invalid_client' });
    }
    if (req.path === '/api/v3/transactions' && /^Bearer tok-(old|new)$/.test(req.headers.authorization ?? '')) return json(res, 200, { data: [] });
    json(res, 404, {});
  });
  hook = await startHttpServer({ status: 200, body: 'ok' });
});
after(async () => {
  await clara.close();
  await hook.close();
  t.cleanup();
});

const project = (id: string, createdAt: number, file: string, extra = '') => `  - id: ${id}
    kind: clara-project
    country: mx
    baseUrl: ${clara.url}
    project: "ERP Integration"
    createdAt: ${date(createdAt)}
    validityDays: 360
    certificate: ./clara/client.crt
    privateKey: ./clara/client.key
    ca: ./clara/ca.pem
    credentialsFile: ./clara/${file}
    owner: payments-team
    runbook: https://wiki.example.com/runbooks/clara-renewal
${extra}`;

function writeConfig(o: { successor: boolean; switchedAt?: number }): string {
  const old = project('clara-2026', E - 360 * DAY, 'old.json');
  const successor = o.successor
    ? project('clara-2027', D0 + 20 * DAY, 'new.json', `    replaces: clara-2026\n${o.switchedAt !== undefined ? `    switchedAt: ${date(o.switchedAt)}\n` : ''}`)
    : '';
  return t.write(
    'credwatch.yaml',
    `database: ./state/credwatch.db
notifiers:
  - { name: hook, type: webhook, url: "${hook.url}/events" }
defaults: { notify: [hook] }
credentials:
${old}${successor}`,
  );
}

interface Ev {
  id: string;
  event: string;
  severity: string;
  summary: string;
  reasons: string[];
  rotation?: { role: string; peer: string; state: string; overlapDaysLeft: number | null; switchedAt: string | null };
}

/** One `check --notify --json --at` run; returns the parsed report and the events it delivered. */
async function checkAt(at: number, config: string, expectCode: number) {
  const seen = hook.requests.length;
  const r = await runCli(['check', '--notify', '--json', '--at', iso(at), '--config', config]);
  assert.equal(r.code, expectCode, r.stderr);
  const report = JSON.parse(r.stdout) as { credentials: { id: string; status: string; reasons: string[]; rotation: Ev['rotation'] | null; daysLeft: number }[] };
  const map = new Map(report.credentials.map((c) => [c.id, c]));
  const byId = (id: string) => map.get(id)!;
  const events = hook.requests.slice(seen).map((q) => JSON.parse(q.body) as Ev).sort((a, b) => a.id.localeCompare(b.id));
  return { byId, events };
}

async function planAt(at: number, config: string) {
  const r = await runCli(['plan', '--json', '--at', iso(at), '--config', config]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { generatedAt: string; credentials: { id: string; successor: string | null; steps: { step: string; due: string; done: boolean }[] }[] };
}

const steps = (p: Awaited<ReturnType<typeof planAt>>, id: string) => p.credentials.find((c) => c.id === id)!.steps.map((s) => `${s.step} ${s.due} ${s.done}`);

test('a Clara rotation from warning to quiet retirement', async () => {
  const all: Ev[] = [];

  // 1. 20 days left, no successor: the old project warns.
  let config = writeConfig({ successor: false });
  let c = await checkAt(E - 20 * DAY, config, 1);
  assert.equal(c.byId('clara-2026').status, 'warning');
  assert.equal(c.byId('clara-2026').rotation, null);
  assert.deepEqual(c.events.map((e) => [e.id, e.summary]), [['clara-2026:expiry:1:firing-warning', `clara-2026: warning, expires in 20 days (${date(E)})`]]);
  assert.equal('rotation' in c.events[0]!, false);
  all.push(...c.events);
  assert.deepEqual(steps(await planAt(E - 20 * DAY, config), 'clara-2026'), [
    `create-successor ${iso(E - 14 * DAY)} false`,
    `verify-successor ${iso(E - 14 * DAY)} false`,
    `switch ${iso(E - 7 * DAY)} false`,
    `retire ${iso(E)} false`,
  ]);

  // 2. 16 days left: the successor is configured, but Clara rejects its client: blocked, its own event.
  config = writeConfig({ successor: true });
  c = await checkAt(E - 16 * DAY, config, 1);
  const blockedWhy = 'rotation of clara-2026 blocked: its latest probe failed: token_rejected: ';
  assert.equal(c.byId('clara-2027').status, 'warning');
  assert.ok(c.byId('clara-2027').reasons[0]!.startsWith(blockedWhy), c.byId('clara-2027').reasons[0]);
  assert.deepEqual(c.byId('clara-2027').rotation, { role: 'successor', peer: 'clara-2026', state: 'blocked', overlapDaysLeft: 16, switchedAt: null });
  assert.deepEqual(c.byId('clara-2026').rotation, { role: 'predecessor', peer: 'clara-2027', state: 'blocked', overlapDaysLeft: 16, switchedAt: null });
  assert.deepEqual(c.events.map((e) => [e.id, e.severity]), [['clara-2027:expiry:1:firing-warning', 'warning']]);
  assert.ok(c.events[0]!.summary.startsWith(`clara-2027: warning, ${blockedWhy}`), c.events[0]!.summary);
  assert.ok(c.events[0]!.reasons[0]!.startsWith(blockedWhy));
  assert.equal(c.events[0]!.rotation?.state, 'blocked');
  all.push(...c.events);
  let plan = await planAt(E - 16 * DAY, config);
  assert.equal(plan.credentials[0]!.id, 'clara-2026', `soonest undone step first: ${JSON.stringify(plan, null, 1)}`);
  assert.deepEqual(steps(plan, 'clara-2026').map((s) => s.split(' ')[2]), ['true', 'false', 'false', 'false']);

  // 3. Exactly 14 days left (renewBy): Clara accepts the new client. Ready: the successor's alert
  // resolves, and the old project's reminder names the successor. Not overdue: it has one.
  rejectNew = false;
  c = await checkAt(E - 14 * DAY, config, 1);
  assert.equal(c.byId('clara-2027').status, 'ok');
  assert.equal(c.byId('clara-2026').status, 'warning');
  assert.equal(c.byId('clara-2026').rotation?.state, 'ready');
  assert.deepEqual(c.byId('clara-2026').reasons, [
    `project expires in 14 days (${date(E)})`,
    'successor clara-2027 ready: switch the integration, then set switchedAt',
  ]);
  assert.deepEqual(c.events.map((e) => [e.id, e.summary]), [
    ['clara-2026:expiry:1:reminder-14d', `clara-2026: reminder, expires in 14 days (${date(E)}); successor clara-2027 is ready`],
    ['clara-2027:expiry:1:resolved', `clara-2027: resolved, no longer needs action: now expires ${date(D0 + 380 * DAY)}`],
  ]);
  assert.equal(c.events[0]!.rotation?.state, 'ready');
  assert.ok(c.events[0]!.reasons.includes('successor clara-2027 ready: switch the integration, then set switchedAt'));
  all.push(...c.events);
  plan = await planAt(E - 14 * DAY, config);
  assert.deepEqual(steps(plan, 'clara-2026'), [
    `create-successor ${iso(E - 14 * DAY)} true`,
    `verify-successor ${iso(E - 14 * DAY)} true`,
    `switch ${iso(E - 7 * DAY)} false`,
    `retire ${iso(E)} false`,
  ]);
  assert.equal(plan.credentials.find((x) => x.id === 'clara-2026')!.successor, 'clara-2027');

  // 4. 10 days left: the integration moved (switchedAt today). The old alert resolves, once.
  config = writeConfig({ successor: true, switchedAt: E - 10 * DAY });
  c = await checkAt(E - 10 * DAY, config, 0);
  assert.equal(c.byId('clara-2026').status, 'ok');
  assert.equal(c.byId('clara-2026').reasons[0], `superseded by clara-2027 (switched ${date(E - 10 * DAY)}), retires ${date(E)}`);
  assert.deepEqual(c.byId('clara-2026').rotation, { role: 'predecessor', peer: 'clara-2027', state: 'switched', overlapDaysLeft: 10, switchedAt: iso(E - 10 * DAY) });
  assert.deepEqual(c.events.map((e) => [e.id, e.summary]), [['clara-2026:expiry:1:resolved', 'clara-2026: resolved, rotated to clara-2027']]);
  assert.equal(c.events[0]!.severity, 'warning');
  all.push(...c.events);

  // 5. 3 days left and 6. the exact expiry instant and 7. two days past it: silence; retired.
  c = await checkAt(E - 3 * DAY, config, 0);
  assert.deepEqual(c.events, []);
  c = await checkAt(E, config, 0);
  assert.deepEqual(c.events, []);
  assert.equal(c.byId('clara-2026').status, 'ok');
  assert.equal(c.byId('clara-2026').rotation?.state, 'retired');
  assert.equal(c.byId('clara-2026').reasons[0], 'retired: replaced by clara-2027');
  c = await checkAt(E + 2 * DAY, config, 0);
  assert.deepEqual(c.events, []);
  assert.equal(c.byId('clara-2026').daysLeft, -2);
  assert.equal(c.byId('clara-2026').rotation?.overlapDaysLeft, null);

  plan = await planAt(E + 2 * DAY, config);
  assert.deepEqual(steps(plan, 'clara-2026').map((s) => s.split(' ')[2]), ['true', 'true', 'true', 'true']);
  assert.equal(plan.credentials.at(-1)!.id, 'clara-2026', 'a finished rotation sorts last');

  // Over the whole story: the old project was resolved exactly once and never paged `expired`.
  assert.equal(all.filter((e) => e.id.startsWith('clara-2026:') && e.event === 'resolved').length, 1);
  assert.equal(all.filter((e) => e.severity === 'expired').length, 0);
  // No secret reached a notification.
  assert.ok(!hook.requests.some((q) => q.body.includes(SECRET_OLD) || q.body.includes(SECRET_NEW)));

  // `status` shows the recorded rotation in the table.
  const status = await runCli(['status', '--config', config]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /ROTATION/);
  assert.match(status.stdout, /clara-2026 .* retired → clara-2027 +retired: replaced by clara-2027/);
  assert.match(status.stdout, /clara-2027 .* retired ← clara-2026 /);
});

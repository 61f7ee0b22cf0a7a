// `credwatch run` as a child process against real local servers: an mTLS OAuth 2.0 provider,
// a webhook sink, and headless Chromium for the status page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createMtlsPki } from './helpers/pki.js';
import { freePort } from './helpers/ports.js';
import { until } from './helpers/until.js';

const ROOT = resolve(import.meta.dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'daemon-test-bearer-0c4f1e';
const CLIENT_SECRET = 'canary-client-secret-7d1a9b';
const HOOK_SECRET = 'canary-hook-secret-52e8aa';
const ACCESS_TOKEN = 'canary-access-token-9f03c2';
const DAY = 86_400_000;

let dir: string;
let pki: Awaited<ReturnType<typeof createMtlsPki>>;
let provider: Server | null = null;
let providerPort = 0;
const providerHits = { token: 0, ping: 0 };
let sink: Server;
let sinkPort = 0;
const hooks: { body: string; headers: IncomingMessage['headers'] }[] = [];
let daemonPort = 0;
let child: ChildProcess;
const logLines: string[] = [];
let soonDate = '';

const auth = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = auth) => fetch(`http://127.0.0.1:${daemonPort}${path}`, { headers });
const statusJson = async () => (await (await get('/status')).json()) as any;
const events = () => hooks.map((h) => JSON.parse(h.body));

async function startProvider(port = 0): Promise<void> {
  const server = createHttpsServer(
    { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/oauth/token') {
          providerHits.token++;
          const expected = `Basic ${Buffer.from(`credwatch-test:${CLIENT_SECRET}`).toString('base64')}`;
          if (req.headers.authorization !== expected || !new URLSearchParams(body).get('grant_type')) {
            res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 }));
          return;
        }
        if (req.method === 'GET' && req.url === '/ping') {
          providerHits.ping++;
          const ok = req.headers.authorization === `Bearer ${ACCESS_TOKEN}`;
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"ok":true}' : '{"error":"unauthorized"}');
          return;
        }
        res.writeHead(404).end();
      });
    },
  );
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  providerPort = (server.address() as AddressInfo).port;
  provider = server;
}

async function stopProvider(): Promise<void> {
  const p = provider!;
  provider = null;
  await new Promise<void>((r) => {
    p.close(() => r());
    p.closeAllConnections();
  });
}

function configYaml(extra = ''): string {
  const oauth = `  - id: partner-oauth
    kind: oauth2
    tokenUrl: https://127.0.0.1:${providerPort}/oauth/token
    clientId: credwatch-test
    clientSecret: "\${CW_TEST_CLIENT_SECRET}"
    certificate: ./client.crt
    privateKey: ./client.key
    ca: ./ca.pem
    runbook: https://wiki.example.com/runbooks/partner
    probe: { url: "https://127.0.0.1:${providerPort}/ping" }
`;
  return `database: ./state/credwatch.db
schedule: { check: "*/2 * * * * *" }
probe: { timeoutMs: 2000, failuresBeforeAlert: 1 }
server: { listen: "127.0.0.1:${daemonPort}", token: "\${CW_TEST_TOKEN}" }
notifiers:
  - { name: hook, type: webhook, url: "http://127.0.0.1:${sinkPort}/hook", secret: "\${CW_TEST_HOOK_SECRET}" }
defaults: { notify: [hook], owner: platform-team }
credentials:
  - { id: client-cert, kind: x509, path: ./client.crt, key: ./client.key, owner: payments-team }
  - { id: soon-key, kind: static, expiresAt: ${soonDate}, description: "restricted <key> & co", runbook: "https://wiki.example.com/runbooks/stripe?a=1&b=2" }
${oauth}${extra}`;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credwatch-daemon-'));
  pki = await createMtlsPki({ clientDays: 300 });
  writeFileSync(join(dir, 'ca.pem'), pki.ca.cert);
  writeFileSync(join(dir, 'client.crt'), pki.client.cert);
  writeFileSync(join(dir, 'client.key'), pki.client.key, { mode: 0o600 });
  soonDate = new Date(Date.now() + 5 * DAY).toISOString().slice(0, 10);
  await startProvider();
  sink = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkPort = (sink.address() as AddressInfo).port;
  daemonPort = await freePort();
  writeFileSync(join(dir, 'credwatch.yaml'), configYaml());

  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--config', join(dir, 'credwatch.yaml')], {
    cwd: ROOT,
    env: { ...process.env, CW_TEST_TOKEN: TOKEN, CW_TEST_CLIENT_SECRET: CLIENT_SECRET, CW_TEST_HOOK_SECRET: HOOK_SECRET, CREDWATCH_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    logLines.push(...lines);
  });
  child.stdout!.resume();
});

after(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (provider) await stopProvider();
  await new Promise((r) => sink.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const logged = (msg: string) => logLines.map((l) => { try { return JSON.parse(l); } catch { return { msg: l }; } }).filter((l) => l.msg === msg);

test('checks at start and serves /healthz without a token', async () => {
  const res = await until('/healthz 200', async () => {
    const r = await fetch(`http://127.0.0.1:${daemonPort}/healthz`);
    return r.status === 200 ? r : null;
  }, 30_000);
  const body = (await res.json()) as any;
  assert.equal(body.status, 'ok');
  assert.deepEqual(body.reasons, []);
  await until('the start-up cycle', () => logged('check cycle finished').find((l) => l.reason === 'start'));
  assert.equal(logged('credwatch daemon started').length, 1);
});

test('server.token: 401 without or with a wrong bearer token, 200 with it', async () => {
  for (const path of ['/status', '/metrics', '/', '/nowhere']) {
    const r = await get(path, {});
    assert.equal(r.status, 401, path);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await get(path, { authorization: 'Bearer nope' })).status, 401, path);
  }
  assert.equal((await get('/status')).status, 200);
  assert.equal((await get('/nowhere')).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${daemonPort}/status`, { method: 'POST', headers: auth })).status, 405);
});

test('/status is the contract JSON with the expected statuses', async () => {
  const expectedIds = ['client-cert', 'soon-key', 'partner-oauth'];
  const s = await until('every credential in /status, partner-oauth probed', async () => {
    const j = await statusJson();
    const oauth = j.credentials.find((c: any) => c.id === 'partner-oauth');
    return j.credentials.length === expectedIds.length && oauth?.probe ? j : null;
  });
  assert.deepEqual(Object.keys(s), ['checkedAt', 'summary', 'credentials']);
  const by = Object.fromEntries(s.credentials.map((c: any) => [c.id, c]));
  assert.deepEqual(Object.keys(by['soon-key']), ['id', 'kind', 'status', 'expiresAt', 'daysLeft', 'renewBy', 'expiries', 'probe', 'reasons', 'rotation', 'ack']);

  const notAfter = new Date(new X509Certificate(pki.client.cert).validTo);
  assert.equal(by['client-cert'].status, 'ok');
  assert.equal(by['client-cert'].expiresAt, notAfter.toISOString());
  assert.equal(by['client-cert'].probe, null);
  assert.equal(by['soon-key'].status, 'critical');
  assert.equal(by['soon-key'].expiresAt, `${soonDate}T00:00:00.000Z`);
  assert.equal(by['partner-oauth'].status, 'ok', JSON.stringify(by['partner-oauth']));
  assert.equal(by['partner-oauth'].probe.ok, true);
  assert.equal(by['partner-oauth'].probe.stage, 'call');
  assert.equal(by['partner-oauth'].probe.httpStatus, 200);
  assert.equal(by['partner-oauth'].probe.error, null);
  assert.equal(s.summary.critical, 1);
  assert.equal(s.summary.ok, expectedIds.length - 1);
});

test('/metrics has the contract series with exact values', async () => {
  const res = await get('/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    assert.ok(line, `missing ${series}`);
    return Number(line.slice(series.length + 1));
  };
  const notAfter = Date.parse(new X509Certificate(pki.client.cert).validTo);
  assert.equal(value('credwatch_credential_expiry_timestamp_seconds{id="client-cert",kind="x509",source="certificate"}'), notAfter / 1000);
  assert.equal(value('credwatch_credential_expiry_timestamp_seconds{id="soon-key",kind="static",source="secret"}'), Date.parse(soonDate) / 1000);
  for (const st of ['ok', 'warning', 'critical', 'expired', 'failing', 'error']) {
    assert.equal(value(`credwatch_credential_status{id="soon-key",kind="static",status="${st}"}`), st === 'critical' ? 1 : 0);
    assert.equal(value(`credwatch_credential_status{id="client-cert",kind="x509",status="${st}"}`), st === 'ok' ? 1 : 0);
  }
  assert.equal(value('credwatch_probe_success{id="partner-oauth"}'), 1);
  const d = value('credwatch_probe_duration_seconds{id="partner-oauth"}');
  assert.ok(d >= 0 && d < 2, `probe duration ${d}`);
  assert.ok(value('credwatch_cycle_duration_seconds') >= 0);
  assert.ok(Math.abs(value('credwatch_last_cycle_timestamp_seconds') - Date.now() / 1000) < 30);
  assert.ok(value('credwatch_outbox_backlog') >= 0);
  await until('a delivered notification counted', async () => {
    const t = await (await get('/metrics')).text();
    return /^credwatch_notifications_total\{notifier="hook",outcome="delivered"\} [1-9]/m.test(t);
  });
});

test('delivers the expected webhook events, signed', async () => {
  const firing = await until('a firing event for soon-key', () => events().find((e) => e.credential.id === 'soon-key'));
  assert.deepEqual(Object.keys(firing).sort(), ['credential', 'daysLeft', 'event', 'expiresAt', 'id', 'occurredAt', 'reasons', 'renewBy', 'severity', 'summary'].sort());
  assert.equal(firing.event, 'firing');
  assert.equal(firing.severity, 'critical');
  assert.deepEqual(firing.credential, { id: 'soon-key', kind: 'static', owner: 'platform-team', runbook: 'https://wiki.example.com/runbooks/stripe?a=1&b=2' });
  assert.equal(firing.expiresAt, `${soonDate}T00:00:00.000Z`);
  const hook = hooks.find((h) => JSON.parse(h.body).id === firing.id)!;
  assert.equal(hook.headers['x-credwatch-signature'], `sha256=${createHmac('sha256', HOOK_SECRET).update(hook.body).digest('hex')}`);
  // Several cycles later still exactly one event for it: the state machine does not repeat itself.
  const cycles = logged('check cycle finished').length;
  await until('two more cycles', () => logged('check cycle finished').length >= cycles + 2);
  assert.equal(events().filter((e) => e.credential.id === 'soon-key').length, 1);
  assert.equal(events().filter((e) => e.credential.id === 'client-cert').length, 0);
});

test('the status page in headless Chromium shows every credential; screenshots saved', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is absent (install Debian's chromium package to run this check)`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    mkdirSync(ARTIFACTS, { recursive: true });
    const ids = (await statusJson()).credentials.map((c: any) => c.id);
    for (const [name, viewport] of [['status-page.png', { width: 1280, height: 800 }], ['status-page-phone.png', { width: 390, height: 844 }]] as const) {
      const context = await browser.newContext({ viewport, extraHTTPHeaders: auth });
      const page = await context.newPage();
      const res = await page.goto(`http://127.0.0.1:${daemonPort}/`);
      assert.equal(res?.status(), 200);
      assert.equal(await page.title(), 'credwatch status');
      for (const id of ids) {
        const row = page.locator(`tr[data-credential="${id}"]`);
        assert.equal(await row.count(), 1, `row for ${id}`);
        assert.ok(await row.isVisible(), `row for ${id} visible`);
      }
      // Urgency order: the critical one first.
      assert.equal(await page.locator('tbody tr').first().getAttribute('data-credential'), 'soon-key');
      // Escaped, not interpreted.
      assert.ok((await page.locator('tr[data-credential="soon-key"]').innerText()).includes('restricted <key> & co'));
      assert.equal(await page.locator('tr[data-credential="soon-key"] td[data-label="Runbook"] a').getAttribute('href'), 'https://wiki.example.com/runbooks/stripe?a=1&b=2');
      assert.ok((await page.locator('tr[data-credential="client-cert"]').innerText()).includes('payments-team'));
      await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
      await context.close();
    }
  } finally {
    await browser.close();
  }
});

test('survives a provider outage: the probe fails, the daemon stays up and healthy', async () => {
  const port = providerPort;
  // Only events from this outage: under load, an earlier probe may already have timed out once.
  const seen = hooks.length;
  const fresh = () => events().slice(seen);
  await stopProvider();
  const failing = await until('partner-oauth failing', async () => {
    const c = (await statusJson()).credentials.find((x: any) => x.id === 'partner-oauth');
    return c?.status === 'failing' ? c : null;
  });
  assert.equal(failing.probe.ok, false);
  assert.equal(failing.probe.error.code, 'connection');
  assert.equal((await fetch(`http://127.0.0.1:${daemonPort}/healthz`)).status, 200);
  // /metrics is read until it shows the outage too, not once.
  await until('credwatch_probe_success 0 for partner-oauth', async () => /^credwatch_probe_success\{id="partner-oauth"\} 0$/m.test(await (await get('/metrics')).text()));
  const fired = await until('a failing event for partner-oauth', () => fresh().find((e) => e.credential.id === 'partner-oauth' && e.event === 'firing'));
  assert.equal(fired.severity, 'failing');

  await startProvider(port);
  const resolved = await until('a resolved event for partner-oauth', () => fresh().find((e) => e.credential.id === 'partner-oauth' && e.event === 'resolved'));
  assert.equal(resolved.severity, 'failing');
  // The webhook can arrive before the cycle's report is served: poll /status rather than read it once.
  const recovered = await until('partner-oauth ok in /status', async () => {
    const c = (await statusJson()).credentials.find((x: any) => x.id === 'partner-oauth');
    return c?.status === 'ok' ? c : null;
  });
  assert.equal(recovered.probe.ok, true);
  assert.equal(child.exitCode, null);
});

test('SIGHUP with a good config: the new credential appears', async () => {
  writeFileSync(join(dir, 'credwatch.yaml'), configYaml('  - { id: added-later, kind: static, expiresAt: 2030-01-01 }\n'));
  child.kill('SIGHUP');
  const c = await until('added-later in /status', async () => (await statusJson()).credentials.find((x: any) => x.id === 'added-later'));
  assert.equal(c.status, 'ok');
  const reloaded = await until('the reload logged', () => logged('config reloaded').at(-1));
  assert.deepEqual(reloaded.added, ['added-later']);
});

test('SIGHUP with a bad config: every problem logged by path, the old config keeps serving', async () => {
  const before = logged('check cycle finished').length;
  writeFileSync(
    join(dir, 'credwatch.yaml'),
    configYaml('  - { id: added-later, kind: static, expiresAt: 2030-01-01 }\n  - { id: broken-one, kind: static, expiresAt: not-a-date }\n') + 'bogusKey: 1\n',
  );
  child.kill('SIGHUP');
  await until('the reload to be rejected', () => logged('config reload rejected; keeping the running config').length === 1);
  const problems = logLines.filter((l) => l.includes('config problem'));
  assert.ok(problems.some((l) => l.includes('credentials[4].expiresAt')), problems.join('\n'));
  assert.ok(problems.some((l) => l.includes('bogusKey')), problems.join('\n'));
  // Cycles go on with the old config.
  await until('another cycle after the rejected reload', () => logged('check cycle finished').length > before + 1);
  const ids = (await statusJson()).credentials.map((c: any) => c.id);
  assert.ok(ids.includes('added-later'));
  assert.ok(!ids.includes('broken-one'));
  assert.equal((await fetch(`http://127.0.0.1:${daemonPort}/healthz`)).status, 200);
});

test('no secret in any response, event, log line or the database', async () => {
  const bodies = [await (await get('/status')).text(), await (await get('/metrics')).text(), await (await get('/')).text(), await (await fetch(`http://127.0.0.1:${daemonPort}/healthz`)).text()];
  const haystacks = [...bodies, ...hooks.map((h) => h.body), logLines.join('\n')];
  const stateDir = join(dir, 'state');
  for (const f of readdirSync(stateDir)) haystacks.push(readFileSync(join(stateDir, f)).toString('latin1'));
  for (const secret of [TOKEN, CLIENT_SECRET, HOOK_SECRET, ACCESS_TOKEN]) {
    for (const h of haystacks) assert.ok(!h.includes(secret), `secret ${secret.slice(0, 12)}… leaked`);
  }
});

test('SIGTERM: exits 0 within 5 s', async () => {
  const t0 = Date.now();
  const exited = new Promise<[number | null, string | null]>((r) => child.once('exit', (code, signal) => r([code, signal])));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[null, string]>((r) => (timer = setTimeout(() => r([null, 'timeout']), 5000)));
  const [code, signal] = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
  assert.equal(signal, null, `did not exit within 5 s (${signal})`);
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 5000);
  // 'exit' can come before the last stderr chunk is read: wait for the line, then count it.
  await until('the stopped line', () => logged('stopped').length > 0, 2000);
  assert.equal(logged('stopped').length, 1);
});

// Canary secrets through every failure path of issue 12, in the real (bundled) daemon: a webhook
// URL with user:pass@, a webhook whose 404 echoes its secret path and query, an OAuth endpoint that
// echoes the form-encoded client secret (with a space and !'()~), a probe URL's api_key echoed in a
// redirect, an SMTP server that echoes AUTH PLAIN, the server token. Afterwards every canary, in
// every form credwatch sends it (raw, URL-encoded, form-encoded, base64), is searched for in the
// logs, the database (rows and raw file bytes), every HTTP response, the metrics and the events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { bundleCli } from './helpers/bundle.js';
import { createMtlsPki } from './helpers/pki.js';
import { json, startServer as startHttps, tokenReply } from './helpers/mtls-server.js';
import { freePort } from './helpers/ports.js';

const CANARY = {
  hookPass: 'CanaryHookPass-41x',
  hookPath: 'CanaryPathSeg-77q',
  hookQuery: 'CanaryQuery-19z',
  clientSecret: "Canary client!'()~ 5k",
  apiKey: 'CanaryApiKey-63m',
  smtpPass: 'CanarySmtp-Pass-28w',
  token: 'CanaryServerToken-90jq',
};

const forms = (v: string) => [v, encodeURIComponent(v), new URLSearchParams({ x: v }).toString().slice(2), Buffer.from(v).toString('base64')];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('canary: no secret reaches logs, database, HTTP responses, metrics or events on any failure path', { timeout: 120_000 }, async (t) => {
  const cli = await bundleCli();
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-canary12-'));
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true }), () => rmSync(dirname(cli), { recursive: true, force: true })];
  t.after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  // OAuth provider: echoes whatever it was sent, the way a chatty error page does.
  const pki = await createMtlsPki();
  writeFileSync(join(dir, 'ca.pem'), pki.ca.cert);
  const provider = await startHttps(
    pki,
    (req, res) => {
      if (req.path === '/echo/token') return json(res, 400, { error: 'invalid_client', error_description: `got ${req.body} with ${req.headers.authorization ?? ''}` });
      if (req.path === '/ok/token') return json(res, 200, tokenReply('canary-free-access-token'));
      if (req.path.startsWith('/ping')) {
        res.writeHead(302, { location: `https://127.0.0.1/login?next=${encodeURIComponent(req.path)}&raw=${req.path}` });
        return res.end();
      }
      json(res, 404, { error: `nothing at ${req.path}` });
    },
    { requestCert: false },
  );
  cleanups.push(() => provider.close());

  // Webhook sink: answers 404 echoing the path, query and Authorization header.
  const events: string[] = [];
  const sink = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      events.push(body);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`Cannot POST ${req.url} (authorization: ${req.headers.authorization ?? 'none'})`);
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => sink.close(r)));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  // SMTP: refuses the login, quoting what the client sent.
  const plain = Buffer.from(`\u0000credwatch\u0000${CANARY.smtpPass}`).toString('base64');
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN'],
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _s, cb) {
      cb(Object.assign(new Error(`bad credentials ${plain} for ${auth.username}/${auth.password}`), { responseCode: 535 }));
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => smtp.close(() => r(undefined))));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const port = await freePort();
  const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  writeFileSync(
    join(dir, 'credwatch.yaml'),
    `database: ./state/cw.db
probe: { timeoutMs: 3000, failuresBeforeAlert: 1 }
server: { listen: "127.0.0.1:${port}", token: "${CANARY.token}" }
notifiers:
  - { name: userinfo, type: webhook, url: "${sinkUrl.replace('http://', `http://bob:${CANARY.hookPass}@`)}/hook-u" }
  - { name: secretpath, type: webhook, url: "${sinkUrl}/hook/${CANARY.hookPath}?token=${CANARY.hookQuery}" }
  - { name: mail, type: email, from: credwatch@example.com, to: [ops@example.com], smtp: { host: 127.0.0.1, port: ${smtpPort}, tls: none, user: credwatch, password: "${CANARY.smtpPass}" } }
defaults: { notify: [userinfo, secretpath, mail] }
credentials:
  - { id: soon-key, kind: static, expiresAt: "${soon}" }
  - id: echo-oauth
    kind: oauth2
    tokenUrl: https://127.0.0.1:${provider.port}/echo/token
    clientId: canary-client
    clientSecret: "${CANARY.clientSecret}"
    clientAuth: body
    ca: ./ca.pem
  - id: redirect-oauth
    kind: oauth2
    tokenUrl: https://127.0.0.1:${provider.port}/ok/token
    clientId: canary-client-2
    clientSecret: "${CANARY.clientSecret}"
    ca: ./ca.pem
    probe: { url: "https://127.0.0.1:${provider.port}/ping?api_key=${CANARY.apiKey}" }
`,
  );

  let logs = '';
  const child = spawn(process.execPath, [cli, 'run', '-c', join(dir, 'credwatch.yaml')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CREDWATCH_LOG_LEVEL: 'debug' } });
  child.stdout.on('data', (d) => (logs += d));
  child.stderr.on('data', (d) => (logs += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${CANARY.token}` };
  const dbFile = join(dir, 'state', 'cw.db');
  const attempts = () => {
    if (!existsSync(dbFile)) return [];
    const db = new Database(dbFile, { readonly: true });
    try {
      return db.prepare('SELECT DISTINCT notifier FROM delivery_attempts').all() as { notifier: string }[];
    } catch {
      return [];
    } finally {
      db.close();
    }
  };
  const deadline = Date.now() + 60_000;
  while (attempts().length < 3 && Date.now() < deadline) await sleep(250);
  assert.equal(attempts().length, 3, `every notifier tried and failed\n${logs.slice(-3000)}`);

  const http: Record<string, string> = {};
  let statusBody = '';
  for (const path of ['/healthz', '/status', '/metrics', '/']) {
    const res = await fetch(`${base}${path}`, { headers: auth });
    const body = await res.text();
    if (path === '/status') statusBody = body;
    http[path] = `${res.status} ${JSON.stringify([...res.headers])} ${body}`;
  }
  http['/status 401'] = await (await fetch(`${base}/status`)).text();
  const status = JSON.parse(statusBody) as { credentials: { id: string; probe: { error: { code: string; message: string } | null } | null }[] };
  // The probes failed where they should, with messages that say why.
  const byId = Object.fromEntries(status.credentials.map((c) => [c.id, c.probe?.error]));
  assert.equal(byId['echo-oauth']?.code, 'token_rejected', JSON.stringify(byId));
  assert.match(byId['echo-oauth']!.message, /<secret>/);
  assert.match(byId['redirect-oauth']?.message ?? '', /redirected \(HTTP 302 to .*<secret>/);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, logs.slice(-2000));

  const db = new Database(dbFile, { readonly: true });
  const dump = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
    .map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()))
    .join('\n');
  const errors = (db.prepare('SELECT notifier, error_code, error_message FROM delivery_attempts').all() as { notifier: string; error_code: string; error_message: string }[]);
  db.close();
  // The failures were recorded, scrubbed: the sink's echo of the secret path is masked, not dropped.
  assert.ok(errors.some((e) => e.notifier === 'secretpath' && e.error_message.includes('Cannot POST <secret>')), JSON.stringify(errors));
  assert.ok(errors.some((e) => e.notifier === 'userinfo' && e.error_code === 'http_404'), JSON.stringify(errors));
  assert.ok(errors.some((e) => e.notifier === 'mail' && e.error_code === 'smtp_auth'), JSON.stringify(errors));
  const raw = ['', '-wal', '-shm'].map((s) => (existsSync(dbFile + s) ? readFileSync(dbFile + s).toString('latin1') : '')).join('\n');

  const haystacks: Record<string, string> = { logs, database: dump, databaseFile: raw, events: events.join('\n'), ...http };
  const found: string[] = [];
  for (const [name, value] of Object.entries(CANARY)) {
    for (const form of forms(value)) for (const [where, text] of Object.entries(haystacks)) if (text.includes(form)) found.push(`${name} (${form}) in ${where}`);
  }
  assert.deepEqual(found, []);
});

// Alertmanager transport: several URLs (an HA pair: each gets every alert), basic or bearer auth,
// and a `ca` for an HTTPS Alertmanager, against real HTTPS servers on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { alertmanager, type AlertmanagerConfig } from '../src/notifiers/alertmanager.js';
import { isNotifyError } from '../src/notifiers/notifier.js';
import { buildConfig } from '../src/config/load.js';
import { capturingLog, sampleEvent } from './helpers/alerts-fixtures.js';
import { createCa, createServerCert } from './helpers/pki.js';
import { freePort } from './helpers/ports.js';
import { tempDir } from './helpers/cli.js';

const PASSWORD = 'canary-am-password-41c2';
const TOKEN = 'canary-am-bearer-77d0';
const t = tempDir();
let caFile: string;
const servers: { url: string; requests: { url: string; headers: IncomingHttpHeaders; body: string }[]; server: Server }[] = [];

async function httpsAlertmanager(cert: { cert: string; key: string }) {
  const requests: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const s = { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
  servers.push(s);
  return s;
}

before(async () => {
  const ca = await createCa();
  caFile = t.write('am-ca.pem', ca.cert);
  const cert = await createServerCert(ca);
  await httpsAlertmanager(cert);
  await httpsAlertmanager(cert);
});
after(async () => {
  for (const s of servers) await new Promise((r) => s.server.close(r));
  t.cleanup();
});

const ctx = (log = capturingLog().log) => ({ log, timeoutMs: 3000, now: new Date('2026-11-22T10:00:05.000Z'), alert: { condition: 'expiry' as const, level: 'critical' as const } });

test('config: url takes one URL or a list; basicAuth.passwordFile, tokenFile and ca resolve like every other secret and file', () => {
  const pw = t.write('am-password', `${PASSWORD}\n`);
  const { config } = buildConfig(
    {
      notifiers: [
        { name: 'am-pair', type: 'alertmanager', url: [servers[0]!.url, servers[1]!.url], basicAuth: { username: 'credwatch', passwordFile: pw }, ca: './am-ca.pem' },
        { name: 'am-token', type: 'alertmanager', url: servers[0]!.url, token: TOKEN },
      ],
      defaults: { notify: ['am-pair'] },
      credentials: [{ id: 'a', kind: 'static', expiresAt: '2030-01-01' }],
    },
    t.path('credwatch.yaml'),
  );
  const [pair, token] = config.notifiers as AlertmanagerConfig[];
  assert.deepEqual(pair!.url, [servers[0]!.url, servers[1]!.url]);
  assert.equal(pair!.basicAuth!.password.reveal(), PASSWORD);
  assert.equal(pair!.ca, caFile);
  assert.equal(token!.token!.reveal(), TOKEN);
  assert.ok(!JSON.stringify(config.notifiers).includes(PASSWORD) && !JSON.stringify(config.notifiers).includes(TOKEN), 'secrets print as <secret>');
  assert.throws(
    () => buildConfig({ notifiers: [{ name: 'am', type: 'alertmanager', url: [] }], credentials: [{ id: 'a', kind: 'static', expiresAt: '2030-01-01' }] }, t.path('x.yaml')),
    /notifiers\[0\]\.url: must list at least one URL/,
  );
});

test('several URLs with basic auth over HTTPS with a ca: each Alertmanager gets the same alerts', async () => {
  const { config } = buildConfig(
    {
      notifiers: [{ name: 'am', type: 'alertmanager', url: [`${servers[0]!.url}/`, servers[1]!.url], basicAuth: { username: 'credwatch', password: PASSWORD }, ca: './am-ca.pem' }],
      credentials: [{ id: 'a', kind: 'static', expiresAt: '2030-01-01' }],
    },
    t.path('credwatch.yaml'),
  );
  const before = servers.map((s) => s.requests.length);
  await alertmanager.send(sampleEvent(), config.notifiers[0] as AlertmanagerConfig, ctx());
  const got = servers.map((s, i) => s.requests.slice(before[i]));
  for (const reqs of got) {
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0]!.url, '/api/v2/alerts');
    assert.equal(reqs[0]!.headers.authorization, `Basic ${Buffer.from(`credwatch:${PASSWORD}`).toString('base64')}`);
    assert.equal(JSON.parse(reqs[0]!.body)[0].labels.severity, 'critical');
  }
  assert.equal(got[0]![0]!.body, got[1]![0]!.body, 'identical bodies');
});

test('bearer token; without the ca the private CA is not trusted (and nothing secret is in the error)', async () => {
  const cfg: AlertmanagerConfig = { name: 'am', type: 'alertmanager', url: servers[0]!.url, token: (buildConfig({ notifiers: [{ name: 'x', type: 'alertmanager', url: servers[0]!.url, token: TOKEN }], credentials: [{ id: 'a', kind: 'static', expiresAt: '2030-01-01' }] }, t.path('c.yaml')).config.notifiers[0] as AlertmanagerConfig).token, ca: caFile };
  const n = servers[0]!.requests.length;
  await alertmanager.send(sampleEvent(), cfg, ctx());
  assert.equal(servers[0]!.requests[n]!.headers.authorization, `Bearer ${TOKEN}`);

  const { ca: _ca, ...untrusted } = cfg;
  await assert.rejects(alertmanager.send(sampleEvent(), untrusted as AlertmanagerConfig, ctx()), (err) => {
    assert.ok(isNotifyError(err));
    assert.equal(err.code, 'connection');
    assert.equal(err.retryable, true);
    assert.match(err.message, /^alertmanager am at https:\/\/127\.0\.0\.1:\d+: connection failed/);
    assert.ok(!err.message.includes(TOKEN));
    return true;
  });
});

test('an HA pair with one member down: delivered to the other, the failure logged; both down: a retryable error naming both', async () => {
  const down = `http://127.0.0.1:${await freePort()}`;
  const cap = capturingLog();
  const cfg: AlertmanagerConfig = { name: 'am', type: 'alertmanager', url: [servers[0]!.url, down], ca: caFile };
  const n = servers[0]!.requests.length;
  await alertmanager.send(sampleEvent(), cfg, ctx(cap.log));
  assert.equal(servers[0]!.requests.length, n + 1);
  assert.match(cap.text(), /alertmanager am at http:\/\/127\.0\.0\.1:\d+ refused the alerts; delivered to the others/);

  await assert.rejects(alertmanager.send(sampleEvent(), { ...cfg, url: [down, down] }, ctx()), (err) => {
    assert.ok(isNotifyError(err));
    assert.equal(err.retryable, true);
    assert.equal(err.message.split('; ').length, 2);
    return true;
  });
});

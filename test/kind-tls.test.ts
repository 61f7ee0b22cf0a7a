import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createCa, createServerCert } from './helpers/pki.js';
import { closedPort, silentServer, writeFiles } from './helpers/mtls-server.js';
import { effectivePort, tlsKind, type TlsCredential } from '../src/kinds/tls.js';
import { buildConfig } from '../src/config/load.js';

const ctx = { now: new Date(), log: pino({ level: 'silent' }) };

describe('tls kind', () => {
  let ca: Awaited<ReturnType<typeof createCa>>;
  let leafNotAfter: Date;
  let files: ReturnType<typeof writeFiles>;
  let srv: https.Server;
  let port: number;

  before(async () => {
    ca = await createCa({ cn: 'credwatch test endpoint CA' });
    leafNotAfter = new Date(Math.floor((Date.now() + 40 * 86_400_000) / 1000) * 1000);
    const leaf = await createServerCert(ca, { notAfter: leafNotAfter });
    files = writeFiles({ 'ca.pem': ca.cert });
    // Serves leaf + CA, as many servers do.
    srv = https.createServer({ key: leaf.key, cert: leaf.cert + ca.cert }, (_q, res) => res.end('ok'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as AddressInfo).port;
  });
  after(async () => {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
    files.cleanup();
  });

  const cred = (over: Partial<TlsCredential> = {}): TlsCredential => ({
    id: 'api-tls',
    kind: 'tls',
    renewalLeadDays: 14,
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: files.path('ca.pem'),
    ...over,
  });

  test('records every served certificate; a chain that verifies for the name has no finding', async () => {
    const obs = await tlsKind.inspect(cred(), ctx);
    assert.equal(obs.error, undefined);
    assert.deepEqual(obs.findings, []);
    assert.deepEqual(obs.expiries.map((e) => [e.source, e.expiresAt.toISOString()]), [
      ['certificate', leafNotAfter.toISOString()],
      ['certificate.chain[1]', new Date(Math.floor(ca.notAfter.getTime() / 1000) * 1000).toISOString()],
    ]);
    assert.equal(obs.certificates[0]!.subject, 'CN=localhost');
    assert.equal(obs.certificates[1]!.subject, 'CN=credwatch test endpoint CA');
  });

  test('a chain we do not trust is a critical finding, with the dates still recorded', async () => {
    const obs = await tlsKind.inspect(cred({ ca: undefined }), ctx);
    assert.equal(obs.error, undefined);
    assert.equal(obs.expiries.length, 2);
    assert.deepEqual(obs.findings, [
      {
        level: 'critical',
        reason: `the chain served by 127.0.0.1:${port} does not verify for localhost (SELF_SIGNED_CERT_IN_CHAIN): the chain ends in a CA that is not trusted (set \`ca\` for a private CA)`,
      },
    ]);
  });

  test('a certificate not valid for the servername is a critical finding', async () => {
    const obs = await tlsKind.inspect(cred({ servername: 'api.example.com' }), ctx);
    assert.equal(obs.findings.length, 1);
    assert.equal(obs.findings[0]!.level, 'critical');
    assert.match(obs.findings[0]!.reason, /does not verify for api\.example\.com \(ERR_TLS_CERT_ALTNAME_INVALID\): the certificate is not valid for this name/);
  });

  test('connection refused: the endpoint could not be inspected', async () => {
    const closed = await closedPort();
    const obs = await tlsKind.inspect(cred({ port: closed }), ctx);
    assert.deepEqual(obs.error, { code: 'connection', message: `cannot connect to 127.0.0.1:${closed}: connection refused` });
    assert.equal(obs.expiries.length, 0);
  });

  test('a server that never answers the handshake times out', async () => {
    const s = await silentServer();
    try {
      const obs = await tlsKind.inspect(cred({ port: s.port, timeoutMs: 200 }), ctx);
      assert.deepEqual(obs.error, { code: 'timeout', message: `no TLS handshake with 127.0.0.1:${s.port} within 200 ms` });
    } finally {
      await s.close();
    }
  });

  test('config: port defaults to 443; host without scheme', () => {
    const { config } = buildConfig({ credentials: [{ id: 't', kind: 'tls', host: 'api.example.com' }] }, '/tmp/x/credwatch.yaml', {});
    assert.equal(effectivePort(config.credentials[0] as TlsCredential), 443);
    assert.throws(() => buildConfig({ credentials: [{ id: 't', kind: 'tls', host: 'https://api.example.com' }] }, '/tmp/x/credwatch.yaml', {}), /credentials\[0\]\.host/);
  });
});

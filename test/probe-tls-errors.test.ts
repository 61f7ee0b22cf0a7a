import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCa, createClientCert, createMtlsPki } from './helpers/pki.js';
import { closedPort, closeState, json, probeContext, silentServer, startServer, tokenReply, writeFiles, type TestServer, claraCred } from './helpers/mtls-server.js';
import { probeClara, type ClaraProbeCredential } from '../src/kinds/clara.js';
import { runBearerProbe } from '../src/probe/bearer-probe.js';
import { Secret } from '../src/secret.js';

describe('probe: connection and TLS failures', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;
  let hang: TestServer;

  before(async () => {
    pki = await createMtlsPki();
    const otherCa = await createCa({ cn: 'credwatch test other CA' });
    const other = await createClientCert(otherCa);
    files = writeFiles({
      'client.crt': pki.client.cert,
      'client.key': pki.client.key,
      'ca.pem': pki.ca.cert,
      'other.crt': other.cert,
      'other.key': other.key,
    });
    srv = await startServer(pki, (req, res) => {
      if (req.path === '/oauth/token') return json(res, 200, tokenReply('tok-1'));
      json(res, 200, { data: [] });
    });
    // Accepts the TLS connection and the request, never answers the call.
    hang = await startServer(pki, (req, res) => {
      if (req.path === '/oauth/token' && !req.headers['x-hang-token']) return json(res, 200, tokenReply('tok-2'));
      void res; // never answered; closed by the test's teardown
    });
  });
  after(async () => {
    await srv.close();
    await hang.close();
    files.cleanup();
  });

  const cred = (over: Partial<ClaraProbeCredential> = {}) => claraCred(srv.url, files, over);

  const run = async (c: ClaraProbeCredential, timeoutMs = 5000) => {
    const ctx = probeContext({ timeoutMs });
    try {
      return await probeClara(c, ctx);
    } finally {
      await closeState(ctx.state);
    }
  };

  test('the control case passes', async () => {
    const r = await run(cred());
    assert.equal(r.ok, true, JSON.stringify(r.error));
  });

  test('missing client certificate: tls_handshake at stage tls', async () => {
    const ctx = probeContext();
    const r = await runBearerProbe(
      {
        tls: { ca: files.path('ca.pem') },
        auth: { type: 'oauth', grant: { tokenUrl: `${srv.url}/oauth/token`, clientId: 'id', clientSecret: new Secret('secret-xyz') } },
        calls: [{ method: 'GET', url: `${srv.url}/ping` }],
      },
      ctx,
    );
    await closeState(ctx.state);
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'tls');
    assert.equal(r.httpStatus, null);
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(r.error!.message, /requires a client certificate, and none is configured/);
  });

  test('a client certificate from another CA: tls_handshake at stage tls', async () => {
    const r = await run(cred({ certificate: files.path('other.crt'), privateKey: files.path('other.key') }));
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'tls');
    assert.equal(r.httpStatus, null);
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(r.error!.message, /did not accept the client certificate/);
    assert.equal(srv.requests.filter((q) => !q.authorized).length, 0, 'the server never saw an HTTP request');
  });

  test('a server certificate we do not trust (no ca): tls_handshake naming the fix', async () => {
    const r = await run(cred({ ca: undefined }));
    assert.equal(r.stage, 'tls');
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(r.error!.message, /server certificate of 127\.0\.0\.1:\d+ is not trusted \(SELF_SIGNED_CERT_IN_CHAIN.*set `ca`/);
  });

  test('a private key that does not match the certificate: tls_handshake before any connection', async () => {
    const r = await run(cred({ privateKey: files.path('other.key') }));
    assert.equal(r.stage, 'tls');
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(r.error!.message, /does not match certificate/);
  });

  test('connection refused: connection at stage tls', async () => {
    const port = await closedPort();
    const r = await run(cred({ baseUrl: `https://127.0.0.1:${port}` }));
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'tls');
    assert.equal(r.httpStatus, null);
    assert.equal(r.error?.code, 'connection');
    assert.equal(r.error?.message, `connection refused by 127.0.0.1:${port}: nothing listens there; check the URL and whether the service is up`);
  });

  test('a server that never completes the handshake: timeout at stage tls', async () => {
    const s = await silentServer();
    try {
      const t0 = Date.now();
      const r = await run(cred({ baseUrl: `https://127.0.0.1:${s.port}` }), 300);
      assert.equal(r.stage, 'tls');
      assert.equal(r.error?.code, 'timeout');
      assert.match(r.error!.message, /no TLS connection to 127\.0\.0\.1:\d+ within 300 ms/);
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await s.close();
    }
  });

  test('a test call that never gets an answer: timeout at stage call', async () => {
    const t0 = Date.now();
    const r = await run(cred({ baseUrl: hang.url }), 300);
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'call');
    assert.equal(r.httpStatus, null);
    assert.equal(r.error?.code, 'timeout');
    assert.equal(r.error?.message, 'GET /api/v3/transactions at 127.0.0.1:' + hang.port + ' did not answer within 300 ms');
    assert.ok(Date.now() - t0 < 3000);
  });

  test('a token endpoint that never answers: timeout at stage token', async () => {
    const ctx = probeContext({ timeoutMs: 300 });
    const r = await runBearerProbe(
      {
        tls: { certificate: files.path('client.crt'), privateKey: files.path('client.key'), ca: files.path('ca.pem') },
        auth: { type: 'oauth', grant: { tokenUrl: `${hang.url}/oauth/token`, clientId: 'id', clientSecret: new Secret('secret-xyz'), headers: { 'x-hang-token': '1' } } },
        calls: [{ method: 'GET', url: `${hang.url}/ping` }],
      },
      ctx,
    );
    await closeState(ctx.state);
    assert.equal(r.stage, 'token');
    assert.equal(r.error?.code, 'timeout');
    assert.match(r.error!.message, /^the token endpoint at 127\.0\.0\.1:\d+ did not answer within 300 ms$/);
  });
});

describe('probe: a certificate renewed in place', () => {
  test('the next probe uses the new files (the Agent is rebuilt), an unchanged file keeps the Agent', async () => {
    const pki = await createMtlsPki();
    const otherCa = await createCa({ cn: 'credwatch test other CA' });
    const other = await createClientCert(otherCa);
    const renewed = await createClientCert(pki.ca);
    const files = writeFiles({ 'client.crt': pki.client.cert, 'client.key': pki.client.key, 'ca.pem': pki.ca.cert });
    const srv = await startServer(pki, (req, res) => (req.path === '/oauth/token' ? json(res, 200, tokenReply('t')) : json(res, 200, {})));
    const state = new Map<string, unknown>();
    const cred = claraCred(srv.url, files, { id: 'c', clientSecret: new Secret('s') });
    const { writeFileSync } = await import('node:fs');
    try {
      assert.equal((await probeClara(cred, probeContext({ state }))).ok, true);
      const agent = state.get('probe.agent');
      assert.equal((await probeClara(cred, probeContext({ state }))).ok, true);
      assert.equal(state.get('probe.agent'), agent);
      // Replaced by a certificate the server does not trust: the probe must notice.
      writeFileSync(files.path('client.crt'), other.cert);
      writeFileSync(files.path('client.key'), other.key);
      const bad = await probeClara(cred, probeContext({ state }));
      assert.equal(bad.error?.code, 'tls_handshake');
      writeFileSync(files.path('client.crt'), renewed.cert);
      writeFileSync(files.path('client.key'), renewed.key);
      assert.equal((await probeClara(cred, probeContext({ state }))).ok, true);
    } finally {
      await closeState(state);
      await srv.close();
      files.cleanup();
    }
  });
});

// `ca` replaces the system roots, and one SecureContext (and one Agent) per distinct TLS material.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCa, createClientCert, createMtlsPki, createServerCert } from './helpers/pki.js';
import { claraCred, closeState, json, probeContext, startServer, tokenReply, writeFiles, type TestServer } from './helpers/mtls-server.js';
import { probeClara } from '../src/kinds/clara.js';
import { AGENT_STATE_KEY, liveAgents, type ProbeAgent } from '../src/probe/agent.js';
import { secureContextFor } from '../src/probe/tls-material.js';
import { Secret } from '../src/secret.js';

const agentOf = (state: Map<string, unknown>) => (state.get(AGENT_STATE_KEY) as { agent: ProbeAgent }).agent;

describe('probe: `ca` is the only trust for the server', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let publicLooking: TestServer;
  let publicCaPem: string;

  before(async () => {
    pki = await createMtlsPki();
    // A server whose certificate comes from a CA that looks like a public one, not the configured `ca`.
    const publicCa = await createCa({ cn: 'GTS Root R1 (credwatch test)' });
    publicCaPem = publicCa.cert;
    const publicServer = await createServerCert(publicCa);
    const otherCa = await createCa({ cn: 'credwatch test unrelated CA' });
    files = writeFiles({
      'client.crt': pki.client.cert,
      'client.key': pki.client.key,
      'ca.pem': pki.ca.cert,
      'other-ca.pem': otherCa.cert,
      'bundle.pem': otherCa.cert + pki.ca.cert,
    });
    // It trusts our client CA, so only the server side of the handshake can fail.
    publicLooking = await startServer({ ca: pki.ca, server: publicServer }, (req, res) =>
      req.path === '/oauth/token' ? json(res, 200, tokenReply('t')) : json(res, 200, { data: [] }),
    );
  });
  after(async () => {
    await publicLooking.close();
    files.cleanup();
  });

  const run = async (ca: string | undefined) => {
    const ctx = probeContext();
    try {
      return await probeClara(claraCred(publicLooking.url, files, { ca }), ctx);
    } finally {
      await closeState(ctx.state);
    }
  };

  test('a server signed by a CA that is not in `ca` fails with tls_handshake, before any request', async () => {
    const r = await run(files.path('other-ca.pem'));
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'tls');
    assert.equal(r.httpStatus, null);
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(
      r.error!.message,
      /^the server certificate of 127\.0\.0\.1:\d+ is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\): it is not issued by the configured `ca`, which replaces the system roots: set `ca` to the CA that issued it, or remove `ca` for a publicly trusted server$/,
    );
    assert.equal(publicLooking.requests.length, 0);
  });

  test('without `ca`, the system roots apply (the test CA is not among them)', async () => {
    const r = await run(undefined);
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(r.error!.message, /is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\): if it is issued by a private CA, set `ca`$/);
  });

  test('the CA in Node\'s default store (NODE_EXTRA_CA_CERTS) is trusted without `ca`, and not with another `ca`', async () => {
    // A child process whose default store holds the server's CA, as a system root would be.
    writeFileSync(files.path('public-ca.pem'), publicCaPem);
    const script = `
      import { probeClara } from './src/kinds/clara.ts';
      import { claraCred, probeContext, closeState } from './test/helpers/mtls-server.ts';
      const files = { path: (n) => ${JSON.stringify(files.dir)} + '/' + n };
      const out = [];
      for (const ca of [undefined, files.path('other-ca.pem')]) {
        const ctx = probeContext();
        const r = await probeClara(claraCred(${JSON.stringify(publicLooking.url)}, files, { ca }), ctx);
        await closeState(ctx.state);
        out.push(r.ok ? 'ok' : r.error.code);
      }
      console.log(JSON.stringify(out));`;
    // Asynchronous: the server answering it lives in this process.
    const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: files.path('public-ca.pem') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.deepEqual(JSON.parse(child.stdout.trim().split('\n').pop()!), ['ok', 'tls_handshake']);
  });

  test('a `ca` bundle trusts each CA in it, and only those', async () => {
    const srv = await startServer(pki, (req, res) => (req.path === '/oauth/token' ? json(res, 200, tokenReply('t')) : json(res, 200, { data: [] })));
    const ctx = probeContext();
    try {
      const r = await probeClara(claraCred(srv.url, files, { ca: files.path('bundle.pem') }), ctx);
      assert.equal(r.ok, true, JSON.stringify(r.error));
    } finally {
      await closeState(ctx.state);
      await srv.close();
    }
  });
});

describe('probe: one TLS context per distinct material', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;

  before(async () => {
    pki = await createMtlsPki();
    const second = await createClientCert(pki.ca, { cn: 'credwatch test second client' });
    files = writeFiles({
      'client.crt': pki.client.cert,
      'client.key': pki.client.key,
      'ca.pem': pki.ca.cert,
      // The same bytes under other names: still the same material.
      'copy.crt': pki.client.cert,
      'copy.key': pki.client.key,
      'second.crt': second.cert,
      'second.key': second.key,
    });
    srv = await startServer(pki, (req, res) => (req.path === '/oauth/token' ? json(res, 200, tokenReply(`t-${req.headers.authorization}`)) : json(res, 200, { data: [] })));
  });
  after(async () => {
    await srv.close();
    files.cleanup();
  });

  test('two credentials with the same certificate, key and ca share one context and one Agent; another identity gets its own', async () => {
    const states = [new Map<string, unknown>(), new Map<string, unknown>(), new Map<string, unknown>()];
    const agentsBefore = liveAgents();
    try {
      const creds = [
        claraCred(srv.url, files, { id: 'a', clientId: 'a' }),
        claraCred(srv.url, files, { id: 'b', clientId: 'b', certificate: files.path('copy.crt'), privateKey: files.path('copy.key') }),
        claraCred(srv.url, files, { id: 'c', clientId: 'c', certificate: files.path('second.crt'), privateKey: files.path('second.key') }),
      ];
      for (let i = 0; i < creds.length; i++) {
        const r = await probeClara(creds[i]!, probeContext({ state: states[i] }));
        assert.equal(r.ok, true, JSON.stringify(r.error));
      }
      const [a, b, c] = states.map(agentOf);
      assert.equal(a!.tls, b!.tls, 'same material: the same SecureContext');
      assert.equal(a!.tls.context, b!.tls.context);
      assert.equal(a!.dispatcher, b!.dispatcher, 'same material and timeout: the same Agent');
      assert.notEqual(a!.tls.context, c!.tls.context);
      assert.notEqual(a!.dispatcher, c!.dispatcher);
      assert.equal(liveAgents(), agentsBefore + 2);
      // Each credential still asks for its own token.
      assert.equal(srv.count('/oauth/token'), 3);
      // Unchanged files: the next lookup is the same object, no rebuild.
      assert.equal(secureContextFor({ certificate: files.path('client.crt'), privateKey: files.path('client.key'), ca: files.path('ca.pem') }), a!.tls);

      // The Agent stays open while one credential still uses it.
      await closeState(states[0]!);
      assert.equal(liveAgents(), agentsBefore + 2);
      assert.equal((await probeClara(creds[1]!, probeContext({ state: states[1] }))).ok, true);
      await closeState(states[1]!);
      assert.equal(liveAgents(), agentsBefore + 1);
    } finally {
      for (const s of states) await closeState(s);
    }
    assert.equal(liveAgents(), agentsBefore);
  });

  test('a different timeout gets its own Agent over the same context', async () => {
    const s1 = new Map<string, unknown>();
    const s2 = new Map<string, unknown>();
    try {
      const cred = claraCred(srv.url, files, { id: 'x' });
      assert.equal((await probeClara(cred, probeContext({ state: s1, timeoutMs: 5000 }))).ok, true);
      assert.equal((await probeClara(cred, probeContext({ state: s2, timeoutMs: 6000 }))).ok, true);
      assert.equal(agentOf(s1).tls, agentOf(s2).tls);
      assert.notEqual(agentOf(s1).dispatcher, agentOf(s2).dispatcher);
    } finally {
      await closeState(s1);
      await closeState(s2);
    }
  });
});

// The probe checks the server's name against its leaf certificate itself (OpenSSL's matching, SANs
// only) and falls back to Node's full check for anything else: these cases pin that the fast path
// accepts exactly what Node accepts and that a mismatch fails with Node's own error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCa, createClientCert, createServerCert, type Issued } from './helpers/pki.js';
import { closeState, json, probeContext, startServer, tokenReply, writeFiles, claraCred, type TestServer } from './helpers/mtls-server.js';
import { probeClara } from '../src/kinds/clara.js';

describe('probe: the server name is checked against its certificate', () => {
  let ca: Issued;
  let files: ReturnType<typeof writeFiles>;
  const servers: TestServer[] = [];

  before(async () => {
    ca = await createCa();
    const client = await createClientCert(ca);
    files = writeFiles({ 'client.crt': client.cert, 'client.key': client.key, 'ca.pem': ca.cert });
  });
  after(async () => {
    for (const s of servers) await s.close();
    files.cleanup();
  });

  /** An mTLS OAuth server whose certificate is issued with `o`; its URL, with `host` in place of 127.0.0.1. */
  const serve = async (o: { dns?: string[]; ips?: string[]; cn?: string }, host = '127.0.0.1') => {
    const server = await createServerCert(ca, { dns: [], ips: [], ...o });
    const srv = await startServer({ ca, server }, (req, res) => {
      if (req.path === '/oauth/token') return json(res, 200, tokenReply('tok-host'));
      json(res, 200, { data: [] });
    });
    servers.push(srv);
    return { srv, url: `https://${host}:${srv.port}` };
  };

  const probe = async (url: string) => {
    const ctx = probeContext();
    try {
      return await probeClara(claraCred(url, files), ctx);
    } finally {
      await closeState(ctx.state);
    }
  };

  test('an IP address in the subject alternative names: accepted', async () => {
    const { url } = await serve({ ips: ['127.0.0.1'] });
    const r = await probe(url);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.stage, 'call');
  });

  test('a DNS name in the subject alternative names: accepted', async () => {
    const { url } = await serve({ dns: ['localhost'] }, 'localhost');
    const r = await probe(url);
    assert.equal(r.ok, true, JSON.stringify(r.error));
  });

  test('a name only in the subject CN (no SANs): accepted, as Node accepts it (legacy CN fallback)', async () => {
    const { url } = await serve({ cn: 'localhost' }, 'localhost');
    const r = await probe(url);
    assert.equal(r.ok, true, JSON.stringify(r.error));
  });

  test('an IP address the certificate does not name: tls_handshake with Node\'s reason, nothing sent', async () => {
    const { srv, url } = await serve({ dns: ['localhost'] });
    const r = await probe(url);
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'tls');
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(r.error!.message, /IP: 127\.0\.0\.1 is not in the cert's list/);
    assert.equal(srv.requests.length, 0);
  });

  test('a wildcard does not match the bare parent name: tls_handshake', async () => {
    const { srv, url } = await serve({ dns: ['*.localhost'] }, 'localhost');
    const r = await probe(url);
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'tls_handshake');
    assert.match(r.error!.message, /Host: localhost\. is not in the cert's altnames: DNS:\*\.localhost/);
    assert.equal(srv.requests.length, 0);
  });
});

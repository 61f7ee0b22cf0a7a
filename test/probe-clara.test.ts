import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMtlsPki } from './helpers/pki.js';
import { closeState, json, probeContext, startServer, tokenReply, writeFiles, type TestServer, claraCred } from './helpers/mtls-server.js';
import { parseClaraCredentials, probeClara, type ClaraProbeCredential } from '../src/kinds/clara.js';
import { Secret } from '../src/secret.js';

const ID = 'clara-client-id';
const SECRET = 'clara-client-secret-1234';
const TOKEN = 'opaque-token-abc';

describe('probeClara', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;

  before(async () => {
    pki = await createMtlsPki();
    files = writeFiles({
      'client.crt': pki.client.cert,
      'client.key': pki.client.key,
      'ca.pem': pki.ca.cert,
      'credentials.json': JSON.stringify({ 'Client ID': ID, 'Client Secret': SECRET, scopes: ['transactions:read'] }),
    });
    srv = await startServer(pki, (req, res) => {
      if (req.path === '/oauth/token') {
        const basic = `Basic ${Buffer.from(`${ID}:${SECRET}`).toString('base64')}`;
        if (req.method !== 'POST' || req.headers.authorization !== basic || req.body !== 'grant_type=client_credentials' || !req.authorized) {
          return json(res, 401, { error: 'invalid_client' });
        }
        return json(res, 200, tokenReply(TOKEN));
      }
      if (req.path === '/api/v3/transactions') {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { message: 'bad token' });
        if (req.headers['x-tax-identifier'] === 'NOPE010101AAA') return json(res, 403, { message: 'not in group' });
        return json(res, 200, { data: [] });
      }
      json(res, 404, {});
    });
  });
  after(async () => {
    await srv.close();
    files.cleanup();
  });

  const cred = (over: Partial<ClaraProbeCredential> = {}) =>
    claraCred(srv.url, files, { clientId: undefined, clientSecret: undefined, credentialsFile: files.path('credentials.json'), ...over });

  test('success with tax identifiers: one token, one call per entity with its X-Tax-Identifier', async () => {
    srv.requests.length = 0;
    const ctx = probeContext();
    const before = Date.now();
    const r = await probeClara(cred({ probe: { taxIdentifiers: ['ACME8001011H0', 'ACMF8001011H1'] } }), ctx);
    await closeState(ctx.state);
    assert.equal(r.ok, true);
    assert.equal(r.stage, 'call');
    assert.equal(r.httpStatus, 200);
    assert.equal(r.error, null);
    assert.deepEqual(r.entities, [
      { taxIdentifier: 'ACME8001011H0', ok: true, httpStatus: 200, error: null },
      { taxIdentifier: 'ACMF8001011H1', ok: true, httpStatus: 200, error: null },
    ]);
    assert.equal(srv.count('/oauth/token'), 1);
    assert.deepEqual(
      srv.requests.filter((q) => q.path === '/api/v3/transactions').map((q) => q.headers['x-tax-identifier']),
      ['ACME8001011H0', 'ACMF8001011H1'],
    );
    const exp = Date.parse(r.tokenExpiresAt!);
    assert.ok(exp >= before + 86_400_000 && exp <= Date.now() + 86_400_000, r.tokenExpiresAt!);
    // The token and test calls share one kept-alive connection.
    assert.ok(srv.requests.every((q) => q.authorized));
  });

  test('every entity is called; the first failing one is the probe error', async () => {
    srv.requests.length = 0;
    const ctx = probeContext();
    const r = await probeClara(cred({ clientId: ID, clientSecret: new Secret(SECRET), credentialsFile: undefined, probe: { taxIdentifiers: ['ACME8001011H0', 'NOPE010101AAA', 'ACMF8001011H1'] } }), ctx);
    await closeState(ctx.state);
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'call');
    assert.equal(r.httpStatus, 403);
    assert.equal(r.error?.code, 'forbidden');
    assert.match(r.error!.message, /NOPE010101AAA/);
    assert.deepEqual(
      r.entities!.map((e) => [e.taxIdentifier, e.ok, e.httpStatus, e.error?.code ?? null]),
      [
        ['ACME8001011H0', true, 200, null],
        ['NOPE010101AAA', false, 403, 'forbidden'],
        ['ACMF8001011H1', true, 200, null],
      ],
    );
    assert.equal(srv.count('/api/v3/transactions'), 3);
  });

  test('without tax identifiers: one GET on probe.path, no entities', async () => {
    srv.requests.length = 0;
    const ctx = probeContext();
    const r = await probeClara(cred(), ctx);
    await closeState(ctx.state);
    assert.equal(r.ok, true);
    assert.equal(r.entities, undefined);
    assert.deepEqual(srv.requests.map((q) => `${q.method} ${q.path}`), ['POST /oauth/token', 'GET /api/v3/transactions']);
  });

  test('an unreadable credentials file is reported, not thrown', async () => {
    const ctx = probeContext();
    const r = await probeClara(cred({ credentialsFile: files.path('missing.json') }), ctx);
    await closeState(ctx.state);
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'token_rejected');
    assert.match(r.error!.message, /missing\.json/);
  });
});

describe('parseClaraCredentials', () => {
  test('accepts snake_case, camelCase and the dashboard labels', () => {
    assert.deepEqual(parseClaraCredentials('{"client_id":"a","client_secret":"b","scopes":["x","y"]}'), { clientId: 'a', clientSecret: 'b', scopes: ['x', 'y'] });
    assert.deepEqual(parseClaraCredentials('{"clientId":"a","clientSecret":"b"}'), { clientId: 'a', clientSecret: 'b', scopes: [] });
    assert.deepEqual(parseClaraCredentials('{"Client ID":"a","Client Secret":"b","scope":"x y"}'), { clientId: 'a', clientSecret: 'b', scopes: ['x', 'y'] });
  });
  test('clear errors that never quote the content', () => {
    assert.throws(() => parseClaraCredentials('{"client_secret": "s3cr3t-canary"'), (e: Error) => /not valid JSON/.test(e.message) && !e.message.includes('canary'));
    assert.throws(() => parseClaraCredentials('[]'), /must hold a JSON object/);
    assert.throws(() => parseClaraCredentials('{"client_id":"a"}'), /has no client_secret/);
    assert.throws(() => parseClaraCredentials('{}'), /has no client_id and no client_secret/);
  });
});

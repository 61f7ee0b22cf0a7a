import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMtlsPki } from './helpers/pki.js';
import { closeState, json, probeContext, startServer, tokenReply, writeFiles, type Handler, type TestServer } from './helpers/mtls-server.js';
import { clarusKind, probeClarus, CLARUS_TOKEN_URL, type ClarusCredential } from '../src/kinds/clarus.js';
import { buildConfig } from '../src/config/load.js';
import { ConfigError } from '../src/config/schema.js';
import { Secret } from '../src/secret.js';

describe('clarus kind: probe', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;

  before(async () => {
    pki = await createMtlsPki();
    files = writeFiles({ 'ca.pem': pki.ca.cert });
    srv = await startServer(pki, () => undefined, { requestCert: false });
  });
  after(async () => {
    await srv.close();
    files.cleanup();
  });
  beforeEach(() => {
    srv.requests.length = 0;
  });

  const cred = (over: Partial<ClarusCredential> = {}): ClarusCredential => ({
    id: 'clarus-test',
    kind: 'clarus',
    renewalLeadDays: 14,
    subdomain: 'acme',
    ca: files.path('ca.pem'),
    oauth: { tokenUrl: `${srv.url}/oauth/token`, clientId: 'wms-client', clientSecret: new Secret('wms-secret') },
    probe: { url: `${srv.url}/graphql`, graphql: '{ warehouses { id } }' },
    ...over,
  });
  const run = async (c: ClarusCredential, handler: Handler) => {
    srv.setHandler(handler);
    const ctx = probeContext();
    try {
      return await probeClarus(c, ctx);
    } finally {
      await closeState(ctx.state);
    }
  };
  const graphql = (reply: unknown, status = 200): Handler => (req, res) =>
    req.path === '/oauth/token' ? json(res, 200, tokenReply('wms-token', 3600)) : json(res, status, reply);

  test('GraphQL success: POST of the query, bearer token and X-Clarus-Subdomain on every request', async () => {
    const r = await run(cred(), graphql({ data: { warehouses: [] } }));
    assert.equal(r.ok, true);
    assert.equal(r.stage, 'call');
    assert.equal(r.httpStatus, 200);
    assert.deepEqual(srv.requests.map((q) => [q.method, q.path, q.headers['x-clarus-subdomain']]), [
      ['POST', '/oauth/token', 'acme'],
      ['POST', '/graphql', 'acme'],
    ]);
    const call = srv.requests[1]!;
    assert.equal(call.headers.authorization, 'Bearer wms-token');
    assert.equal(call.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(call.body), { query: '{ warehouses { id } }' });
  });

  test('a GraphQL errors reply with HTTP 200 is bad_response', async () => {
    const r = await run(cred(), graphql({ data: null, errors: [{ message: 'Cannot query field "warehouses" on type "Query".' }, { message: 'x' }] }));
    assert.deepEqual(
      { ok: r.ok, stage: r.stage, httpStatus: r.httpStatus, code: r.error?.code },
      { ok: false, stage: 'call', httpStatus: 200, code: 'bad_response' },
    );
    assert.equal(r.error?.message, 'POST /graphql answered with GraphQL errors: Cannot query field "warehouses" on type "Query". (and 1 more)');
  });

  test('a GraphQL reply that is not JSON is bad_response', async () => {
    const r = await run(cred(), (req, res) => {
      if (req.path === '/oauth/token') return json(res, 200, tokenReply('wms-token'));
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    assert.equal(r.error?.code, 'bad_response');
    assert.match(r.error!.message, /not JSON: probe.url is probably not the GraphQL endpoint/);
  });

  test('REST: a GET with a static token; a missing tenant header is what the server says (403)', async () => {
    const handler: Handler = (req, res) =>
      req.headers['x-clarus-subdomain'] === 'acme' && req.headers.authorization === 'Bearer static-tok' ? json(res, 200, []) : json(res, 403, {});
    const ok = await run(cred({ oauth: undefined, token: new Secret('static-tok'), probe: { url: `${srv.url}/api/v1/items?limit=1` } }), handler);
    assert.equal(ok.ok, true);
    assert.deepEqual(srv.requests.map((q) => `${q.method} ${q.path}`), ['GET /api/v1/items?limit=1']);
    const wrongTenant = await run(cred({ oauth: undefined, subdomain: 'other', token: new Secret('static-tok'), probe: { url: `${srv.url}/api/v1/items` } }), handler);
    assert.equal(wrongTenant.error?.code, 'forbidden');
    assert.equal(wrongTenant.stage, 'call');
  });

  test('a static token refused: unauthorized with no token request, the JWT expiry named', async () => {
    const exp = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);
    const token = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.s`;
    const r = await run(cred({ oauth: undefined, token: new Secret(token), probe: { url: `${srv.url}/api/v1/items` } }), (_q, res) => json(res, 401, {}));
    assert.equal(r.error?.code, 'unauthorized');
    assert.equal(r.tokenExpiresAt, '2026-01-01T00:00:00.000Z');
    assert.equal(r.error?.message, 'GET /api/v1/items refused the configured token (HTTP 401) (it expired at 2026-01-01T00:00:00.000Z): issue a new token and update the config');
    assert.equal(srv.count('/oauth/token'), 0);
  });

  test('refresh-token grant', async () => {
    const r = await run(cred({ oauth: { tokenUrl: `${srv.url}/oauth/token`, refreshToken: new Secret('rt-1'), scope: 'wms' } }), graphql({ data: {} }));
    assert.equal(r.ok, true);
    assert.equal(srv.requests[0]!.body, 'grant_type=refresh_token&refresh_token=rt-1&scope=wms');
  });
});

describe('clarus kind: config', () => {
  const load = (creds: unknown[]) => buildConfig({ credentials: creds }, '/tmp/credwatch-test/credwatch.yaml', {});
  const base = { kind: 'clarus', subdomain: 'acme', probe: { url: 'https://clarus.example/api/ping' } };

  test('oauth.tokenUrl defaults to the provider endpoint', () => {
    const { config } = load([{ id: 'c1', ...base, oauth: { clientId: 'a', clientSecret: 'b' } }]);
    assert.equal((config.credentials[0] as ClarusCredential).oauth?.tokenUrl, CLARUS_TOKEN_URL);
  });

  test('token or oauth, exactly one; oauth needs a client or a refresh token', () => {
    const problems = (creds: unknown[]) => {
      try {
        load(creds);
        return [];
      } catch (err) {
        return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
      }
    };
    assert.deepEqual(problems([{ id: 'c1', ...base }]), ['credentials[0].token: set token, or oauth (clientId and clientSecret, or a refreshToken)']);
    assert.deepEqual(problems([{ id: 'c1', ...base, token: 't', oauth: { refreshToken: 'r' } }]), ['credentials[0].oauth: set either token or oauth, not both']);
    assert.deepEqual(problems([{ id: 'c1', ...base, oauth: { clientId: 'a' } }]), ['credentials[0].oauth: set clientId and clientSecret (client credentials), or refreshToken']);
    assert.deepEqual(problems([{ id: 'c1', ...base, token: 't', probe: {} }]), ['credentials[0].probe.url: is required']);
  });

  test('lint: one API account or client id across environments is a warning naming both', () => {
    const { warnings } = load([
      { id: 'clarus-prod', ...base, account: 'api@acme.example', environment: 'production', token: 't' },
      { id: 'clarus-test', ...base, account: 'API@acme.example', environment: 'test', token: 't' },
      { id: 'clarus-prod-2', ...base, account: 'api@acme.example', environment: 'production', token: 't' },
      { id: 'clarus-dev', ...base, account: 'dev@acme.example', environment: 'development', oauth: { clientId: 'shared', clientSecret: 's' } },
      { id: 'clarus-stg', ...base, account: 'stg@acme.example', environment: 'staging', oauth: { clientId: 'shared', clientSecret: 's' } },
    ]);
    assert.deepEqual(
      warnings.filter((w) => w.path !== 'defaults.notify').map((w) => [w.level, w.message.split(':')[0]]),
      [
        ['warning', 'credentials "clarus-prod" (environment production) and "clarus-test" (environment test) share one Clarus API account'],
        ['warning', 'credentials "clarus-test" (environment test) and "clarus-prod-2" (environment production) share one Clarus API account'],
        ['warning', 'credentials "clarus-dev" (environment development) and "clarus-stg" (environment staging) share one OAuth client id'],
      ],
    );
    assert.equal(clarusKind.lint!([]).length, 0);
  });

  test('inspect: nothing to date; an unreadable ca is an error', async () => {
    const obs = await clarusKind.inspect(
      { id: 'c', kind: 'clarus', renewalLeadDays: 14, subdomain: 'a', token: new Secret('t'), ca: '/nonexistent/ca.pem', probe: { url: 'https://x/' } },
      { now: new Date(), log: undefined as never },
    );
    assert.equal(obs.expiries.length, 0);
    assert.equal(obs.error?.code, 'file_missing');
    assert.match(obs.error!.message, /ca \/nonexistent\/ca\.pem does not exist/);
  });
});

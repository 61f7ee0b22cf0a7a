import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMtlsPki } from './helpers/pki.js';
import { closeState, json, probeContext, startServer, tokenReply, writeFiles, type Handler, type TestServer } from './helpers/mtls-server.js';
import { runBearerProbe, type ProbeOptions } from '../src/probe/bearer-probe.js';
import type { TokenGrant } from '../src/probe/oauth.js';
import { Secret } from '../src/secret.js';

const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('probe: OAuth 2.0 token endpoint', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;
  let state: Map<string, unknown>;

  before(async () => {
    pki = await createMtlsPki();
    files = writeFiles({ 'client.crt': pki.client.cert, 'client.key': pki.client.key, 'ca.pem': pki.ca.cert });
    srv = await startServer(pki, () => undefined);
  });
  after(async () => {
    await srv.close();
    files.cleanup();
  });
  beforeEach(() => {
    srv.requests.length = 0;
    state = new Map();
  });

  /** Token endpoint `token`, API `/api` answering 200 to any bearer in `accepted` (all when empty). */
  const serve = (token: Handler, accepted: string[] = []) =>
    srv.setHandler((req, res) => {
      if (req.path === '/oauth/token') return token(req, res);
      const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (accepted.length && !accepted.includes(bearer)) return json(res, 401, {});
      json(res, 200, { ok: true });
    });

  const probe = async (grant: Partial<TokenGrant> = {}, opts: ProbeOptions = {}, keep = false) => {
    const ctx = probeContext({ state, timeoutMs: 3000 });
    const r = await runBearerProbe(
      {
        tls: { certificate: files.path('client.crt'), privateKey: files.path('client.key'), ca: files.path('ca.pem') },
        auth: { type: 'oauth', grant: { tokenUrl: `${srv.url}/oauth/token`, clientId: 'the-client', clientSecret: new Secret('the-secret'), ...grant } },
        calls: [{ method: 'GET', url: `${srv.url}/api` }],
      },
      ctx,
      opts,
    );
    if (!keep) await closeState(state);
    return r;
  };

  test('wrong client secret (401 invalid_client): token_rejected at stage token', async () => {
    serve((_q, res) => json(res, 401, { error: 'invalid_client', error_description: 'Bad credentials' }));
    const r = await probe();
    assert.deepEqual(
      { ok: r.ok, stage: r.stage, httpStatus: r.httpStatus, code: r.error?.code },
      { ok: false, stage: 'token', httpStatus: 401, code: 'token_rejected' },
    );
    assert.equal(
      r.error?.message,
      `the token endpoint ${srv.url}/oauth/token refused the request (HTTP 401 invalid_client (Bad credentials)): the client id or secret is wrong, or the client was disabled (a renewed project comes with new ones)`,
    );
    assert.equal(srv.count('/api'), 0);
  });

  test('400 invalid_client is token_rejected too', async () => {
    serve((_q, res) => json(res, 400, { error: 'invalid_client' }));
    const r = await probe();
    assert.equal(r.error?.code, 'token_rejected');
    assert.equal(r.httpStatus, 400);
    assert.equal(r.stage, 'token');
  });

  test('the request is a form POST with HTTP Basic, and scope when set', async () => {
    serve((_q, res) => json(res, 200, tokenReply('t1')));
    const r = await probe({ scope: 'read write' });
    assert.equal(r.ok, true);
    const q = srv.requests[0]!;
    assert.equal(q.method, 'POST');
    assert.equal(q.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(q.headers.authorization, `Basic ${Buffer.from('the-client:the-secret').toString('base64')}`);
    assert.equal(q.body, 'grant_type=client_credentials&scope=read+write');
  });

  test('clientAuth body: id and secret in the form, no Authorization header', async () => {
    serve((_q, res) => json(res, 200, tokenReply('t1')));
    await probe({ clientAuth: 'body' });
    const q = srv.requests[0]!;
    assert.equal(q.headers.authorization, undefined);
    assert.equal(q.body, 'grant_type=client_credentials&client_id=the-client&client_secret=the-secret');
  });

  test('an HTML page: bad_token_response', async () => {
    serve((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body>Sign in</body></html>');
    });
    const r = await probe();
    assert.equal(r.stage, 'token');
    assert.equal(r.httpStatus, 200);
    assert.equal(r.error?.code, 'bad_token_response');
    assert.match(r.error!.message, /with an HTML page \(text\/html\) instead of JSON: tokenUrl probably points at a web page/);
  });

  test('an empty body: bad_token_response', async () => {
    serve((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' });
      res.end();
    });
    const r = await probe();
    assert.equal(r.error?.code, 'bad_token_response');
    assert.equal(r.stage, 'token');
    assert.match(r.error!.message, /answered HTTP 200 with an empty body$/);
  });

  test('JSON without access_token: bad_token_response', async () => {
    serve((_q, res) => json(res, 200, { token_type: 'Bearer', expires_in: 3600 }));
    const r = await probe();
    assert.equal(r.error?.code, 'bad_token_response');
    assert.match(r.error!.message, /JSON but no access_token/);
  });

  test('expires_in missing: an opaque token works, its expiry is unknown', async () => {
    serve((_q, res) => json(res, 200, tokenReply('opaque', null)));
    const r = await probe();
    assert.equal(r.ok, true);
    assert.equal(r.stage, 'call');
    assert.equal(r.tokenExpiresAt, null);
  });

  test('expires_in missing: a JWT token expires at its exp claim', async () => {
    const exp = Math.floor(Date.now() / 1000) + 7200;
    serve((_q, res) => json(res, 200, tokenReply(jwt({ sub: 'x', exp }), null)));
    const r = await probe();
    assert.equal(r.ok, true);
    assert.equal(r.tokenExpiresAt, new Date(exp * 1000).toISOString());
  });

  test('a JWT exp earlier than expires_in wins', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    serve((_q, res) => json(res, 200, tokenReply(jwt({ exp }), 86400)));
    const r = await probe();
    assert.equal(r.tokenExpiresAt, new Date(exp * 1000).toISOString());
  });

  for (const chunked of [false, true]) {
    test(`a 20 MB body${chunked ? ' (chunked)' : ''}: bad_token_response without reading it all`, async () => {
      const size = 20 * 1024 * 1024;
      let sent = 0;
      serve((_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(size) }) });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (sent < size) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => undefined);
        res.socket?.on('error', () => undefined);
        pump();
      });
      const r = await probe();
      assert.equal(r.stage, 'token');
      assert.equal(r.httpStatus, 200);
      assert.equal(r.error?.code, 'bad_token_response');
      assert.match(r.error!.message, /sent more than 1 MiB \(HTTP 200\): that is not a token reply/);
      assert.ok(sent < size, `stopped reading early (server wrote ${sent} bytes)`);
    });
  }

  test('token caching across probes: one token request, however often the probe runs', async () => {
    serve((_q, res) => json(res, 200, tokenReply('cached-token', 86400)), ['cached-token']);
    for (let i = 0; i < 5; i++) {
      const r = await probe({}, {}, true);
      assert.equal(r.ok, true);
    }
    await closeState(state);
    assert.equal(srv.count('/oauth/token'), 1);
    assert.equal(srv.count('/api'), 5);
  });

  test('concurrent probes share one token request', async () => {
    serve((_q, res) => setTimeout(() => json(res, 200, tokenReply('shared', 86400)), 50), ['shared']);
    const results = await Promise.all(Array.from({ length: 10 }, () => probe({}, {}, true)));
    await closeState(state);
    assert.ok(results.every((r) => r.ok));
    assert.equal(srv.count('/oauth/token'), 1);
  });

  test('proactive refresh: a new token shortly before expires_in runs out, never after a failure', async () => {
    let n = 0;
    serve((_q, res) => json(res, 200, tokenReply(`tok-${++n}`, 3600)), ['tok-1', 'tok-2']);
    let now = Date.parse('2026-11-22T10:00:00Z');
    const clock = () => now;
    const first = await probe({}, { clock }, true);
    assert.equal(first.tokenExpiresAt, '2026-11-22T11:00:00.000Z');
    // Refresh margin: a tenth of the life, at most 5 minutes → 6 minutes before the end here is still cached.
    now = Date.parse('2026-11-22T10:54:00Z');
    assert.equal((await probe({}, { clock }, true)).ok, true);
    assert.equal(srv.count('/oauth/token'), 1);
    now = Date.parse('2026-11-22T10:55:01Z');
    const refreshed = await probe({}, { clock }, true);
    await closeState(state);
    assert.equal(refreshed.ok, true);
    assert.equal(refreshed.tokenExpiresAt, '2026-11-22T11:55:01.000Z');
    assert.equal(srv.count('/oauth/token'), 2);
    assert.deepEqual(
      srv.requests.filter((q) => q.path === '/api').map((q) => [q.headers.authorization, 200]),
      [['Bearer tok-1', 200], ['Bearer tok-1', 200], ['Bearer tok-2', 200]],
    );
  });

  test('refresh-token grant: uses the rotated refresh token the server sent', async () => {
    let n = 0;
    serve((q, res) => {
      n++;
      json(res, 200, { access_token: `rt-access-${n}`, expires_in: 60, refresh_token: `rotated-${n}` });
      void q;
    });
    let now = Date.parse('2026-11-22T10:00:00Z');
    const clock = () => now;
    await probe({ refreshToken: new Secret('configured-refresh') }, { clock }, true);
    now += 61_000;
    await probe({ refreshToken: new Secret('configured-refresh') }, { clock }, true);
    await closeState(state);
    const bodies = srv.requests.filter((q) => q.path === '/oauth/token').map((q) => new URLSearchParams(q.body));
    assert.deepEqual(bodies.map((b) => [b.get('grant_type'), b.get('refresh_token')]), [
      ['refresh_token', 'configured-refresh'],
      ['refresh_token', 'rotated-1'],
    ]);
  });

  test('429 at the token endpoint: rate_limited at stage token, retryAfter set', async () => {
    serve((_q, res) => json(res, 429, { error: 'slow_down' }, { 'retry-after': '120' }));
    const now = Date.parse('2026-11-22T10:00:00Z');
    const r = await probe({}, { clock: () => now });
    assert.equal(r.error?.code, 'rate_limited');
    assert.equal(r.stage, 'token');
    assert.equal(r.retryAfter, '2026-11-22T10:02:00.000Z');
  });

  test('500 at the token endpoint: server_error at stage token', async () => {
    serve((_q, res) => json(res, 500, {}));
    const r = await probe();
    assert.equal(r.error?.code, 'server_error');
    assert.equal(r.stage, 'token');
    assert.equal(r.httpStatus, 500);
  });
});

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMtlsPki } from './helpers/pki.js';
import { closeState, json, probeContext, startServer, tokenReply, writeFiles, type TestServer, claraCred } from './helpers/mtls-server.js';
import { probeClara } from '../src/kinds/clara.js';
import type { ProbeOptions } from '../src/probe/bearer-probe.js';

type Api = (bearer: string, n: number) => { status: number; headers?: Record<string, string> };

describe('probe: API call outcomes', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;
  let api: Api;
  let tokens: number;
  let calls: number;
  let state: Map<string, unknown>;

  before(async () => {
    pki = await createMtlsPki();
    files = writeFiles({ 'client.crt': pki.client.cert, 'client.key': pki.client.key, 'ca.pem': pki.ca.cert });
    srv = await startServer(pki, (req, res) => {
      if (req.path === '/oauth/token') return json(res, 200, tokenReply(`tok-${++tokens}`));
      const out = api(req.headers.authorization?.replace(/^Bearer /, '') ?? '', ++calls);
      json(res, out.status, { status: out.status }, out.headers);
    });
  });
  after(async () => {
    await srv.close();
    files.cleanup();
  });
  beforeEach(() => {
    srv.requests.length = 0;
    tokens = 0;
    calls = 0;
    state = new Map();
  });

  const cred = () => claraCred(srv.url, files);
  const probe = (opts: ProbeOptions = {}) => probeClara(cred(), probeContext({ state }), opts);
  const bearers = () => srv.requests.filter((q) => q.path === '/api/v3/transactions').map((q) => q.headers.authorization);

  test('401 on a cached token: one refresh, exactly one retry, then success', async () => {
    api = () => ({ status: 200 });
    assert.equal((await probe()).ok, true);
    let refused = false;
    api = (bearer) => (bearer === 'tok-1' && !refused ? ((refused = true), { status: 401 }) : { status: 200 });
    const r = await probe();
    await closeState(state);
    assert.equal(r.ok, true);
    assert.equal(r.stage, 'call');
    assert.equal(r.httpStatus, 200);
    assert.equal(tokens, 2);
    assert.deepEqual(bearers(), ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  test('401 every time on a cached token: refresh once, retry once, then unauthorized', async () => {
    api = () => ({ status: 200 });
    await probe();
    api = () => ({ status: 401 });
    const r = await probe();
    assert.deepEqual(
      { ok: r.ok, stage: r.stage, httpStatus: r.httpStatus, code: r.error?.code },
      { ok: false, stage: 'call', httpStatus: 401, code: 'unauthorized' },
    );
    assert.match(r.error!.message, /^GET \/api\/v3\/transactions refused a freshly refreshed token \(HTTP 401\)/);
    assert.equal(tokens, 2);
    assert.equal(calls, 3);
    // The refused token is not kept: the next probe starts with a new one and does not retry it.
    const again = await probe();
    await closeState(state);
    assert.equal(again.error?.code, 'unauthorized');
    assert.equal(tokens, 3);
    assert.equal(calls, 4);
  });

  test('401 on a just-issued token: no retry (a new token would not help)', async () => {
    api = () => ({ status: 401 });
    const r = await probe();
    await closeState(state);
    assert.equal(r.error?.code, 'unauthorized');
    assert.equal(r.stage, 'call');
    assert.equal(tokens, 1);
    assert.equal(calls, 1);
    assert.match(r.error!.message, /refused a just-issued token/);
  });

  test('403: forbidden', async () => {
    api = () => ({ status: 403 });
    const r = await probe();
    await closeState(state);
    assert.deepEqual(
      { ok: r.ok, stage: r.stage, httpStatus: r.httpStatus, code: r.error?.code },
      { ok: false, stage: 'call', httpStatus: 403, code: 'forbidden' },
    );
    assert.equal(r.error?.message, 'GET /api/v3/transactions answered HTTP 403: the credential works but may not do this; check its permissions');
  });

  test('429 with Retry-After in seconds: rate_limited, retryAfter from the header', async () => {
    api = () => ({ status: 429, headers: { 'retry-after': '90' } });
    const now = Date.parse('2026-11-22T10:00:00Z');
    const r = await probe({ clock: () => now });
    await closeState(state);
    assert.equal(r.error?.code, 'rate_limited');
    assert.equal(r.stage, 'call');
    assert.equal(r.httpStatus, 429);
    assert.equal(r.retryAfter, '2026-11-22T10:01:30.000Z');
    assert.equal(r.error?.message, 'GET /api/v3/transactions is rate limiting us (HTTP 429); no probe before 2026-11-22T10:01:30.000Z');
  });

  test('429 with Retry-After as an HTTP date', async () => {
    api = () => ({ status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 12:00:00 GMT' } });
    const r = await probe({ clock: () => Date.parse('2026-11-22T10:00:00Z') });
    await closeState(state);
    assert.equal(r.retryAfter, '2026-11-22T12:00:00.000Z');
  });

  test('500: server_error', async () => {
    api = () => ({ status: 500 });
    const r = await probe();
    await closeState(state);
    assert.deepEqual(
      { ok: r.ok, stage: r.stage, httpStatus: r.httpStatus, code: r.error?.code },
      { ok: false, stage: 'call', httpStatus: 500, code: 'server_error' },
    );
    assert.equal(r.retryAfter, undefined);
  });

  test('404: bad_response pointing at the probe path', async () => {
    api = () => ({ status: 404 });
    const r = await probe();
    await closeState(state);
    assert.equal(r.error?.code, 'bad_response');
    assert.equal(r.error?.message, "GET /api/v3/transactions answered HTTP 404: check the probe's path or url");
  });

  test('keep-alive: the token call and the test call share one TLS connection', async () => {
    api = () => ({ status: 200 });
    const before = srv.connections;
    await probe();
    await probe();
    await closeState(state);
    assert.equal(srv.connections - before, 1);
  });
});

test('a failed probe has one shape: the contract keys in order, entities failed alike', async () => {
  const { failedProbe } = await import('../src/probe/failed.js');
  const error = { code: 'token_rejected', message: 'no client' } as const;
  assert.equal(
    JSON.stringify(failedProbe(error, { stage: 'token' })),
    '{"ok":false,"stage":"token","httpStatus":null,"latencyMs":0,"tokenExpiresAt":null,"error":{"code":"token_rejected","message":"no client"}}',
  );
  const full = failedProbe(error, { stage: 'call', httpStatus: 429, latencyMs: 12, tokenExpiresAt: 't', retryAfter: 'r', taxIdentifiers: ['a', 'b'] });
  assert.deepEqual(Object.keys(full), ['ok', 'stage', 'httpStatus', 'latencyMs', 'tokenExpiresAt', 'error', 'retryAfter', 'entities']);
  assert.deepEqual(full.entities, ['a', 'b'].map((taxIdentifier) => ({ taxIdentifier, ok: false, httpStatus: null, error })));
});

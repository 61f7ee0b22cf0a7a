import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createClientCert, createMtlsPki } from './helpers/pki.js';
import { closeState, json, probeContext, startServer, tokenReply, writeFiles, type TestServer } from './helpers/mtls-server.js';
import { oauth2Kind, probeOAuth2, type OAuth2Credential } from '../src/kinds/oauth2.js';
import { buildConfig } from '../src/config/load.js';
import { ConfigError } from '../src/config/schema.js';
import { Secret } from '../src/secret.js';

describe('oauth2 kind', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;
  let soon: Date;

  before(async () => {
    pki = await createMtlsPki();
    soon = new Date(Date.now() + 20 * 86_400_000);
    const shortLived = await createClientCert(pki.ca, { notAfter: soon });
    files = writeFiles({
      'client.crt': pki.client.cert,
      'client.key': pki.client.key,
      'short.crt': shortLived.cert,
      'short.key': shortLived.key,
      'ca.pem': pki.ca.cert,
    });
    srv = await startServer(pki, (req, res) => {
      if (req.path === '/oauth/token') return json(res, 200, tokenReply('partner-token', 3600));
      if (req.headers.authorization !== 'Bearer partner-token') return json(res, 401, {});
      json(res, 200, { pong: true });
    });
  });
  after(async () => {
    await srv.close();
    files.cleanup();
  });

  const cred = (over: Partial<OAuth2Credential> = {}): OAuth2Credential => ({
    id: 'partner',
    kind: 'oauth2',
    renewalLeadDays: 14,
    tokenUrl: `${srv.url}/oauth/token`,
    clientId: 'partner-client',
    clientSecret: new Secret('partner-secret'),
    clientAuth: 'body',
    scope: 'read',
    certificate: files.path('client.crt'),
    privateKey: files.path('client.key'),
    ca: files.path('ca.pem'),
    probe: { url: `${srv.url}/ping?x=1`, headers: { 'X-Tenant': 'a', Accept: 'application/vnd.partner+json' } },
    ...over,
  });

  test('probe over mTLS: token in the form, then GET probe.url with probe.headers', async () => {
    srv.requests.length = 0;
    const ctx = probeContext();
    const r = await oauth2Kind.probe!(cred(), ctx);
    await closeState(ctx.state);
    assert.equal(r.ok, true);
    assert.equal(r.stage, 'call');
    assert.equal(r.httpStatus, 200);
    assert.equal(srv.requests[0]!.body, 'grant_type=client_credentials&scope=read&client_id=partner-client&client_secret=partner-secret');
    const call = srv.requests[1]!;
    assert.equal(call.path, '/ping?x=1');
    assert.equal(call.headers['x-tenant'], 'a');
    assert.equal(call.headers.accept, 'application/vnd.partner+json');
    assert.ok(call.authorized);
  });

  test('without probe.url the token alone is the probe (stage token)', async () => {
    srv.requests.length = 0;
    const ctx = probeContext();
    const r = await probeOAuth2(cred({ probe: undefined }), ctx);
    await closeState(ctx.state);
    assert.deepEqual({ ok: r.ok, stage: r.stage, httpStatus: r.httpStatus, error: r.error }, { ok: true, stage: 'token', httpStatus: null, error: null });
    assert.ok(r.tokenExpiresAt);
    assert.equal(srv.requests.length, 1);
  });

  test('inspect: the client certificate is an expiry; the token is not', async () => {
    const obs = await oauth2Kind.inspect(cred({ certificate: files.path('short.crt'), privateKey: files.path('short.key') }), { now: new Date(), log: pino({ level: 'silent' }) });
    assert.equal(obs.error, undefined);
    assert.deepEqual(obs.expiries.map((e) => e.source), ['certificate']);
    assert.equal(obs.expiries[0]!.expiresAt.toISOString(), new Date(Math.floor(soon.getTime() / 1000) * 1000).toISOString());
    assert.deepEqual(obs.findings, []);
  });

  test('inspect: a key that does not match is critical; no certificate means nothing local', async () => {
    const obs = await oauth2Kind.inspect(cred({ privateKey: files.path('short.key') }), { now: new Date(), log: pino({ level: 'silent' }) });
    assert.equal(obs.findings[0]?.level, 'critical');
    const plain = await oauth2Kind.inspect(cred({ certificate: undefined, privateKey: undefined, ca: undefined }), { now: new Date(), log: pino({ level: 'silent' }) });
    assert.deepEqual(plain, { expiries: [], findings: [], certificates: [] });
  });

  const load = (creds: unknown[]) => buildConfig({ credentials: creds }, '/tmp/credwatch-test/credwatch.yaml', {});
  const base = { kind: 'oauth2', tokenUrl: 'https://idp.example/oauth/token', clientSecret: 's' };

  test('config: clientAuth defaults to basic; certificate and privateKey go together; no Authorization header', () => {
    const { config } = load([{ id: 'p', ...base, clientId: 'x' }]);
    assert.equal((config.credentials[0] as OAuth2Credential).clientAuth, 'basic');
    assert.throws(
      () => load([{ id: 'p', ...base, clientId: 'x', certificate: './c.crt', probe: { url: 'https://api.example/ping', headers: { Authorization: 'x' } } }]),
      (err: ConfigError) => {
        assert.deepEqual(err.problems.map((p) => `${p.path}: ${p.message}`), [
          'credentials[0].privateKey: is required with certificate',
          'credentials[0].probe.headers.Authorization: is set by the probe (the bearer token); remove it',
        ]);
        return true;
      },
    );
  });

  test('lint: one client id across environments is a warning naming both credentials', () => {
    const { warnings } = load([
      { id: 'partner-prod', ...base, clientId: 'shared', environment: 'production' },
      { id: 'partner-test', ...base, clientId: 'shared', environment: 'test' },
      { id: 'partner-prod-b', ...base, clientId: 'shared', environment: 'production' },
      { id: 'other', ...base, clientId: 'other', environment: 'test' },
    ]);
    assert.deepEqual(
      warnings.filter((w) => w.path !== 'defaults.notify').map((w) => w.message.split(':')[0]),
      [
        'credentials "partner-prod" (environment production) and "partner-test" (environment test) share one OAuth client id',
        'credentials "partner-test" (environment test) and "partner-prod-b" (environment production) share one OAuth client id',
      ],
    );
    assert.ok(warnings.every((w) => w.level === 'warning'));
  });
});

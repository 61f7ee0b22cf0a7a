// `expiresAt` on oauth2 and clarus: the client secret's (or token's) known expiry counts as an
// expiry with source `secret`, next to what the live probe proves. A real cycle against a real
// HTTPS token endpoint and API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { buildConfig } from '../src/config/load.js';
import { openDatabase } from '../src/store/db.js';
import { runCycle } from '../src/cycle.js';
import { createMtlsPki } from './helpers/pki.js';
import { json, startServer, tokenReply, writeFiles, type TestServer } from './helpers/mtls-server.js';

const log = pino({ level: 'silent' });
const DAY = 86_400_000;
let srv: TestServer;
let files: ReturnType<typeof writeFiles>;

before(async () => {
  const pki = await createMtlsPki();
  files = writeFiles({ 'ca.pem': pki.ca.cert });
  srv = await startServer(
    pki,
    (req, res) => {
      if (req.path === '/oauth/token') return json(res, 200, tokenReply('access-token', 3600));
      if (req.headers.authorization !== 'Bearer access-token' && req.headers.authorization !== 'Bearer static-token') return json(res, 401, {});
      return json(res, 200, req.method === 'POST' ? { data: { __typename: 'Query' } } : { ok: true });
    },
    { requestCert: false },
  );
});
after(async () => {
  await srv.close();
  files.cleanup();
});

test('oauth2 and clarus: expiresAt is an expiry with source secret; the probe still runs', async () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const { config } = buildConfig(
    {
      database: ':memory:',
      credentials: [
        {
          id: 'entra-app',
          kind: 'oauth2',
          tokenUrl: `${srv.url}/oauth/token`,
          clientId: 'app',
          clientSecret: 'entra-secret-value',
          ca: files.path('ca.pem'),
          expiresAt: '2026-12-21',
          probe: { url: `${srv.url}/ping` },
        },
        {
          id: 'clarus-prod',
          kind: 'clarus',
          subdomain: 'acme',
          token: 'static-token',
          ca: files.path('ca.pem'),
          expiresAt: '2027-06-01T12:00:00Z',
          probe: { url: `${srv.url}/graphql`, graphql: '{ __typename }' },
        },
        { id: 'no-date', kind: 'oauth2', tokenUrl: `${srv.url}/oauth/token`, clientId: 'b', clientSecret: 's', ca: files.path('ca.pem') },
      ],
    },
    '/tmp/x/credwatch.yaml',
    {},
  );
  const db = openDatabase(':memory:');
  try {
    const report = await runCycle(config, db, { now, log });
    const byId = Object.fromEntries(report.credentials.map((r) => [r.id, r]));
    const entra = byId['entra-app']!;
    assert.equal(entra.status, 'warning');
    assert.deepEqual(entra.expiries, [{ source: 'secret', expiresAt: '2026-12-21T00:00:00.000Z', daysLeft: 20 }]);
    assert.equal(entra.expiresAt, '2026-12-21T00:00:00.000Z');
    assert.equal(entra.renewBy, new Date(Date.parse('2026-12-21T00:00:00Z') - 14 * DAY).toISOString());
    assert.deepEqual(entra.reasons, ['secret expires in 20 days (2026-12-21)']);
    assert.equal(entra.probe?.ok, true);
    assert.equal(entra.probe?.stage, 'call');

    const clarus = byId['clarus-prod']!;
    assert.equal(clarus.status, 'ok');
    assert.deepEqual(clarus.expiries, [{ source: 'secret', expiresAt: '2027-06-01T12:00:00.000Z', daysLeft: 182 }]);
    assert.equal(clarus.probe?.ok, true);

    assert.deepEqual(byId['no-date']!.expiries, []);
    assert.equal(JSON.stringify(report).includes('entra-secret-value'), false);
  } finally {
    db.close();
  }
  assert.throws(
    () => buildConfig({ credentials: [{ id: 'x', kind: 'oauth2', tokenUrl: 'https://a/t', clientId: 'a', clientSecret: 'b', expiresAt: 'soon' }] }, '/tmp/x/c.yaml', {}),
    /credentials\[0\]\.expiresAt: must be a date \(YYYY-MM-DD\) or an ISO 8601 instant, got "soon"/,
  );
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMtlsPki } from './helpers/pki.js';
import { captureLog, closeState, json, probeContext, startServer, writeFiles, type TestServer, claraCred } from './helpers/mtls-server.js';
import { probeClara } from '../src/kinds/clara.js';
import { probeClarus, type ClarusCredential } from '../src/kinds/clarus.js';
import { Secret } from '../src/secret.js';

const SECRET = 'CANARY-client-secret-7f3a9c';
const TOKEN = 'CANARY-access-token-51be02';
const REFRESH = 'CANARY-refresh-token-c0ffee';
const CANARIES = [SECRET, TOKEN, REFRESH, Buffer.from(`id:${SECRET}`).toString('base64')];

/** Every reply a misbehaving server could send, each echoing what it was sent. */
const SCENARIOS = ['ok', 'retry401', 'reject-echo', 'html-echo', 'graphql-echo', 'forbidden', 'rate'] as const;

describe('secrets never reach a log line or a result', () => {
  let pki: Awaited<ReturnType<typeof createMtlsPki>>;
  let files: ReturnType<typeof writeFiles>;
  let srv: TestServer;
  let scenario: (typeof SCENARIOS)[number] = 'ok';
  let apiCalls = 0;

  before(async () => {
    pki = await createMtlsPki();
    files = writeFiles({ 'client.crt': pki.client.cert, 'client.key': pki.client.key, 'ca.pem': pki.ca.cert });
    srv = await startServer(
      pki,
      (req, res) => {
        const sent = `${req.headers.authorization} ${req.body}`;
        if (req.path === '/oauth/token') {
          if (scenario === 'reject-echo') return json(res, 401, { error: 'invalid_client', error_description: `bad: ${sent} ${SECRET}` });
          if (scenario === 'html-echo') {
            res.writeHead(200, { 'content-type': 'text/html' });
            return res.end(`<html>${sent}</html>`);
          }
          return json(res, 200, { access_token: TOKEN, expires_in: 3600, refresh_token: REFRESH });
        }
        apiCalls++;
        if (scenario === 'retry401' && apiCalls % 2 === 1) return json(res, 401, { echo: sent });
        if (scenario === 'graphql-echo') return json(res, 200, { errors: [{ message: `denied for ${sent} ${TOKEN}` }] });
        if (scenario === 'forbidden') return json(res, 403, { echo: sent }, { location: `https://x/?t=${TOKEN}` });
        if (scenario === 'rate') return json(res, 429, { echo: sent }, { 'retry-after': '5' });
        json(res, 200, { echo: sent });
      },
      { requestCert: false },
    );
  });
  after(async () => {
    await srv.close();
    files.cleanup();
  });

  const clara = () =>
    claraCred(srv.url, files, { id: 'clara-canary', clientSecret: new Secret(SECRET), probe: { taxIdentifiers: ['ACME8001011H0', 'ACMF8001011H1'] } });
  const clarus = (): ClarusCredential => ({
    id: 'clarus-canary',
    kind: 'clarus',
    renewalLeadDays: 14,
    subdomain: 'acme',
    oauth: { tokenUrl: `${srv.url}/oauth/token`, clientId: 'id', clientSecret: new Secret(SECRET), refreshToken: new Secret(REFRESH) },
    ca: files.path('ca.pem'),
    probe: { url: `${srv.url}/graphql`, graphql: '{ __typename }' },
  });

  for (const s of SCENARIOS) {
    test(`scenario ${s}`, async () => {
      scenario = s;
      apiCalls = 0;
      const { log, lines } = captureLog();
      const state = new Map<string, unknown>();
      const results = [];
      // Twice on one state bag, so cached-token paths are exercised too.
      for (let i = 0; i < 2; i++) {
        results.push(await probeClara(clara(), probeContext({ log, state })));
      }
      await closeState(state);
      results.push(await probeClarus(clarus(), probeContext({ log, state })));
      await closeState(state);
      // The log records something on every path, so an empty buffer would not pass silently.
      assert.ok(lines.length > 0);
      const text = lines.join('') + JSON.stringify(results) + results.map((r) => r.error?.message ?? '').join(' ');
      for (const canary of CANARIES) assert.equal(text.includes(canary), false, `${canary} leaked in scenario ${s}: ${text}`);
      if (s === 'reject-echo' || s === 'graphql-echo') assert.match(text, /<secret>/, 'the echoed secret was masked, not dropped silently');
    });
  }
});

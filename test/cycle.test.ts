// One check cycle end to end through the library: config → inspect + live probe → evaluate → SQLite,
// and what a cycle carries to the next (the failure streak, Retry-After).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { buildConfig } from '../src/config/load.js';
import { openDatabase, type Db } from '../src/store/db.js';
import { runCycle } from '../src/cycle.js';
import { ProbeStates } from '../src/probe-states.js';
import { createMtlsPki } from './helpers/pki.js';
import { json, startServer, tokenReply, writeFiles, type TestServer } from './helpers/mtls-server.js';

const log = pino({ level: 'silent' });
let srv: TestServer;
let files: ReturnType<typeof writeFiles>;
let mode: 'ok' | 'fail' | 'busy' = 'ok';

before(async () => {
  const pki = await createMtlsPki();
  files = writeFiles({ 'client.crt': pki.client.cert, 'client.key': pki.client.key, 'ca.pem': pki.ca.cert });
  srv = await startServer(pki, (req, res) => {
    if (req.path === '/oauth/token') return json(res, 200, tokenReply('access-canary-7f3a'));
    if (mode === 'busy') return json(res, 429, { error: 'slow down' }, { 'Retry-After': '3600' });
    return mode === 'ok' ? json(res, 200, { ok: true }) : json(res, 500, { error: 'boom' });
  });
});
after(async () => {
  await srv.close();
  files.cleanup();
});

function setup(): { db: Db; config: ReturnType<typeof buildConfig>['config']; states: ProbeStates } {
  const data = {
    database: ':memory:',
    probe: { failuresBeforeAlert: 2, timeoutMs: 5000 },
    credentials: [
      {
        id: 'partner',
        kind: 'oauth2',
        tokenUrl: `${srv.url}/oauth/token`,
        clientId: 'cid',
        clientSecret: 'cycle-canary-secret',
        certificate: files.path('client.crt'),
        privateKey: files.path('client.key'),
        ca: files.path('ca.pem'),
        probe: { url: `${srv.url}/api/ping` },
      },
      { id: 'key', kind: 'static', expiresAt: '2099-01-01' },
    ],
  };
  const { config } = buildConfig(data, files.path('credwatch.yaml'), {});
  return { db: openDatabase(':memory:'), config, states: new ProbeStates() };
}

test('a probe blip is recorded without changing status; the second failure in a row is failing; success clears it', async () => {
  const { db, config, states } = setup();
  const cycle = async () => (await runCycle(config, db, { now: new Date(), log, probeStates: states })).credentials.find((c) => c.id === 'partner')!;
  try {
    mode = 'ok';
    assert.equal((await cycle()).status, 'ok');
    mode = 'fail';
    const first = await cycle();
    assert.deepEqual([first.status, first.probe?.error?.code, first.probeFailures], ['ok', 'server_error', 1]);
    const second = await cycle();
    assert.deepEqual([second.status, second.probeFailures, second.levels.probe], ['failing', 2, 'failing']);
    mode = 'ok';
    const back = await cycle();
    assert.deepEqual([back.status, back.probeFailures, back.levels.probe], ['ok', 0, 'ok']);
    // One token for all four probes: the cycle keeps the credential's state between cycles.
    assert.equal(srv.count('/oauth/token'), 1);
    const stored = db.prepare('SELECT group_concat(probe) AS p FROM results').get() as { p: string };
    assert.ok(!stored.p.includes('cycle-canary-secret') && !stored.p.includes('access-canary-7f3a'));
  } finally {
    await states.close();
    db.close();
  }
});

test('after a 429 with Retry-After the credential is not probed again before that instant', async () => {
  const { db, config, states } = setup();
  try {
    mode = 'busy';
    const first = (await runCycle(config, db, { now: new Date(), log, probeStates: states })).credentials[0]!;
    assert.equal(first.probe?.error?.code, 'rate_limited');
    assert.ok(Date.parse(first.probe!.retryAfter!) > Date.now() + 3500_000);
    const calls = srv.count('/api/ping');
    mode = 'ok';
    const second = (await runCycle(config, db, { now: new Date(), log, probeStates: states })).credentials[0]!;
    assert.equal(srv.count('/api/ping'), calls, 'no request while Retry-After holds');
    assert.deepEqual(second.probe, first.probe, 'the last answer is kept');
    assert.equal(second.status, 'failing', 'and it still counts toward the streak');
  } finally {
    await states.close();
    db.close();
  }
});

// A process killed with SIGKILL between queueing and delivering: after a restart every event is
// delivered, once, under the id it was queued with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/store/db.js';
import { dispatchPending } from '../src/alerts/dispatch.js';
import { config, credential, silentLog, tempDb } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';
import { until } from './helpers/until.js';

const CHILD = fileURLToPath(new URL('./helpers/alerts-crash-child.ts', import.meta.url));
const log = silentLog();

function runChild(file: string, url: string, mode: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, url, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, exited };
}

async function setup(t: { after(fn: () => unknown): void }) {
  const server = await startHttpServer();
  const h = tempDb();
  h.db.close(); // the child opens it first
  t.after(async () => {
    h.cleanup();
    await server.close();
  });
  const cfg = config({ credentials: ['a', 'b', 'c'].map((id) => credential(id)), notifiers: [{ name: 'hook', type: 'webhook', url: `${server.url}/hook` }], notify: ['hook'] });
  return { server, h, cfg };
}

const ids = (bodies: { body: string }[]) => bodies.map((r) => (JSON.parse(r.body) as { id: string }).id).sort();

test('crash: killed after queueing, before sending: the restart delivers each event once', async (t) => {
  const { server, h, cfg } = await setup(t);
  const { exited } = runChild(h.file, `${server.url}/hook`, 'after-insert');
  const end = await exited;
  assert.equal(end.signal, 'SIGKILL', end.output);
  assert.equal(server.requests.length, 0, 'nothing was sent before the kill');

  const db = openDatabase(h.file);
  t.after(() => db.close());
  assert.deepEqual(
    db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all(),
    [{ status: 'pending', n: 3 }],
    'the events survived the kill',
  );
  assert.deepEqual(await dispatchPending(db, cfg, { log }), { attempted: 3, delivered: 3, retried: 0, failed: 0 });
  assert.deepEqual(ids(server.requests), ['a:expiry:1:firing-critical', 'b:expiry:1:firing-critical', 'c:expiry:1:firing-critical']);
  assert.deepEqual(await dispatchPending(db, cfg, { log }), { attempted: 0, delivered: 0, retried: 0, failed: 0 });
  assert.equal(server.requests.length, 3);
});

test('crash: killed while a send was in flight: the restart sends the same id again at once, not after the lease', async (t) => {
  const { server, h, cfg } = await setup(t);
  server.script = [{ status: 200, delayMs: 30_000 }];
  const { child, exited } = runChild(h.file, `${server.url}/hook`, 'mid-send');
  await until('the child to start sending', () => server.requests.length > 0, { everyMs: 20 });
  assert.equal(server.requests.length, 1, 'the child started sending');
  child.kill('SIGKILL');
  assert.equal((await exited).signal, 'SIGKILL');

  const db = openDatabase(h.file);
  t.after(() => db.close());
  // The claim's owner is a process of this host that no longer exists: its lease (timeout + 30 s)
  // is not waited out; the interrupted delivery goes now, with the others, under the same id.
  assert.deepEqual(await dispatchPending(db, cfg, { log }), { attempted: 3, delivered: 3, retried: 0, failed: 0 });
  assert.deepEqual(ids(server.requests), ['a:expiry:1:firing-critical', 'a:expiry:1:firing-critical', 'b:expiry:1:firing-critical', 'c:expiry:1:firing-critical']);
  assert.deepEqual(db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all(), [{ status: 'delivered', n: 3 }]);
  assert.deepEqual(await dispatchPending(db, cfg, { log, clock: () => new Date(Date.now() + 3_600_000) }), { attempted: 0, delivered: 0, retried: 0, failed: 0 });
});

test('crash: a claim held by a live process (or another host) is still left to its lease', async (t) => {
  const { server, h, cfg } = await setup(t);
  const db = openDatabase(h.file);
  t.after(() => db.close());
  const { processResults } = await import('../src/alerts/process.js');
  const { result, at } = await import('./helpers/alerts-fixtures.js');
  processResults(db, cfg, [result({ id: 'a', now: at(0), expiresAt: at(3) })], at(0));
  const claimedUntil = new Date(Date.now() + 60_000).toISOString();
  db.prepare(`UPDATE deliveries SET status = 'sending', claimed_by = 'elsewhere:1:x.y', claimed_until = ?, attempts = 1`).run(claimedUntil);
  assert.deepEqual(await dispatchPending(db, cfg, { log }), { attempted: 0, delivered: 0, retried: 0, failed: 0 });
  assert.equal(server.requests.length, 0);
});

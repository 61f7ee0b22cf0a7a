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

test('crash: killed while a send was in flight: the claim lapses and the same id is sent again', async (t) => {
  const { server, h, cfg } = await setup(t);
  server.script = [{ status: 200, delayMs: 30_000 }];
  const { child, exited } = runChild(h.file, `${server.url}/hook`, 'mid-send');
  const t0 = Date.now();
  while (server.requests.length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(server.requests.length, 1, 'the child started sending');
  child.kill('SIGKILL');
  assert.equal((await exited).signal, 'SIGKILL');

  const db = openDatabase(h.file);
  t.after(() => db.close());
  // Right after the crash the claim still holds: the others go, the in-flight one waits.
  assert.deepEqual(await dispatchPending(db, cfg, { log }), { attempted: 2, delivered: 2, retried: 0, failed: 0 });
  // Once the claim has lapsed (timeout + 30 s), it is taken over: delivered, under the same id.
  const later = () => new Date(Date.now() + 60_000);
  assert.deepEqual(await dispatchPending(db, cfg, { log, clock: later }), { attempted: 1, delivered: 1, retried: 0, failed: 0 });
  assert.deepEqual(ids(server.requests), ['a:expiry:1:firing-critical', 'a:expiry:1:firing-critical', 'b:expiry:1:firing-critical', 'c:expiry:1:firing-critical']);
  assert.deepEqual(db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all(), [{ status: 'delivered', n: 3 }]);
  assert.deepEqual(await dispatchPending(db, cfg, { log, clock: () => new Date(Date.now() + 3_600_000) }), { attempted: 0, delivered: 0, retried: 0, failed: 0 });
});

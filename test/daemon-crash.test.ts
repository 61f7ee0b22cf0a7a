// Seeded crash test: `credwatch run` (the bundled daemon, two at a time on one database) SIGKILLed at random points, again and
// again, while its config changes under it so that every run queues new events. Afterwards:
// no event lost, none sent under two ids, the database intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { bundleCli } from './helpers/bundle.js';
import { startHttpServer } from './helpers/notify-http.js';

/** The seed is printed on failure; CREDWATCH_CRASH_SEED replays a run. */
const SEED = Number(process.env.CREDWATCH_CRASH_SEED ?? 20261202);
const KILLS = 52;
const IDS = ['c0', 'c1', 'c2', 'c3'];
const DAY = 86_400_000;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`crash: ${KILLS} SIGKILLs of the daemon at random points lose no event and send none under two ids (seed ${SEED})`, { timeout: 240_000 }, async (t) => {
  const cli = await bundleCli();
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-crash-'));
  const server = await startHttpServer();
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dirname(cli), { recursive: true, force: true });
  });
  // Two lanes, each with its own seeded sequence, kill daemons side by side on the one database
  // (two daemons on one database is a supported set-up: claims decide who sends what).
  const LANES = 2;
  const random = prng(SEED);
  // The receiver is slow at random, so kills land before, during and after sends.
  server.fallback = { status: 200, body: 'ok' };
  const slow = () => ({ status: 200, body: 'ok', delayMs: Math.floor(random() * 80) });
  const dbFile = join(dir, 'data', 'cw.db');
  const near = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10);
  const far = new Date(Date.now() + 400 * DAY).toISOString().slice(0, 10);
  const configFile = (lane: number) => join(dir, `credwatch-${lane}.yaml`);
  const writeConfig = (lane: number, expiring: boolean[]) =>
    writeFileSync(
      configFile(lane),
      [
        `database: ${dbFile}`,
        'server: { listen: "127.0.0.1:0" }',
        `notifiers: [{ name: hook, type: webhook, url: "${server.url}/hook" }]`,
        'defaults: { notify: [hook] }',
        'credentials:',
        ...IDS.map((id, i) => `  - { id: ${id}, kind: static, expiresAt: "${expiring[i] ? near : far}" }`),
        '',
      ].join('\n'),
    );

  let kills = 0;
  let stderr = '';
  const run = (lane: number) => {
    server.script.push(...Array.from({ length: 10 }, slow));
    const child = spawn(process.execPath, [cli, 'run', '-c', configFile(lane)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CREDWATCH_LOG_LEVEL: 'info' } });
    let onStarted: () => void = () => {};
    const started = new Promise<void>((r) => (onStarted = r));
    child.stderr!.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
      if (String(d).includes('credwatch daemon started')) onStarted();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    return { child, exited, started };
  };

  const lane = async (n: number) => {
    const rnd = prng(SEED + n + 1);
    for (let i = n; i < KILLS; i += LANES) {
      // Each run sees a different set of expiring credentials: firing and resolved events every time.
      writeConfig(n, IDS.map(() => rnd() < 0.5));
      const r = run(n);
      // One run in five dies during start-up (opening the database, migrating); the others at a
      // random point of the first cycle, the queueing transaction, or the sends.
      if (rnd() < 0.2) await sleep(Math.floor(rnd() * 1000));
      else {
        await Promise.race([r.started, r.exited]);
        await sleep(Math.floor(rnd() * 300));
      }
      r.child.kill('SIGKILL');
      const end = await r.exited;
      assert.equal(end.signal, 'SIGKILL', `run ${i} ended by itself (code ${end.code}): ${stderr}`);
      kills++;
    }
  };
  await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
  assert.ok(kills >= 50);

  // Recovery: one more run, left alone until the outbox is empty, then stopped cleanly.
  server.script = [];
  const last = run(0);
  const pending = () => {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 1000');
      const queued = (db.prepare('SELECT COUNT(*) AS n FROM alert_events').get() as { n: number }).n;
      const open = (db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status <> 'delivered'").get() as { n: number }).n;
      return { queued, open };
    } finally {
      db.close();
    }
  };
  const deadline = Date.now() + 30_000;
  // The last run's first cycle queues the final config's events; wait for it, then for the outbox to drain.
  await sleep(1500);
  while (Date.now() < deadline && pending().open > 0) await sleep(200);
  last.child.kill('SIGTERM');
  const lastEnd = await last.exited;
  assert.equal(lastEnd.code, 0, stderr);
  assert.equal(pending().open, 0, `outbox not drained within 30 s after recovery (seed ${SEED})`);

  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const events = db.prepare('SELECT id, credential_id, condition, event, severity, body FROM alert_events').all() as {
    id: string;
    credential_id: string;
    condition: string;
    event: string;
    severity: string;
    body: string;
  }[];
  assert.ok(events.length >= IDS.length, `the runs queued events (${events.length})`);
  const queuedIds = new Set(events.map((e) => e.id));
  const receivedIds = server.requests.map((r) => (JSON.parse(r.body) as { id: string }).id);
  // No event lost: each one queued reached the receiver.
  for (const id of queuedIds) assert.ok(receivedIds.includes(id), `event ${id} was never delivered (seed ${SEED})`);
  // None under two ids: everything received was queued under that id, and each logical event
  // (credential, condition, episode, event kind) has exactly one id.
  for (const id of receivedIds) assert.ok(queuedIds.has(id), `received ${id}, which was never queued (seed ${SEED})`);
  const logical = new Map<string, string>();
  for (const e of events) {
    const body = JSON.parse(e.body) as { id: string; occurredAt: string };
    const key = `${e.credential_id}|${e.condition}|${e.id.split(':')[2]}|${e.event}|${e.severity}`;
    assert.ok(!logical.has(key) || logical.get(key) === e.id, `${key} queued under two ids: ${logical.get(key)} and ${e.id}`);
    logical.set(key, e.id);
    assert.equal(body.id, e.id);
  }
  // Redeliveries (a send cut off by a kill) reuse the id; say how many there were.
  t.diagnostic(`${kills} kills, ${events.length} events, ${receivedIds.length} deliveries (${receivedIds.length - new Set(receivedIds).size} repeats, same id)`);
});

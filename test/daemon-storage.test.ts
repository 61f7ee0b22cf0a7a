// The daemon and its database under stress: another process holding the write lock must not stall
// /healthz; a database deleted or overwritten under the daemon shows up in /healthz; a database
// that cannot be used at start is one line and exit 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { bundleCli } from './helpers/bundle.js';
import { freePort } from './helpers/ports.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(t: { after(fn: () => unknown): void }, database = './state/cw.db') {
  const cli = await bundleCli();
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-storage-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'credwatch.yaml'),
    `database: ${database}\nserver: { listen: "127.0.0.1:${port}" }\ncredentials:\n  - { id: k, kind: static, expiresAt: "2030-01-01" }\n`,
  );
  let output = '';
  const start = () => {
    const child = spawn(process.execPath, [cli, 'run', '-c', join(dir, 'credwatch.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    return { child, exited };
  };
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dirname(cli), { recursive: true, force: true });
  });
  return { dir, port, start, output: () => output };
}

async function healthz(port: number): Promise<{ status: number; reasons: string[] } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, reasons: ((await res.json()) as { reasons: string[] }).reasons };
  } catch {
    return null;
  }
}

test('daemon: another process holding the write lock does not stall /healthz; a deleted or overwritten database is reported', { timeout: 90_000 }, async (t) => {
  const s = await setup(t);
  const { child, exited } = s.start();
  const until = Date.now() + 30_000;
  let h = await healthz(s.port);
  while (h?.status !== 200 && Date.now() < until) {
    await sleep(200);
    h = await healthz(s.port);
  }
  assert.equal(h?.status, 200, s.output());

  const file = join(s.dir, 'state', 'cw.db');
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  const t0 = Date.now();
  const answers: number[] = [];
  for (let i = 0; i < 20; i++) answers.push((await healthz(s.port))?.status ?? 0);
  const took = Date.now() - t0;
  other.exec('ROLLBACK');
  other.close();
  // A lock held for less than the tolerance is not a fault; and no request waited for it
  // (the old probe waited 250 ms each: 20 requests took 5 s and more).
  assert.deepEqual(answers, Array(20).fill(200));
  assert.ok(took < 4000, `20 /healthz answers took ${took} ms with the lock held`);

  // Overwritten header: corrupt.
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(16, 0x41), 0, 16, 0);
  closeSync(fd);
  h = await healthz(s.port);
  assert.equal(h?.status, 503);
  assert.deepEqual(h?.reasons, [`database ${file} is corrupt (its header is not SQLite's)`]);

  unlinkSync(file);
  h = await healthz(s.port);
  assert.equal(h?.status, 503);
  assert.deepEqual(h?.reasons, [`database ${file} was deleted while the daemon runs (restart it to create a new one)`]);

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('daemon: a database that cannot be used at start is one line naming it, exit 3', { timeout: 60_000 }, async (t) => {
  const s = await setup(t, './state/cw.db');
  mkdirSync(join(s.dir, 'state', 'cw.db'), { recursive: true });
  const { exited } = s.start();
  assert.equal(await exited, 3);
  const lines = s.output().split('\n').filter((l) => l.startsWith('credwatch:'));
  assert.deepEqual(lines, [`credwatch: database ${join(s.dir, 'state', 'cw.db')} is a directory`]);
  assert.doesNotMatch(s.output(), /\n\s+at /, 'no stack trace');
});

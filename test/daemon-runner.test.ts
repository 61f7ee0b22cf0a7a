// Cycles never overlap: a request during a slow cycle waits for it (several collapse into one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../src/log.js';
import { CycleRunner, type CycleReason } from '../src/daemon/runner.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function capture() {
  const lines: any[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ destination, pretty: false, level: 'debug' }), lines };
}

test('a slow cycle delays the next one, never overlaps it, and says so once', async () => {
  const { log, lines } = capture();
  let running = 0;
  let maxRunning = 0;
  const runs: { reason: CycleReason; start: number; end: number }[] = [];
  const runner = new CycleRunner(async (reason) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    const start = Date.now();
    await sleep(reason === 'start' ? 150 : 20);
    runs.push({ reason, start, end: Date.now() });
    running--;
  }, log);
  runner.request('start');
  await sleep(20);
  runner.request('schedule');
  runner.request('schedule');
  runner.request('reload');
  await sleep(300);
  assert.equal(maxRunning, 1);
  assert.deepEqual(runs.map((r) => r.reason), ['start', 'schedule']);
  assert.ok(runs[1]!.start >= runs[0]!.end);
  assert.equal(lines.filter((l) => l.msg === 'previous cycle still running; the next one starts when it finishes').length, 1);
  assert.equal(await runner.stop(100), true);
});

test('a failing cycle is logged and the next one still runs', async () => {
  const { log, lines } = capture();
  let n = 0;
  const runner = new CycleRunner(async () => {
    n++;
    if (n === 1) throw new Error('database is locked');
  }, log);
  runner.request('start');
  await sleep(20);
  runner.request('schedule');
  await sleep(20);
  assert.equal(n, 2);
  assert.equal(lines.find((l) => l.msg === 'cycle failed')?.err, 'database is locked');
});

test('stop waits for the cycle in flight, within a bound', async () => {
  const { log } = capture();
  const runner = new CycleRunner(() => sleep(1000), log);
  runner.request('start');
  const t0 = Date.now();
  assert.equal(await runner.stop(100), false);
  assert.ok(Date.now() - t0 < 500);
  runner.request('schedule');
  assert.equal(runner.busy, true, 'the abandoned cycle is still the only one');

  const quick = new CycleRunner(() => sleep(30), log);
  quick.request('start');
  assert.equal(await quick.stop(1000), true);
});

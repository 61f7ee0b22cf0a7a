import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapLimit, timeSlicer } from '../src/concurrency.js';

test('timeSlicer: free within the budget, then one shared turn of the event loop for every waiting worker', async () => {
  let t = 0;
  const slice = timeSlicer(8, () => t);
  assert.equal(slice(), undefined);
  t = 7;
  assert.equal(slice(), undefined);
  t = 8;
  const a = slice();
  const b = slice();
  assert.ok(a instanceof Promise);
  assert.equal(a, b, 'workers that hit the budget together wait on the same turn');
  await a;
  // The turn happened; the budget restarts from it.
  assert.equal(slice(), undefined);
  t = 16;
  const c = slice();
  assert.ok(c instanceof Promise);
  assert.notEqual(c, a);
  await c;
});

test('mapLimit with a shared slicer: every item once, in order, at most `limit` in flight', async () => {
  let t = 0;
  const slice = timeSlicer(8, () => t);
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimit(Array.from({ length: 50 }, (_, i) => i), 5, async (i) => {
    await slice();
    inFlight++;
    peak = Math.max(peak, inFlight);
    t += 3;
    await Promise.resolve();
    inFlight--;
    return i * 2;
  });
  assert.deepEqual(out, Array.from({ length: 50 }, (_, i) => i * 2));
  assert.ok(peak <= 5);
});

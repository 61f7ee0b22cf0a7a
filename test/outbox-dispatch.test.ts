// The outbox dispatcher against a real local webhook receiver and a real database: retries with
// backoff and Retry-After, permanent errors, ordering, two dispatchers racing, the daemon loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/store/db.js';
import { processResults } from '../src/alerts/process.js';
import { dispatchPending, startDispatcher } from '../src/alerts/dispatch.js';
import { notificationCounts, notifierStatus, outboxBacklog, pruneOutbox } from '../src/store/outbox.js';
import type { WebhookConfig } from '../src/notifiers/webhook.js';
import type { Config } from '../src/config/schema.js';
import { at, config, credential, result, silentLog, tempDb } from './helpers/alerts-fixtures.js';
import { startHttpServer, type TestServer } from './helpers/notify-http.js';

const FAST = { baseMs: 20, maxMs: 200, giveUpAfterMs: 3_600_000 };
const log = silentLog();

async function setup(t: { after(fn: () => unknown): void }, ids = ['api-cert']) {
  const server = await startHttpServer();
  const h = tempDb();
  t.after(async () => {
    h.cleanup();
    await server.close();
  });
  const hook: WebhookConfig = { name: 'hook', type: 'webhook', url: `${server.url}/hook` };
  const cfg = config({ credentials: ids.map((id) => credential(id)), notifiers: [hook], notify: ['hook'] });
  return { server, h, cfg };
}

const received = (server: TestServer) => server.requests.map((r) => (JSON.parse(r.body) as { id: string }).id);
const fire = (h: ReturnType<typeof tempDb>, cfg: Config, ids: string[], expiresInDays = 3, now = at(0)) =>
  processResults(h.db, cfg, ids.map((id) => result({ id, now, expiresAt: at(expiresInDays, now) })), now);
const rows = (h: ReturnType<typeof tempDb>) =>
  h.db.prepare('SELECT d.notifier, d.status, d.attempts, d.last_error_code AS code FROM deliveries d ORDER BY d.event_seq').all();

test('outbox: a notifier that fails 3 times then succeeds delivers once; every attempt recorded and counted', async (t) => {
  const { server, h, cfg } = await setup(t);
  server.script = [{ status: 503 }, { status: 503 }, { status: 502 }];
  fire(h, cfg, ['api-cert']);
  const summary = await dispatchPending(h.db, cfg, { log, backoff: FAST, deadline: new Date(Date.now() + 10_000) });
  assert.deepEqual(summary, { attempted: 4, delivered: 1, retried: 3, failed: 0 });
  assert.deepEqual(received(server), Array(4).fill('api-cert:expiry:1:firing-critical'), 'the same event, same id, each time');
  assert.deepEqual(rows(h), [{ notifier: 'hook', status: 'delivered', attempts: 4, code: null }]);
  assert.deepEqual(
    h.db.prepare('SELECT attempt, outcome, error_code FROM delivery_attempts ORDER BY id').all(),
    [
      { attempt: 1, outcome: 'retry', error_code: 'http_503' },
      { attempt: 2, outcome: 'retry', error_code: 'http_503' },
      { attempt: 3, outcome: 'retry', error_code: 'http_502' },
      { attempt: 4, outcome: 'delivered', error_code: null },
    ],
  );
  assert.deepEqual(notificationCounts(h.db), [
    { notifier: 'hook', outcome: 'delivered', count: 1 },
    { notifier: 'hook', outcome: 'retry', count: 3 },
  ]);
  // Waits between attempts grow: 20, 40, 80 ms.
  assert.deepEqual(await dispatchPending(h.db, cfg, { log, backoff: FAST, deadline: new Date(Date.now() + 500) }), { attempted: 0, delivered: 0, retried: 0, failed: 0 });
  assert.equal(server.requests.length, 4, 'delivered means never again');
});

test('outbox: Retry-After is honoured over a shorter backoff', async (t) => {
  const { server, h, cfg } = await setup(t);
  server.script = [{ status: 429, headers: { 'retry-after': '1' } }];
  const times: number[] = [];
  const origPush = server.requests.push.bind(server.requests);
  server.requests.push = (...r) => (times.push(Date.now()), origPush(...r));
  fire(h, cfg, ['api-cert']);
  await dispatchPending(h.db, cfg, { log, backoff: { ...FAST, maxMs: 5000 }, deadline: new Date(Date.now() + 5000) });
  assert.equal(server.requests.length, 2);
  assert.ok(times[1]! - times[0]! >= 950, `waited ${times[1]! - times[0]!} ms`);
  assert.equal((h.db.prepare('SELECT retry_after_ms FROM delivery_attempts WHERE id = 1').get() as { retry_after_ms: number }).retry_after_ms, 1000);
});

test('outbox: without a deadline, one pass; the failure waits in the outbox for the next run, under the same id', async (t) => {
  const { server, h, cfg } = await setup(t);
  server.script = [{ status: 500 }];
  fire(h, cfg, ['api-cert']);
  assert.deepEqual(await dispatchPending(h.db, cfg, { log, backoff: FAST }), { attempted: 1, delivered: 0, retried: 1, failed: 0 });
  assert.deepEqual(rows(h), [{ notifier: 'hook', status: 'pending', attempts: 1, code: 'http_500' }]);
  // "Next run": a new process, later.
  h.reopen();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await dispatchPending(h.db, cfg, { log, backoff: FAST }), { attempted: 1, delivered: 1, retried: 0, failed: 0 });
  assert.deepEqual(received(server), ['api-cert:expiry:1:firing-critical', 'api-cert:expiry:1:firing-critical']);
});

test('outbox: a permanent error (404) stops retrying and shows in notifierStatus until a delivery succeeds', async (t) => {
  const { server, h, cfg } = await setup(t, ['a', 'b']);
  server.script = [{ status: 404, body: 'Not Found' }];
  fire(h, cfg, ['a']);
  assert.deepEqual(await dispatchPending(h.db, cfg, { log, backoff: FAST, deadline: new Date(Date.now() + 1000) }), { attempted: 1, delivered: 0, retried: 0, failed: 1 });
  assert.equal(server.requests.length, 1, 'no retry after a 404');
  const [st] = notifierStatus(h.db);
  assert.deepEqual({ ...st, lastAttemptAt: undefined, permanentError: { ...st!.permanentError!, at: undefined } }, {
    notifier: 'hook',
    pending: 0,
    failed: 1,
    lastAttemptAt: undefined,
    lastOutcome: 'failed',
    permanentError: { code: 'http_404', message: 'webhook hook answered HTTP 404 (wrong URL?): Not Found', at: undefined, eventId: 'a:expiry:1:firing-critical' },
  });
  // The URL is fixed; the next event goes through and the problem clears.
  fire(h, cfg, ['b']);
  await dispatchPending(h.db, cfg, { log, backoff: FAST });
  assert.equal(notifierStatus(h.db)[0]!.permanentError, null);
  assert.equal(notifierStatus(h.db)[0]!.failed, 1, 'the lost event stays visible as failed');
});

test('outbox: a resolve never overtakes its firing for the same notifier', async (t) => {
  const { server, h, cfg } = await setup(t, ['a', 'b']);
  // Both firings fail once (a success would reset the receiver's backoff: see the outage tests).
  server.script = [{ status: 503 }, { status: 503 }];
  fire(h, cfg, ['a', 'b']);
  await dispatchPending(h.db, cfg, { log, backoff: { ...FAST, baseMs: 60_000, maxMs: 60_000 } });
  processResults(h.db, cfg, [result({ id: 'a', now: at(0.5), expiresAt: at(300) })], at(0.5)); // a renewed: resolved queued
  await dispatchPending(h.db, cfg, { log });
  assert.equal(server.requests.length, 2, 'a:resolved waits behind its firing');
  // Later, the firing is due again: firing first, then its resolve, in one run.
  await dispatchPending(h.db, cfg, { log, clock: () => new Date(Date.now() + 120_000) });
  const got = received(server).slice(2);
  assert.deepEqual(got.filter((id) => id.startsWith('a:')), ['a:expiry:1:firing-critical', 'a:expiry:1:resolved']);
  assert.deepEqual(got.filter((id) => id.startsWith('b:')), ['b:expiry:1:firing-critical']);
});

test('outbox: two dispatchers on the same database never send the same delivery twice', async (t) => {
  const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
  const { server, h, cfg } = await setup(t, ids);
  server.fallback = { status: 200, delayMs: 5 };
  fire(h, cfg, ids);
  const other = openDatabase(h.file);
  t.after(() => other.close());
  const [a, b] = await Promise.all([
    dispatchPending(h.db, cfg, { log, owner: 'one', concurrency: 3 }),
    dispatchPending(other, cfg, { log, owner: 'two', concurrency: 3 }),
  ]);
  assert.equal(a.delivered + b.delivered, 30);
  assert.ok(a.delivered > 0 && b.delivered > 0, `both took a share (${a.delivered} / ${b.delivered})`);
  const got = received(server);
  assert.equal(got.length, 30);
  assert.equal(new Set(got).size, 30);
});

test('outbox: a delivery to a notifier that is no longer configured fails visibly', async (t) => {
  const { server, h, cfg } = await setup(t);
  const routed = { ...cfg, credentials: [credential('api-cert', { notify: ['gone'] })] };
  fire(h, routed, ['api-cert']);
  assert.deepEqual(await dispatchPending(h.db, cfg, { log }), { attempted: 1, delivered: 0, retried: 0, failed: 1 });
  assert.equal(notifierStatus(h.db)[0]!.permanentError!.code, 'notifier_unknown');
  assert.equal(server.requests.length, 0);
});

test('outbox: an event still undelivered after giveUpAfterMs is given up, visibly', async (t) => {
  const { server, h, cfg } = await setup(t);
  server.fallback = { status: 503 };
  fire(h, cfg, ['api-cert']);
  const later = () => new Date(Date.now() + 2 * 3_600_000);
  assert.deepEqual(await dispatchPending(h.db, cfg, { log, backoff: FAST, clock: later }), { attempted: 1, delivered: 0, retried: 0, failed: 1 });
  assert.deepEqual(rows(h), [{ notifier: 'hook', status: 'failed', attempts: 1, code: 'gave_up' }]);
});

test('outbox: the daemon dispatcher delivers as soon as it is kicked, and stops', async (t) => {
  const { server, h, cfg } = await setup(t);
  const d = startDispatcher(h.db, cfg, { log, intervalMs: 60_000, backoff: FAST });
  await new Promise((r) => setTimeout(r, 50));
  fire(h, cfg, ['api-cert']);
  const t0 = Date.now();
  d.kick();
  while (server.requests.length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.requests.length, 1);
  assert.ok(Date.now() - t0 < 1000, 'not at the next tick, a minute away');
  const s0 = Date.now();
  await d.stop();
  assert.ok(Date.now() - s0 < 1000, 'stop does not wait for the tick either');
});

test('outbox: pruning forgets finished history but keeps pending deliveries, the latest event of each alert, and the counters', async (t) => {
  const { server, h, cfg } = await setup(t, ['a', 'b']);
  fire(h, cfg, ['a', 'b']); // firing-critical for both
  await dispatchPending(h.db, cfg, { log });
  processResults(h.db, cfg, [result({ id: 'a', now: at(1), expiresAt: at(3) })], at(1)); // a: repeat (delivered below)
  await dispatchPending(h.db, cfg, { log });
  server.fallback = { status: 503 };
  processResults(h.db, cfg, [result({ id: 'b', now: at(1.5), expiresAt: at(300) })], at(1.5)); // b: resolved, stuck
  await dispatchPending(h.db, cfg, { log, backoff: FAST });
  const deleted = pruneOutbox(h.db, new Date(Date.now() + 1000));
  assert.equal(deleted, 2, "a's first firing and b's firing (b's resolve is still pending; a's repeat is its latest)");
  assert.deepEqual(
    (h.db.prepare('SELECT id FROM alert_events ORDER BY seq').all() as { id: string }[]).map((r) => r.id),
    ['a:expiry:1:repeat-critical-1', 'b:expiry:1:resolved'],
  );
  assert.deepEqual(notificationCounts(h.db), [
    { notifier: 'hook', outcome: 'delivered', count: 3 },
    { notifier: 'hook', outcome: 'retry', count: 1 },
  ]);
});

test('outbox: the backlog counts deliveries still waiting, and drops to zero once they are delivered', async (t) => {
  const { h, cfg } = await setup(t, ['a', 'b', 'c']);
  assert.equal(outboxBacklog(h.db), 0);
  fire(h, cfg, ['a', 'b', 'c']);
  assert.equal(outboxBacklog(h.db), 3);
  assert.equal(outboxBacklog(h.db), notifierStatus(h.db).reduce((n, s) => n + s.pending, 0));
  await dispatchPending(h.db, cfg, { log, backoff: FAST });
  assert.equal(outboxBacklog(h.db), 0);
});

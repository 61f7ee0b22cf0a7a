// Receivers that go away and come back: a webhook answering 500, 429 with a year-long Retry-After,
// or hanging; an SMTP server that is down; an Alertmanager restarted. Everything queued during the
// outage is delivered after recovery within a stated bound: the maximum backoff plus one second
// (BOUND_MS below), because a Retry-After is capped at the maximum backoff and the first delivery
// that gets through makes the receiver's other waiting deliveries due at once.
import { test } from 'node:test';
import { copyFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { Config } from '../src/config/schema.js';
import { processResults } from '../src/alerts/process.js';
import { dispatchPending, startDispatcher } from '../src/alerts/dispatch.js';
import { retryDelay } from '../src/alerts/backoff.js';
import { outboxOldestPendingSeconds, outboxStatusLine } from '../src/alerts/after-cycle.js';
import { buildMetricsRegistry } from '../src/server/metrics.js';
import { Secret } from '../src/secret.js';
import { at, config, credential, result, silentLog, tempDb } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';
import { startSmtpServer } from './helpers/notify-smtp.js';
import { alertmanagerMissing, startAlertmanager } from './helpers/notify-alertmanager.js';
import { freePort } from './helpers/ports.js';

const log = silentLog();
const POLICY = { baseMs: 100, maxMs: 1000, giveUpAfterMs: 3_600_000 };
/** After the receiver is back, everything is delivered within this long. */
const BOUND_MS = POLICY.maxMs + 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const fire = (db: ReturnType<typeof tempDb>['db'], cfg: Config, ids: string[], now = at(0)) =>
  processResults(db, cfg, ids.map((id) => result({ id, now, expiresAt: at(3, now) })), now);

const statuses = (db: ReturnType<typeof tempDb>['db']) =>
  db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status').all() as { status: string; n: number }[];

async function webhookSetup(t: { after(fn: () => unknown): void }, ids: string[]) {
  const server = await startHttpServer();
  const h = tempDb();
  t.after(async () => {
    h.cleanup();
    await server.close();
  });
  const cfg = config({ credentials: ids.map((id) => credential(id)), notifiers: [{ name: 'hook', type: 'webhook', url: `${server.url}/hook` }], notify: ['hook'] });
  // Generous for a loaded machine: only the hang test wants a short one.
  cfg.probe = { ...cfg.probe, timeoutMs: 2000 };
  return { server, h, cfg };
}

/** Runs the dispatcher until everything is delivered (or `ms`); returns when the last delivery landed. */
async function drain(db: ReturnType<typeof tempDb>['db'], cfg: Config, ms: number) {
  await dispatchPending(db, cfg, { log, backoff: POLICY, deadline: new Date(Date.now() + ms) });
}

const lastDeliveredAt = (db: ReturnType<typeof tempDb>['db']) =>
  Date.parse((db.prepare("SELECT MAX(delivered_at) AS at FROM deliveries WHERE status = 'delivered'").get() as { at: string }).at);

test('backoff: a Retry-After longer than the maximum backoff is capped at it', () => {
  const year = 365 * 86_400_000;
  assert.equal(retryDelay(1, POLICY, year), POLICY.maxMs);
  assert.equal(retryDelay(1, POLICY, 500), 500);
  assert.equal(retryDelay(10, POLICY), POLICY.maxMs);
  assert.equal(retryDelay(1, POLICY), POLICY.baseMs);
});

test('outage: webhook answering 500, then back: all delivered within the bound', async (t) => {
  const { server, h, cfg } = await webhookSetup(t, ['a', 'b', 'c']);
  server.fallback = { status: 500, body: 'down' };
  fire(h.db, cfg, ['a', 'b', 'c']);
  const run = drain(h.db, cfg, 10_000);
  await sleep(2000);
  server.fallback = { status: 200, body: 'ok' };
  const recoveredAt = Date.now();
  await run;
  assert.deepEqual(statuses(h.db), [{ status: 'delivered', n: 3 }]);
  assert.ok(lastDeliveredAt(h.db) - recoveredAt <= BOUND_MS, `delivered ${lastDeliveredAt(h.db) - recoveredAt} ms after recovery`);
});

test('outage: 429 with a one-year Retry-After does not park the alert: retried within the maximum backoff', async (t) => {
  const { server, h, cfg } = await webhookSetup(t, ['a']);
  server.script = [{ status: 429, headers: { 'retry-after': String(365 * 86_400) } }];
  fire(h.db, cfg, ['a']);
  const t0 = Date.now();
  await drain(h.db, cfg, 5000);
  assert.deepEqual(statuses(h.db), [{ status: 'delivered', n: 1 }]);
  assert.equal(server.requests.length, 2);
  assert.ok(lastDeliveredAt(h.db) - t0 <= BOUND_MS);
  const first = h.db.prepare('SELECT outcome, error_code, retry_after_ms FROM delivery_attempts ORDER BY id LIMIT 1').get();
  assert.deepEqual(first, { outcome: 'retry', error_code: 'http_429', retry_after_ms: 365 * 86_400_000 });
});

test('outage: a webhook that hangs times out and is retried; delivered once it answers', async (t) => {
  const { server, h, cfg } = await webhookSetup(t, ['a']);
  cfg.probe = { ...cfg.probe, timeoutMs: 500 };
  server.script = [{ status: 200, delayMs: 8000 }];
  fire(h.db, cfg, ['a']);
  await drain(h.db, cfg, 7000);
  assert.deepEqual(statuses(h.db), [{ status: 'delivered', n: 1 }]);
  const codes = (h.db.prepare('SELECT error_code FROM delivery_attempts ORDER BY id').all() as { error_code: string | null }[]).map((r) => r.error_code);
  assert.equal(codes[0], 'timeout');
  assert.equal(codes.at(-1), null);
});

test('outage: when the receiver answers again, its other waiting deliveries go at once, not after their backoff', async (t) => {
  const { server, h, cfg } = await webhookSetup(t, ['a', 'b', 'c', 'd']);
  const policy = { baseMs: 200, maxMs: 8000, giveUpAfterMs: 3_600_000 };
  server.fallback = { status: 503 };
  fire(h.db, cfg, ['a', 'b', 'c']);
  const dispatcher = startDispatcher(h.db, cfg, { log, backoff: policy, intervalMs: 60_000 });
  t.after(() => dispatcher.stop());
  // A few failures each: their next attempts are seconds away.
  const until = Date.now() + 10_000;
  while ((h.db.prepare('SELECT MIN(attempts) AS n FROM deliveries').get() as { n: number }).n < 5 && Date.now() < until) await sleep(50);
  server.fallback = { status: 200, body: 'ok' };
  const recoveredAt = Date.now();
  // A new event after the outage goes straight through; the receiver is back.
  fire(h.db, cfg, ['d']);
  dispatcher.kick();
  while (statuses(h.db).some((s) => s.status !== 'delivered') && Date.now() - recoveredAt < 10_000) await sleep(20);
  assert.deepEqual(statuses(h.db), [{ status: 'delivered', n: 4 }]);
  // The waiting ones had backoffs of 3.2 s and more; they arrived with the new one.
  assert.ok(lastDeliveredAt(h.db) - recoveredAt <= 2000, `the backlog arrived ${lastDeliveredAt(h.db) - recoveredAt} ms after recovery`);
});

test('outage: SMTP server down, then up on the same port: the mail is delivered', async (t) => {
  const port = await freePort();
  const h = tempDb();
  t.after(() => h.cleanup());
  const mailCfg = (ca: string) => ({
    name: 'mail',
    type: 'email',
    from: 'credwatch@example.com',
    to: ['ops@example.com'],
    smtp: { host: '127.0.0.1', port, tls: 'starttls', user: 'credwatch', password: new Secret('smtp-outage-pass'), ca },
  });
  // The CA is only known once the server exists; start it, note the CA, stop it: the port is closed.
  let smtp = await startSmtpServer({ user: 'credwatch', password: 'smtp-outage-pass', port });
  const caFile = `${h.dir}/smtp-ca.pem`;
  copyFileSync(smtp.caFile, caFile);
  await smtp.close();
  const cfg = config({ credentials: [credential('a')], notifiers: [mailCfg(caFile) as never], notify: ['mail'] });
  cfg.probe = { ...cfg.probe, timeoutMs: 2000 };
  fire(h.db, cfg, ['a']);
  const run = drain(h.db, cfg, 12_000);
  await sleep(1500);
  assert.equal((h.db.prepare("SELECT last_error_code AS c FROM deliveries").get() as { c: string }).c, 'connection');
  smtp = await startSmtpServer({ user: 'credwatch', password: 'smtp-outage-pass', port });
  t.after(() => smtp.close());
  // The restarted server has a new certificate from a new CA: trust that one.
  copyFileSync(smtp.caFile, caFile);
  const recoveredAt = Date.now();
  await run;
  assert.deepEqual(statuses(h.db), [{ status: 'delivered', n: 1 }]);
  assert.equal(smtp.received.length, 1);
  assert.ok(lastDeliveredAt(h.db) - recoveredAt <= BOUND_MS + 2000, 'SMTP hand-shake included');
});

test('outage: Alertmanager restarted: the alert is posted once it is back', { skip: alertmanagerMissing() }, async (t) => {
  const port = await freePort();
  let am = await startAlertmanager({ port });
  const h = tempDb();
  t.after(async () => {
    h.cleanup();
    await am.stop();
  });
  const cfg = config({ credentials: [credential('a')], notifiers: [{ name: 'am', type: 'alertmanager', url: am.url } as never], notify: ['am'] });
  cfg.probe = { ...cfg.probe, timeoutMs: 1000 };
  await am.stop();
  fire(h.db, cfg, ['a']);
  const run = drain(h.db, cfg, 25_000);
  await sleep(1000);
  am = await startAlertmanager({ port });
  const recoveredAt = Date.now();
  await run;
  assert.deepEqual(statuses(h.db), [{ status: 'delivered', n: 1 }]);
  assert.ok(lastDeliveredAt(h.db) - recoveredAt <= BOUND_MS + 1000);
  const alerts = await am.alerts();
  assert.deepEqual(alerts.map((a) => a.labels.credential), ['a']);
});

test('outbox: the oldest waiting delivery\'s age is a metric and a status line', async (t) => {
  const { server, h, cfg } = await webhookSetup(t, ['a']);
  server.fallback = { status: 503 };
  const queued = new Date(Date.now() - 90_000);
  processResults(h.db, cfg, [result({ id: 'a', now: queued, expiresAt: at(3, queued) })], queued);
  h.db.prepare('UPDATE alert_events SET created_at = ?').run(queued.toISOString());
  const age = outboxOldestPendingSeconds(h.db);
  assert.ok(age >= 90 && age < 100, String(age));
  assert.match(outboxStatusLine(h.db) ?? '', /^outbox: 1 delivery waiting; the oldest was queued 9\d s ago$/);
  const reg = buildMetricsRegistry({ credentials: [], notifications: [], outboxBacklog: 1, outboxOldestPendingSeconds: age, lastCycle: null, cycles: { ok: 0, failed: 0 } });
  assert.match(await reg.metrics(), new RegExp(`^credwatch_outbox_oldest_pending_seconds ${age}$`, 'm'));
  h.db.prepare("UPDATE deliveries SET status = 'delivered'").run();
  assert.equal(outboxOldestPendingSeconds(h.db), 0);
  assert.equal(outboxStatusLine(h.db), null);
});

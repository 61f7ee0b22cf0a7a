// Grouped first run against real receivers: a Slack webhook receiver, a real SMTP server, and a
// PagerDuty receiver that is never grouped. Each event recorded delivered exactly once; a failed
// digest is retried whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processResults } from '../src/alerts/process.js';
import { dispatchPending } from '../src/alerts/dispatch.js';
import { notificationCounts } from '../src/store/outbox.js';
import { planDigests } from '../src/alerts/digest.js';
import { byEventUrgency, digestCounts } from '../src/notifiers/event-text.js';
import { renderDigest as slackDigest, type SlackConfig } from '../src/notifiers/slack.js';
import { renderDigest as emailDigest, type EmailConfig } from '../src/notifiers/email.js';
import type { PagerDutyConfig } from '../src/notifiers/pagerduty.js';
import type { Config, NotifierConfig } from '../src/config/schema.js';
import { Secret } from '../src/secret.js';
import { at, config, credential, result, sampleEvent, silentLog, tempDb } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';
import { startSmtpServer } from './helpers/notify-smtp.js';

const FAST = { baseMs: 20, maxMs: 200, giveUpAfterMs: 3_600_000 };
const log = silentLog();
const PASSWORD = 'smtp-digest-canary-31d';
// Days left per credential: two expired, three critical, two warning, one fine (no event).
const SPREAD: Record<string, number> = { 'a-warn': 20, 'b-crit': 3, 'c-gone': -2, 'd-crit': 1, 'e-warn': 25, 'f-gone': -1, 'g-crit': 6, 'h-fine': 200 };

function fire(h: ReturnType<typeof tempDb>, cfg: Config, now = at(0)) {
  return processResults(h.db, cfg, Object.entries(SPREAD).map(([id, days]) => result({ id, now, expiresAt: at(days, now) })), now);
}

async function setup(t: { after(fn: () => unknown): void }, notifiers: (urls: { slack: string; pd: string; smtpPort: number; smtpCa: string }) => NotifierConfig[]) {
  const slackSrv = await startHttpServer({ status: 200, body: 'ok' });
  const pdSrv = await startHttpServer({ status: 202, body: '{"status":"success"}' });
  const smtp = await startSmtpServer({ user: 'credwatch', password: PASSWORD });
  const h = tempDb();
  t.after(async () => {
    h.cleanup();
    await Promise.all([slackSrv.close(), pdSrv.close(), smtp.close()]);
  });
  const list = notifiers({ slack: `${slackSrv.url}/services/T000/B000/XXXXXXXXXXXX`, pd: `${pdSrv.url}/v2/enqueue`, smtpPort: smtp.port, smtpCa: smtp.caFile });
  const cfg = config({ credentials: Object.keys(SPREAD).map((id) => credential(id)), notifiers: list, notify: list.map((n) => n.name) });
  return { slackSrv, pdSrv, smtp, h, cfg };
}

const slackCfg = (url: string, groupAbove?: number): SlackConfig => ({ name: 'ops-slack', type: 'slack', url: new Secret(url), ...(groupAbove === undefined ? {} : { groupAbove }) });
const emailCfg = (port: number, ca: string): EmailConfig => ({
  name: 'ops-mail',
  type: 'email',
  from: 'credwatch@example.com',
  to: ['ops@example.com'],
  smtp: { host: '127.0.0.1', port, tls: 'starttls', user: 'credwatch', password: new Secret(PASSWORD), ca },
});
const pdCfg = (url: string): PagerDutyConfig => ({ name: 'oncall', type: 'pagerduty', routingKey: new Secret('pd-routing-key-digest'), url });

const WORST_FIRST = ['c-gone', 'f-gone', 'd-crit', 'b-crit', 'g-crit', 'a-warn', 'e-warn'];

test('digest: 7 events in one cycle → one Slack message and one mail, worst first; PagerDuty gets all 7; each delivery recorded once', async (t) => {
  const { slackSrv, pdSrv, smtp, h, cfg } = await setup(t, (u) => [slackCfg(u.slack), emailCfg(u.smtpPort, u.smtpCa), pdCfg(u.pd)]);
  const queued = fire(h, cfg);
  assert.equal(queued.length, 7);
  const summary = await dispatchPending(h.db, cfg, { log, backoff: FAST, deadline: new Date(Date.now() + 15_000) });
  assert.deepEqual(summary, { attempted: 21, delivered: 21, retried: 0, failed: 0 });

  assert.equal(slackSrv.requests.length, 1, 'one Slack digest');
  const body = JSON.parse(slackSrv.requests[0]!.body);
  assert.equal(body.text, 'credwatch: 7 alerts (2 expired, 3 critical, 2 warning)');
  const lines = (body.blocks as { type: string; text?: { text: string } }[]).filter((b) => b.type === 'section').flatMap((b) => b.text!.text.split('\n'));
  assert.deepEqual(lines.map((l) => /`([^`]+)`/.exec(l)![1]), WORST_FIRST);
  assert.match(lines[0]!, /^:no_entry: \*EXPIRED\* `c-gone` c-gone: expired/);

  assert.equal(smtp.received.length, 1, 'one digest mail');
  const mail = smtp.received[0]!.mail;
  assert.equal(mail.subject, '[credwatch] 7 alerts: 2 expired, 3 critical, 2 warning');
  assert.equal(mail.headers.get('x-credwatch-digest'), '7');
  const order = [...mail.text!.matchAll(/^\d+\. [A-Z]+: (\S+):/gm)].map((m) => m[1]);
  assert.deepEqual(order, WORST_FIRST);

  assert.equal(pdSrv.requests.length, 7, 'PagerDuty is never grouped');
  assert.deepEqual(new Set(pdSrv.requests.map((r) => JSON.parse(r.body).dedup_key)).size, 7);

  const byNotifier = h.db.prepare("SELECT notifier, COUNT(*) AS n, SUM(status = 'delivered') AS delivered, SUM(attempts) AS attempts FROM deliveries GROUP BY notifier ORDER BY notifier").all();
  assert.deepEqual(byNotifier, [
    { notifier: 'oncall', n: 7, delivered: 7, attempts: 7 },
    { notifier: 'ops-mail', n: 7, delivered: 7, attempts: 7 },
    { notifier: 'ops-slack', n: 7, delivered: 7, attempts: 7 },
  ]);
  assert.deepEqual(notificationCounts(h.db), [
    { notifier: 'oncall', outcome: 'delivered', count: 7 },
    { notifier: 'ops-mail', outcome: 'delivered', count: 7 },
    { notifier: 'ops-slack', outcome: 'delivered', count: 7 },
  ]);
  // Nothing is sent twice.
  assert.deepEqual(await dispatchPending(h.db, cfg, { log, backoff: FAST }), { attempted: 0, delivered: 0, retried: 0, failed: 0 });
});

test('digest: a failed digest is retried whole (same message), then every event is delivered exactly once', async (t) => {
  const { slackSrv, h, cfg } = await setup(t, (u) => [slackCfg(u.slack)]);
  slackSrv.script = [{ status: 503 }, { status: 500 }];
  fire(h, cfg);
  const summary = await dispatchPending(h.db, cfg, { log, backoff: FAST, deadline: new Date(Date.now() + 10_000) });
  assert.deepEqual(summary, { attempted: 21, delivered: 7, retried: 14, failed: 0 });
  assert.equal(slackSrv.requests.length, 3);
  assert.equal(slackSrv.requests[1]!.body, slackSrv.requests[0]!.body, 'the retry is the whole digest again');
  assert.equal(slackSrv.requests[2]!.body, slackSrv.requests[0]!.body);
  assert.deepEqual(
    h.db.prepare('SELECT attempt, outcome, COUNT(*) AS n FROM delivery_attempts GROUP BY attempt, outcome ORDER BY attempt').all(),
    [
      { attempt: 1, outcome: 'retry', n: 7 },
      { attempt: 2, outcome: 'retry', n: 7 },
      { attempt: 3, outcome: 'delivered', n: 7 },
    ],
  );
  assert.deepEqual(h.db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered' AND attempts = 3").get(), { n: 7 });
});

test('digest: at or below groupAbove each event goes alone; groupAbove is per notifier', async (t) => {
  const { slackSrv, h, cfg } = await setup(t, (u) => [slackCfg(u.slack, 7)]);
  fire(h, cfg);
  await dispatchPending(h.db, cfg, { log, backoff: FAST, deadline: new Date(Date.now() + 10_000) });
  assert.equal(slackSrv.requests.length, 7, '7 events, groupAbove 7: no digest');
  assert.ok(slackSrv.requests.every((r) => JSON.parse(r.body).text !== undefined && !/alerts \(/.test(JSON.parse(r.body).text)));
});

test('digest planning and order are pure: one cycle per group, worst first, resolved last', () => {
  const due = (n: number, createdAt: string) => Array.from({ length: n }, (_, i) => ({ notifier: 's', createdAt, i }));
  const plan = planDigests([...due(6, 'A'), ...due(2, 'B')], { name: 's' }, true);
  assert.deepEqual(plan.digests.map((g) => g.length), [6]);
  assert.equal(plan.singles.length, 2);
  assert.deepEqual(planDigests(due(6, 'A'), { name: 's' }, false).digests, [], 'no sendDigest, no digest');
  assert.deepEqual(planDigests(due(3, 'A'), { name: 's', groupAbove: 2 }, true).digests.length, 1);

  const ev = (id: string, severity: 'warning' | 'critical' | 'expired' | 'failing', daysLeft: number | null, event: 'firing' | 'resolved' = 'firing') =>
    sampleEvent({ id: `${id}:x`, severity, daysLeft, event, credential: { id, kind: 'x509', owner: null, runbook: null } });
  const events = [ev('r', 'expired', 30, 'resolved'), ev('w', 'warning', 20), ev('p', 'failing', null), ev('c2', 'critical', 5), ev('c1', 'critical', 2), ev('x', 'expired', -1)];
  assert.deepEqual([...events].sort(byEventUrgency).map((e) => e.credential.id), ['p', 'x', 'c1', 'c2', 'w', 'r']);
  assert.equal(digestCounts(events), '1 failing, 1 expired, 2 critical, 1 warning, 1 resolved');

  const s = slackDigest(events);
  assert.equal(s.text, 'credwatch: 6 alerts (1 failing, 1 expired, 2 critical, 1 warning, 1 resolved)');
  const m = emailDigest(events, { from: 'a@example.com', to: 'b@example.com' });
  assert.equal(m.subject, '[credwatch] 6 alerts: 1 failing, 1 expired, 2 critical, 1 warning, 1 resolved');
  assert.equal(m.messageId, emailDigest([...events].reverse(), { from: 'a@example.com', to: 'b@example.com' }).messageId, 'same events, same Message-ID');
  // Slack's 50-block limit: a huge first run still fits, with a pointer to the rest.
  const many = Array.from({ length: 400 }, (_, i) => ev(`cred-${String(i).padStart(3, '0')}`, 'warning', 20));
  const big = slackDigest(many);
  assert.ok(big.blocks!.length <= 50, `${big.blocks!.length} blocks`);
  for (const b of big.blocks!) if (b.type === 'section') assert.ok((b as { text: { text: string } }).text.text.length <= 3000);
});

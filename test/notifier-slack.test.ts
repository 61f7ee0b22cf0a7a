// Slack through @slack/webhook to a real local HTTP server: the exact Block Kit payload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slack, type SlackConfig } from '../src/notifiers/slack.js';
import { NotifyError } from '../src/notifiers/notifier.js';
import { Secret } from '../src/secret.js';
import { sampleEvent, silentLog } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';

const HOOK_PATH = '/services/T0CANARY/B0CANARY/s3cr3tW3bh00kT0k3n';
const ctx = { log: silentLog(), timeoutMs: 2000, now: new Date('2026-11-22T10:00:05.000Z'), alert: { condition: 'expiry' as const, level: 'critical' as const } };

async function setup(t: { after(fn: () => unknown): void }) {
  const server = await startHttpServer();
  t.after(() => server.close());
  const config: SlackConfig = { name: 'ops-slack', type: 'slack', url: new Secret(`${server.url}${HOOK_PATH}`) };
  return { server, config };
}

test('slack: posts the exact Block Kit message to the webhook URL', async (t) => {
  const { server, config } = await setup(t);
  await slack.send(sampleEvent(), config, ctx);
  assert.equal(server.requests.length, 1);
  const req = server.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, HOOK_PATH);
  assert.match(String(req.headers['content-type']), /^application\/json/);
  assert.deepEqual(JSON.parse(req.body), {
    text: 'clara-erp-prod: critical, expires in 4 days (2026-11-27)',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: ':red_circle: CRITICAL: clara-erp-prod', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'clara-erp-prod: critical, expires in 4 days (2026-11-27)' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Severity*\ncritical' },
          { type: 'mrkdwn', text: '*Credential*\nclara-erp-prod (clara-project)' },
          { type: 'mrkdwn', text: '*Days left*\n4' },
          { type: 'mrkdwn', text: '*Expires*\n2026-11-27' },
          { type: 'mrkdwn', text: '*Renew by*\n2026-11-06' },
          { type: 'mrkdwn', text: '*Owner*\npayments-team' },
          { type: 'mrkdwn', text: '*Runbook*\n<https://wiki.example.com/runbooks/clara?team=pay&amp;env=prod|runbook>' },
        ],
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*Reasons*\n• project expires in 4 days (2026-11-27)\n• key file is readable by &lt;group&gt; &amp; "others" ('o+r')` },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'firing · 2026-11-22T10:00:00.000Z · clara-erp-prod:expiry:1:firing-critical' }] },
    ],
  });
});

test('slack: a resolved message says so and keeps the severity it resolves', async (t) => {
  const { server, config } = await setup(t);
  const e = sampleEvent({
    id: 'clara-erp-prod:expiry:1:resolved',
    event: 'resolved',
    expiresAt: '2027-11-02T00:00:00.000Z',
    daysLeft: 344,
    renewBy: '2027-10-12T00:00:00.000Z',
    summary: 'clara-erp-prod: resolved, renewed: now expires 2027-11-02',
    reasons: ['renewed: now expires 2027-11-02'],
    credential: { id: 'clara-erp-prod', kind: 'clara-project', owner: null, runbook: null },
  });
  await slack.send(e, config, { ...ctx, alert: { condition: 'expiry', level: 'ok' } });
  const body = JSON.parse(server.requests[0]!.body);
  assert.equal(body.text, 'clara-erp-prod: resolved, renewed: now expires 2027-11-02');
  assert.deepEqual(body.blocks[0], { type: 'header', text: { type: 'plain_text', text: ':white_check_mark: RESOLVED (was critical): clara-erp-prod', emoji: true } });
  assert.deepEqual(body.blocks[2].fields.slice(2), [
    { type: 'mrkdwn', text: '*Days left*\n344' },
    { type: 'mrkdwn', text: '*Expires*\n2027-11-02' },
    { type: 'mrkdwn', text: '*Renew by*\n2027-10-12' },
    { type: 'mrkdwn', text: '*Owner*\n—' },
    { type: 'mrkdwn', text: '*Runbook*\n—' },
  ]);
  assert.deepEqual(body.blocks[3], { type: 'section', text: { type: 'mrkdwn', text: '*Reasons*\n• renewed: now expires 2027-11-02' } });
});

test('slack: 404 (webhook revoked) is permanent; 429 is retryable with Retry-After; 500 retryable; the URL never shows', async (t) => {
  const { server, config } = await setup(t);
  server.script = [
    { status: 404, body: 'no_service' },
    { status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' },
    { status: 500, body: 'oops' },
  ];
  const errors: NotifyError[] = [];
  for (let i = 0; i < 3; i++) await slack.send(sampleEvent(), config, ctx).catch((e: NotifyError) => errors.push(e));
  assert.deepEqual(
    errors.map((e) => [e instanceof NotifyError, e.code, e.retryable, e.retryAfterMs, e.message]),
    [
      [true, 'http_404', false, undefined, 'slack ops-slack answered HTTP 404 (wrong URL?): no_service'],
      [true, 'http_429', true, 7000, 'slack ops-slack answered HTTP 429: rate_limited'],
      [true, 'http_500', true, undefined, 'slack ops-slack answered HTTP 500: oops'],
    ],
  );
  for (const e of errors) assert.ok(!JSON.stringify({ ...e, m: e.message, s: e.stack }).includes('s3cr3tW3bh00kT0k3n'));
});

test('slack: nobody listening is a retryable connection error', async (t) => {
  const { server, config } = await setup(t);
  await server.close();
  await assert.rejects(slack.send(sampleEvent(), config, ctx), (e: NotifyError) => {
    assert.equal(e.code, 'connection');
    assert.equal(e.retryable, true);
    assert.ok(!e.message.includes('s3cr3t'));
    return true;
  });
});

test('slack: no answer in time is a retryable timeout', async (t) => {
  const { server, config } = await setup(t);
  server.fallback = { status: 200, delayMs: 1500 };
  await assert.rejects(slack.send(sampleEvent(), config, { ...ctx, timeoutMs: 200 }), (e: NotifyError) => e.code === 'timeout' && e.retryable);
});

test('slack: schema: the URL is a secret, checked for shape without being echoed', async () => {
  const { buildConfig } = await import('../src/config/load.js');
  const { ConfigError } = await import('../src/config/schema.js');
  const cred = [{ id: 'k', kind: 'static', expiresAt: '2027-01-01' }];
  const ok = buildConfig({ notifiers: [{ name: 's', type: 'slack', url: `https://hooks.slack.com${HOOK_PATH}` }], credentials: cred }, '/tmp/c.yaml', {});
  assert.equal(JSON.stringify(ok.config.notifiers), '[{"name":"s","type":"slack","url":"<secret>"}]');
  assert.throws(
    () => buildConfig({ notifiers: [{ name: 's', type: 'slack', url: 'hooks.slack.com/s3cr3tW3bh00kT0k3n' }], credentials: cred }, '/tmp/c.yaml', {}),
    (e: InstanceType<typeof ConfigError>) => {
      assert.equal(e.message, 'notifiers[0].url: must be an http(s) webhook URL');
      assert.ok(!JSON.stringify(e.problems).includes('s3cr3t'));
      return true;
    },
  );
});

// PagerDuty Events API v2 against a real local receiver: the exact request shape, trigger and
// resolve under one dedup_key, severity mapping, and a routing key that never leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagerduty, dedupKey, type PagerDutyConfig } from '../src/notifiers/pagerduty.js';
import { NotifyError } from '../src/notifiers/notifier.js';
import { Secret } from '../src/secret.js';
import { buildConfig } from '../src/config/load.js';
import { sampleEvent, silentLog } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';
import { tempDir } from './helpers/cli.js';

const KEY = 'R0UT1NGKEYcanary0123456789abcdef';
const ACCEPTED = { status: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' };
const ctx = (condition: 'expiry' | 'probe', level: 'ok' | 'warning' | 'critical' | 'expired' | 'failing') => ({
  log: silentLog(),
  timeoutMs: 2000,
  now: new Date(),
  alert: { condition, level },
});

test('pagerduty: firing is a trigger with the Events API v2 shape; resolved is a resolve under the same dedup_key', async (t) => {
  const server = await startHttpServer(ACCEPTED);
  t.after(() => server.close());
  const config: PagerDutyConfig = { name: 'oncall', type: 'pagerduty', routingKey: new Secret(KEY), url: `${server.url}/v2/enqueue` };

  await pagerduty.send(sampleEvent(), config, ctx('expiry', 'critical'));
  const trig = server.requests[0]!;
  assert.equal(trig.method, 'POST');
  assert.equal(trig.url, '/v2/enqueue');
  assert.equal(trig.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(trig.body), {
    routing_key: KEY,
    event_action: 'trigger',
    dedup_key: 'credwatch/clara-erp-prod/expiry',
    payload: {
      summary: 'clara-erp-prod: critical, expires in 4 days (2026-11-27)',
      source: 'clara-erp-prod',
      severity: 'critical',
      timestamp: '2026-11-22T10:00:00.000Z',
      component: 'clara-project',
      group: 'payments-team',
      class: 'expiry',
      custom_details: {
        event: 'firing',
        severity: 'critical',
        expiresAt: '2026-11-27T00:00:00.000Z',
        daysLeft: 4,
        renewBy: '2026-11-06T00:00:00.000Z',
        reasons: ['project expires in 4 days (2026-11-27)', `key file is readable by <group> & "others" ('o+r')`],
        owner: 'payments-team',
        runbook: 'https://wiki.example.com/runbooks/clara?team=pay&env=prod',
        eventId: 'clara-erp-prod:expiry:1:firing-critical',
      },
    },
    links: [{ href: 'https://wiki.example.com/runbooks/clara?team=pay&env=prod', text: 'runbook' }],
    client: 'credwatch',
  });

  await pagerduty.send(sampleEvent({ id: 'clara-erp-prod:expiry:1:resolved', event: 'resolved' }), config, ctx('expiry', 'ok'));
  assert.deepEqual(JSON.parse(server.requests[1]!.body), {
    routing_key: KEY,
    event_action: 'resolve',
    dedup_key: 'credwatch/clara-erp-prod/expiry',
    client: 'credwatch',
  });
});

test('pagerduty: severities map to PagerDuty\'s four; a probe alert has its own dedup_key; a heads-up reminder opens nothing', async (t) => {
  const server = await startHttpServer(ACCEPTED);
  t.after(() => server.close());
  const config: PagerDutyConfig = { name: 'oncall', type: 'pagerduty', routingKey: new Secret(KEY), url: server.url };
  await pagerduty.send(sampleEvent({ severity: 'warning' }), config, ctx('expiry', 'warning'));
  await pagerduty.send(sampleEvent({ severity: 'expired' }), config, ctx('expiry', 'expired'));
  await pagerduty.send(sampleEvent({ id: 'clara-erp-prod:probe:1:firing-failing', severity: 'failing' }), config, ctx('probe', 'failing'));
  await pagerduty.send(sampleEvent({ event: 'reminder', severity: 'warning' }), config, ctx('expiry', 'ok'));
  const bodies = server.requests.map((r) => JSON.parse(r.body));
  assert.deepEqual(
    bodies.map((b) => [b.payload.severity, b.dedup_key, b.payload.class]),
    [
      ['warning', 'credwatch/clara-erp-prod/expiry', 'expiry'],
      ['critical', 'credwatch/clara-erp-prod/expiry', 'expiry'],
      ['error', 'credwatch/clara-erp-prod/probe', 'probe'],
    ],
  );
  assert.equal(dedupKey('x'.repeat(300), 'expiry').length, 'credwatch/'.length + 64);
});

test('pagerduty: 400 is permanent, 429 and 5xx are retried; no error message carries the routing key', async (t) => {
  const server = await startHttpServer();
  t.after(() => server.close());
  server.script = [
    { status: 400, body: `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ${KEY} is invalid"]}` },
    { status: 429, headers: { 'retry-after': '7' } },
    { status: 502 },
  ];
  const config: PagerDutyConfig = { name: 'oncall', type: 'pagerduty', routingKey: new Secret(KEY), url: server.url };
  const got: [string, boolean, number | undefined][] = [];
  for (let i = 0; i < 3; i++) {
    await pagerduty.send(sampleEvent(), config, ctx('expiry', 'critical')).then(
      () => assert.fail('should fail'),
      (e: NotifyError) => {
        assert.ok(!e.message.includes(KEY), e.message);
        got.push([e.code, e.retryable, e.retryAfterMs]);
      },
    );
  }
  assert.deepEqual(got, [
    ['http_400', false, undefined],
    ['http_429', true, 7000],
    ['http_502', true, undefined],
  ]);
});

test('pagerduty: config takes routingKey or routingKeyFile; the key prints as <secret>; url defaults to PagerDuty', () => {
  const dir = tempDir();
  try {
    const keyFile = dir.write('pd.key', `${KEY}\n`);
    const { config } = buildConfig(
      { notifiers: [{ name: 'oncall', type: 'pagerduty', routingKeyFile: keyFile }], credentials: [{ id: 'k', kind: 'static', expiresAt: '2099-01-01' }] },
      dir.path('credwatch.yaml'),
      {},
    );
    const pd = config.notifiers[0] as PagerDutyConfig;
    assert.equal(pd.routingKey.reveal(), KEY);
    assert.equal(pd.url, 'https://events.pagerduty.com/v2/enqueue');
    assert.ok(!JSON.stringify(config).includes(KEY));
    assert.throws(
      () => buildConfig({ notifiers: [{ name: 'oncall', type: 'pagerduty' }], credentials: [{ id: 'k', kind: 'static', expiresAt: '2099-01-01' }] }, dir.path('c.yaml'), {}),
      /notifiers\[0\]\.routingKey/,
    );
  } finally {
    dir.cleanup();
  }
});

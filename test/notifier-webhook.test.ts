// Webhook to a real local HTTP server: the contract's JSON, and a signature checked independently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { webhook, type WebhookConfig } from '../src/notifiers/webhook.js';
import { NotifyError } from '../src/notifiers/notifier.js';
import { Secret } from '../src/secret.js';
import { sampleEvent, silentLog } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';

const SECRET = 'whsec-canary-5f1d0c3e';
const ctx = { log: silentLog(), timeoutMs: 2000, now: new Date(), alert: { condition: 'expiry' as const, level: 'critical' as const } };

/** What a receiver does: HMAC the raw bytes with the shared secret, compare in constant time. */
function verify(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const got = Buffer.from(header.slice('sha256='.length), 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

test('webhook: POSTs the event JSON exactly, signed with X-Credwatch-Signature', async (t) => {
  const server = await startHttpServer({ status: 204 });
  t.after(() => server.close());
  const config: WebhookConfig = { name: 'hook', type: 'webhook', url: `${server.url}/credwatch?x=1`, secret: new Secret(SECRET) };
  const event = sampleEvent();
  await webhook.send(event, config, ctx);
  const req = server.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/credwatch?x=1');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['idempotency-key'], event.id);
  assert.deepEqual(JSON.parse(req.body), event);
  assert.equal(req.body, JSON.stringify(event));
  assert.ok(verify(req.raw, req.headers['x-credwatch-signature'] as string, SECRET), 'signature verifies');
  assert.ok(!verify(req.raw, req.headers['x-credwatch-signature'] as string, 'another secret'), 'and only with the secret');
  assert.ok(!verify(Buffer.from(req.body.replace('critical', 'warning')), req.headers['x-credwatch-signature'] as string, SECRET), 'and only for these bytes');
  assert.ok(!req.raw.includes(SECRET), 'the secret itself is not sent');
});

test('webhook: without a secret, no signature header', async (t) => {
  const server = await startHttpServer();
  t.after(() => server.close());
  await webhook.send(sampleEvent(), { name: 'hook', type: 'webhook', url: server.url }, ctx);
  assert.equal(server.requests[0]!.headers['x-credwatch-signature'], undefined);
});

test('webhook: 404 and 400 are permanent, 503/429/408 retryable (with Retry-After), redirects are not followed', async (t) => {
  const server = await startHttpServer();
  t.after(() => server.close());
  server.script = [
    { status: 404 },
    { status: 400, body: 'bad event' },
    { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2099 00:00:00 GMT' } },
    { status: 429, headers: { 'retry-after': '3' } },
    { status: 408 },
    { status: 301, headers: { location: `${server.url}/elsewhere` } },
  ];
  const config: WebhookConfig = { name: 'hook', type: 'webhook', url: `${server.url}/x`, secret: new Secret(SECRET) };
  const got: [string, boolean, boolean][] = [];
  for (let i = 0; i < 6; i++) {
    await webhook.send(sampleEvent(), config, ctx).then(
      () => assert.fail('should fail'),
      (e: NotifyError) => got.push([e.code, e.retryable, (e.retryAfterMs ?? 0) > 0]),
    );
  }
  assert.deepEqual(got, [
    ['http_404', false, false],
    ['http_400', false, false],
    ['http_503', true, true],
    ['http_429', true, true],
    ['http_408', true, false],
    ['http_301', false, false],
  ]);
  assert.equal(server.requests.length, 6, 'the redirect was not followed');
});

test('webhook: the config schema takes url and a secret that prints as <secret>', async () => {
  const { schemaHelpers } = await import('../src/config/helpers.js');
  const parsed = webhook.schema(schemaHelpers('/tmp')).parse({ url: 'https://hooks.example.com/x', secret: SECRET }) as { secret: Secret };
  assert.equal(JSON.stringify(parsed), '{"url":"https://hooks.example.com/x","secret":"<secret>"}');
  assert.equal(parsed.secret.reveal(), SECRET);
  assert.throws(() => webhook.schema(schemaHelpers('/tmp')).parse({ url: 'ftp://x' }));
});

// Canary secrets (SMTP password, webhook secret, Slack URL token) go through the whole alert path,
// successes and failures, and are then searched for in events, every database row and every log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { processResults } from '../src/alerts/process.js';
import { dispatchPending } from '../src/alerts/dispatch.js';
import { sendTestEvent } from '../src/alerts/test-event.js';
import { notifierStatus } from '../src/store/outbox.js';
import { buildConfig } from '../src/config/load.js';
import { at, capturingLog, dumpDatabase, result, tempDb } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';
import { startSmtpServer } from './helpers/notify-smtp.js';

const SMTP_CANARY = 'canary-smtp-Zx81q0';
const HOOK_CANARY = 'canary-hook-Qm29w7';
const SLACK_CANARY = 'canaryslackTk55v3';

test('canary: secrets never reach events, database rows or logs, whether delivery works or fails', async (t) => {
  const hooks = await startHttpServer({ status: 200 });
  const smtpGood = await startSmtpServer({ user: 'credwatch', password: SMTP_CANARY });
  const smtpBad = await startSmtpServer({ user: 'credwatch', password: 'something-else' });
  const h = tempDb();
  t.after(async () => {
    h.cleanup();
    await Promise.all([hooks.close(), smtpGood.close(), smtpBad.close()]);
  });
  // Through the real config loader, so the secrets are wrapped exactly as in production.
  const smtp = (port: number, ca: string) => ({ host: '127.0.0.1', port, user: 'credwatch', password: SMTP_CANARY, ca });
  const { config } = buildConfig(
    {
      database: h.file,
      notifiers: [
        { name: 'slack-ok', type: 'slack', url: `${hooks.url}/services/T1/B1/${SLACK_CANARY}` },
        { name: 'slack-404', type: 'slack', url: `${hooks.url}/gone/${SLACK_CANARY}` },
        { name: 'hook', type: 'webhook', url: `${hooks.url}/hook`, secret: HOOK_CANARY },
        { name: 'mail', type: 'email', from: 'credwatch@example.com', to: ['ops@example.com'], smtp: smtp(smtpGood.port, smtpGood.caFile) },
        { name: 'mail-badauth', type: 'email', from: 'credwatch@example.com', to: ['ops@example.com'], smtp: smtp(smtpBad.port, smtpBad.caFile) },
      ],
      defaults: { notify: ['slack-ok', 'slack-404', 'hook', 'mail', 'mail-badauth'], owner: 'platform-team' },
      credentials: [{ id: 'edge-cert', kind: 'static', expiresAt: '2026-11-25' }],
    },
    '/tmp/credwatch-canary.yaml',
    {},
  );
  hooks.script = [];
  hooks.fallback = { status: 200 };
  const origPush = hooks.requests.push.bind(hooks.requests);
  // The Slack "gone" URL answers 404 with a body that echoes the path, as some proxies do.
  hooks.requests.push = (...reqs) => {
    for (const r of reqs) if (r.url.startsWith('/gone/')) hooks.script.unshift({ status: 404, body: `no such hook ${r.url}` });
    return origPush(...reqs);
  };

  const { log, text } = capturingLog();
  const now = at(0);
  const queued = processResults(h.db, config, [result({ id: 'edge-cert', kind: 'static', now, expiresAt: at(3) })], now);
  assert.equal(queued.length, 1);
  const summary = await dispatchPending(h.db, config, { log, deadline: new Date(Date.now() + 3000), backoff: { baseMs: 50, maxMs: 100, giveUpAfterMs: 3_600_000 } });
  assert.equal(summary.delivered, 3, 'slack-ok, hook and mail deliver');
  assert.equal(summary.failed, 2, 'the 404 and the bad login fail for good');
  const test1 = await sendTestEvent(config, 'mail-badauth', { log, db: h.db });
  assert.equal(test1.status, 'failed');

  const status = notifierStatus(h.db);
  assert.deepEqual(status.filter((s) => s.permanentError).map((s) => [s.notifier, s.permanentError!.code]), [
    ['mail-badauth', 'smtp_auth'],
    ['slack-404', 'http_404'],
  ]);

  const haystacks = {
    events: JSON.stringify(queued.map((q) => q.event)),
    database: dumpDatabase(h.db),
    logs: text(),
    status: JSON.stringify(status),
    testOutcome: JSON.stringify(test1) + inspect(test1),
    config: JSON.stringify(config.notifiers) + inspect(config.notifiers, { depth: 5 }),
    webhookBodies: hooks.requests.map((r) => r.body).join('\n'),
  };
  assert.ok(haystacks.logs.includes('notification failed permanently'), 'the failures were logged');
  assert.ok(haystacks.database.includes('http_404'), 'the failures were recorded');
  for (const [where, text] of Object.entries(haystacks)) {
    for (const canary of [SMTP_CANARY, HOOK_CANARY, SLACK_CANARY]) {
      assert.ok(!text.includes(canary), `${canary} found in ${where}`);
    }
  }
  // And the secrets did work where they had to.
  assert.equal(smtpGood.received.length, 1);
  assert.ok(hooks.requests.some((r) => r.url === `/services/T1/B1/${SLACK_CANARY}`));
  assert.ok(hooks.requests.some((r) => typeof r.headers['x-credwatch-signature'] === 'string'));
});

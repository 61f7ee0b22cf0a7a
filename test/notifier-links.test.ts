// With server.publicUrl set, alerts link to the status page (DESIGN, HTTP): the credential's own
// page in Slack, email and PagerDuty; the page itself in a digest and a test event. Without it,
// no link at all. Slack and PagerDuty through real local receivers, email as the exact message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slack, renderDigest as slackDigest, type SlackConfig } from '../src/notifiers/slack.js';
import { render as renderEmail, renderDigest as renderEmailDigest } from '../src/notifiers/email.js';
import { pagerduty, type PagerDutyConfig } from '../src/notifiers/pagerduty.js';
import { statusPageLink } from '../src/notifiers/notifier.js';
import { buildTestEvent } from '../src/alerts/event.js';
import { Secret } from '../src/secret.js';
import { sampleEvent, silentLog } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';

const PUBLIC = 'https://credwatch.example.com/ops/';
const PAGE = 'https://credwatch.example.com/ops/credentials/clara-erp-prod';
const ctx = (publicUrl?: string) => ({ log: silentLog(), timeoutMs: 2000, now: new Date('2026-11-22T10:00:05.000Z'), alert: { condition: 'expiry' as const, level: 'critical' as const }, publicUrl });

test('statusPageLink: the credential page under publicUrl (one slash), the page itself without an id, null when unset', () => {
  assert.equal(statusPageLink(PUBLIC, 'clara-erp-prod'), PAGE);
  assert.equal(statusPageLink('https://credwatch.example.com', 'certs/ca/root.pem'), 'https://credwatch.example.com/credentials/certs%2Fca%2Froot.pem');
  assert.equal(statusPageLink(PUBLIC), 'https://credwatch.example.com/ops/');
  assert.equal(statusPageLink(undefined, 'clara-erp-prod'), null);
});

test('slack: a "Status page" field links to the credential page when publicUrl is set, and is absent otherwise', async (t) => {
  const server = await startHttpServer();
  t.after(() => server.close());
  const config: SlackConfig = { name: 'ops-slack', type: 'slack', url: new Secret(`${server.url}/services/T/B/x`) };
  await slack.send(sampleEvent(), config, ctx(PUBLIC));
  await slack.send(sampleEvent(), config, ctx());
  const fields = server.requests.map((r) => JSON.parse(r.body).blocks[2].fields as { text: string }[]);
  assert.deepEqual(fields[0]!.at(-1), { type: 'mrkdwn', text: `*Status page*\n<${PAGE}|clara-erp-prod>` });
  assert.equal(fields[1]!.length, fields[0]!.length - 1);
  assert.ok(!server.requests[1]!.body.includes('credwatch.example.com'));
  // A digest links to the page itself.
  const digest = slackDigest([sampleEvent(), sampleEvent({ id: 'b:expiry:1:firing-warning', severity: 'warning' })], PUBLIC);
  assert.deepEqual(digest.blocks!.at(-1), { type: 'context', elements: [{ type: 'mrkdwn', text: 'digest · 2026-11-22T10:00:00.000Z · <https://credwatch.example.com/ops/|status page>' }] });
});

test('email: the text and HTML bodies carry the "Status page" fact as a link; a test event links to the page itself', () => {
  const config = { from: 'credwatch@example.com', to: ['ops@example.com'] };
  const mail = renderEmail(sampleEvent(), config, PUBLIC);
  assert.ok(mail.text.includes(`\nStatus page:${PAGE}\n`), mail.text);
  assert.ok(mail.html.includes(`<tr><th align="left">Status page</th><td><a href="${PAGE}">${PAGE}</a></td></tr>`), mail.html);
  assert.ok(!renderEmail(sampleEvent(), config).text.includes('Status page'));
  const test = renderEmail(buildTestEvent('ops-mail', { defaults: { notify: [] } }, new Date('2026-11-22T10:00:00Z')), config, PUBLIC);
  assert.ok(test.text.includes('\nStatus page:https://credwatch.example.com/ops/\n'), test.text);
  const digest = renderEmailDigest([sampleEvent(), sampleEvent({ id: 'b:expiry:1:firing-warning', severity: 'warning' })], config, PUBLIC);
  assert.ok(digest.text.endsWith('\nStatus page: https://credwatch.example.com/ops/\n'), digest.text);
  assert.ok(digest.html.includes('<p><a href="https://credwatch.example.com/ops/">Status page</a></p>'), digest.html);
});

test('pagerduty: the incident links to the runbook and to the credential page', async (t) => {
  const server = await startHttpServer({ status: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"success"}' });
  t.after(() => server.close());
  const config: PagerDutyConfig = { name: 'oncall', type: 'pagerduty', routingKey: new Secret('R0UT1NGKEY0123456789abcdef012345'), url: `${server.url}/v2/enqueue` };
  await pagerduty.send(sampleEvent(), config, ctx(PUBLIC));
  assert.deepEqual(JSON.parse(server.requests[0]!.body).links, [
    { href: 'https://wiki.example.com/runbooks/clara?team=pay&env=prod', text: 'runbook' },
    { href: PAGE, text: 'credwatch status page' },
  ]);
});

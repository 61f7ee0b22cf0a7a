// Pure parts of the HTTP server: metrics text, status page, bearer check, health verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMetrics, type MetricsSnapshot } from '../src/server/metrics.js';
import { renderStatusPage } from '../src/server/status-page.js';
import { buildStatusView } from '../src/server/status-view.js';
import { bearerAllowed } from '../src/server/auth.js';
import { assessHealth } from '../src/server/health.js';
import { parseListen } from '../src/server/listen.js';
import { Secret } from '../src/secret.js';
import { summarize, type CredentialResult } from '../src/types.js';

const snapshot: MetricsSnapshot = {
  credentials: [
    { id: 'edge', kind: 'x509', status: 'warning', expiries: [{ source: 'certificate', expiresAt: '2027-01-05T12:34:56.789Z' }], probe: null },
    { id: 'api', kind: 'oauth2', status: 'failing', expiries: [], probe: { ok: false, latencyMs: 1234 } },
    { id: 'new', kind: 'static', status: null, expiries: [], probe: null },
  ],
  notifications: [{ notifier: 'hook', outcome: 'delivered', count: 3 }],
  outboxBacklog: 2,
  lastCycle: { durationMs: 1500, finishedAt: Date.parse('2026-11-22T10:00:01.500Z') },
  cycles: { ok: 4, failed: 0 },
};

test('metrics: exact expiry instants, one-hot statuses, probe series, counters', async () => {
  const { body, contentType } = await renderMetrics(snapshot);
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  const lines = body.split('\n').filter((l) => l && !l.startsWith('#'));
  const has = (l: string) => assert.ok(lines.includes(l), `missing: ${l}\n${body}`);
  has('credwatch_credential_expiry_timestamp_seconds{id="edge",kind="x509",source="certificate"} 1799152496.789');
  for (const s of ['ok', 'warning', 'critical', 'expired', 'failing', 'error']) {
    has(`credwatch_credential_status{id="edge",kind="x509",status="${s}"} ${s === 'warning' ? 1 : 0}`);
    has(`credwatch_credential_status{id="api",kind="oauth2",status="${s}"} ${s === 'failing' ? 1 : 0}`);
  }
  assert.ok(!lines.some((l) => l.includes('id="new"')), 'no series for a credential never checked');
  has('credwatch_probe_success{id="api"} 0');
  has('credwatch_probe_duration_seconds{id="api"} 1.234');
  assert.ok(!lines.some((l) => l.startsWith('credwatch_probe_success{id="edge"}')));
  has('credwatch_notifications_total{notifier="hook",outcome="delivered"} 3');
  has('credwatch_outbox_backlog 2');
  has('credwatch_cycle_duration_seconds 1.5');
  has('credwatch_last_cycle_timestamp_seconds 1795341601.5');
});

const result = (id: string, status: CredentialResult['status'], expiresAt: string | null): CredentialResult & { checkedAt: string } => ({
  id,
  kind: 'static',
  status,
  expiresAt,
  daysLeft: null,
  renewBy: expiresAt,
  expiries: expiresAt ? [{ source: 'secret', expiresAt, daysLeft: 0 }] : [],
  probe: null,
  reasons: [`<img src=x onerror=alert(1)> ${id}`],
  certificates: [],
  levels: { expiry: 'ok', probe: 'ok' },
  probeFailures: 0,
  checkedAt: '2026-11-22T10:00:00.000Z',
});

test('status page: every credential, urgency order, owner fallback, escaped text, safe links only', () => {
  const creds = [result('fine', 'ok', '2027-06-01T00:00:00.000Z'), result('bad', 'expired', '2026-11-01T00:00:00.000Z'), result('soon', 'critical', '2026-11-25T00:00:00.000Z')];
  const config = {
    defaults: { owner: 'platform-team', notify: [] },
    credentials: [
      { id: 'fine', kind: 'static', owner: 'pay"ments', runbook: 'javascript:alert(1)', renewalLeadDays: 14 },
      { id: 'bad', kind: 'static', runbook: 'https://wiki.example.com/a?b=1&c=<2>', renewalLeadDays: 14 },
      { id: 'soon', kind: 'static', description: '<b>bold</b>', renewalLeadDays: 14 },
      { id: 'later', kind: 'static', renewalLeadDays: 14 },
    ],
  } as any;
  const view = buildStatusView(config, { checkedAt: '2026-11-22T10:00:00.000Z', summary: summarize(creds), credentials: creds }, new Date('2026-11-22T12:00:00Z'));
  assert.deepEqual(view.credentials.map((c) => c.id), ['bad', 'soon', 'fine', 'later']);
  assert.equal(view.credentials[3]!.status, 'pending');
  assert.equal(view.credentials[0]!.owner, 'platform-team');
  assert.equal(view.credentials[1]!.daysLeft, 2);
  assert.deepEqual(view.timeline.map((t) => t.id), ['soon', 'fine']);

  const html = renderStatusPage(view);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.ok(!/<script|<link|src="http/i.test(html), 'no scripts or external assets');
  assert.ok(!html.includes('<img'), 'reason text is escaped');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('&lt;b&gt;bold&lt;/b&gt;'));
  assert.ok(html.includes('pay&quot;ments'));
  assert.ok(!html.includes('href="javascript:'), 'a javascript: runbook is not a link');
  assert.ok(html.includes('href="https://wiki.example.com/a?b=1&amp;c=%3C2%3E"'));
  for (const id of ['fine', 'bad', 'soon', 'later']) assert.ok(html.includes(`data-credential="${id}"`));
});

test('bearer token: constant-time match, required only when configured', () => {
  const token = new Secret('s3cr3t-token');
  assert.equal(bearerAllowed(undefined, undefined), true);
  assert.equal(bearerAllowed('Bearer s3cr3t-token', token), true);
  assert.equal(bearerAllowed('bearer  s3cr3t-token', token), true);
  assert.equal(bearerAllowed(undefined, token), false);
  assert.equal(bearerAllowed('Bearer s3cr3t-toke', token), false);
  assert.equal(bearerAllowed('Basic s3cr3t-token', token), false);
  assert.equal(bearerAllowed('Bearer ', new Secret('')), false);
});

test('health verdict: scheduler, freshness and database each make it 503', () => {
  const base = { schedulerRunning: true, deadline: 2000, lastCycleFinishedAt: '2026-11-22T10:00:00.000Z', databaseError: null, now: 1000 };
  assert.deepEqual(assessHealth(base).reasons, []);
  assert.equal(assessHealth(base).status, 'ok');
  assert.match(assessHealth({ ...base, schedulerRunning: false }).reasons[0]!, /scheduler/);
  assert.match(assessHealth({ ...base, now: 2001 }).reasons[0]!, /two schedule periods/);
  assert.match(assessHealth({ ...base, databaseError: 'attempt to write a readonly database' }).reasons[0]!, /not writable/);
  assert.equal(assessHealth({ ...base, databaseError: 'x' }).status, 'unhealthy');
});

test('listen addresses', () => {
  assert.deepEqual(parseListen('127.0.0.1:9477'), { host: '127.0.0.1', port: 9477 });
  assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
  assert.throws(() => parseListen('9477'));
});

// Alertmanager: the pure rendering as a table, then a real prometheus-alertmanager on loopback
// driven through the outbox: the alert shows up with the contract's labels, escalates, resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render, type AlertmanagerConfig } from '../src/notifiers/alertmanager.js';
import { processResults } from '../src/alerts/process.js';
import { dispatchPending } from '../src/alerts/dispatch.js';
import { repostActiveAlerts } from '../src/alerts/repost.js';
import { config, credential, result, sampleEvent, silentLog, tempDb } from './helpers/alerts-fixtures.js';
import { alertmanagerMissing, startAlertmanager } from './helpers/notify-alertmanager.js';

const NOW = new Date('2026-11-22T10:00:05.000Z');
const LABELS = { alertname: 'CredentialExpiry', credential: 'clara-erp-prod', kind: 'clara-project', severity: 'critical', status: 'critical', owner: 'payments-team' };
const ANNOTATIONS = {
  summary: 'clara-erp-prod: critical, expires in 4 days (2026-11-27)',
  runbook_url: 'https://wiki.example.com/runbooks/clara?team=pay&env=prod',
  description: `project expires in 4 days (2026-11-27)\nkey file is readable by <group> & "others" ('o+r')`,
};

test('alertmanager render: a firing posts that alert alone (endsAt one TTL ahead), no resolved copies of levels that never fired', () => {
  const alerts = render(sampleEvent(), { now: NOW, alert: { condition: 'expiry', level: 'critical' } });
  assert.deepEqual(alerts, [{ labels: LABELS, annotations: ANNOTATIONS, startsAt: '2026-11-22T10:00:00.000Z', endsAt: '2026-11-22T11:00:05.000Z' }]);
  // First firing: nothing was announced before.
  assert.deepEqual(render(sampleEvent(), { now: NOW, alert: { condition: 'expiry', level: 'critical', previous: null } }).length, 1);
  assert.deepEqual(render(sampleEvent(), { now: NOW, alert: { condition: 'expiry', level: 'critical', previous: 'ok' } }).length, 1);
});

test('alertmanager render: an escalation ends exactly the alert it replaces; severity follows Prometheus convention, status is credwatch\'s', () => {
  const expired = sampleEvent({ severity: 'expired' });
  assert.deepEqual(render(expired, { now: NOW, alert: { condition: 'expiry', level: 'expired', previous: 'critical' } }), [
    { labels: { ...LABELS, status: 'expired' }, annotations: ANNOTATIONS, startsAt: '2026-11-22T10:00:00.000Z', endsAt: '2026-11-22T11:00:05.000Z' },
    { labels: LABELS, annotations: ANNOTATIONS, endsAt: '2026-11-22T10:00:00.000Z' },
  ]);
  const rows: [string, string][] = [
    ['warning', 'warning'],
    ['critical', 'critical'],
    ['expired', 'critical'],
    ['failing', 'critical'],
  ];
  for (const [level, severity] of rows) {
    const [a] = render(sampleEvent({ severity: level as 'warning' }), { now: NOW, alert: { condition: level === 'failing' ? 'probe' : 'expiry', level: level as 'warning' } });
    assert.deepEqual([a!.labels.severity, a!.labels.status], [severity, level], level);
  }
});

test('alertmanager render: environment when set, generatorURL from server.publicUrl', () => {
  const e = sampleEvent({ credential: { ...sampleEvent().credential, environment: 'production' } });
  const [a] = render(e, { now: NOW, alert: { condition: 'expiry', level: 'critical' }, publicUrl: 'https://credwatch.example.com/ops/' });
  assert.deepEqual(a!.labels, { ...LABELS, environment: 'production' });
  assert.equal(a!.generatorURL, 'https://credwatch.example.com/ops/');
});

test('alertmanager render: resolved ends the one alert it resolves; probe alerts are CredentialProbeFailure', () => {
  const resolved = render(sampleEvent({ event: 'resolved', severity: 'failing', summary: 'x: resolved, probe passes again', reasons: [], credential: { id: 'x', kind: 'oauth2', owner: null, runbook: null } }), {
    now: NOW,
    alert: { condition: 'probe', level: 'ok' },
  });
  assert.deepEqual(resolved, [
    { labels: { alertname: 'CredentialProbeFailure', credential: 'x', kind: 'oauth2', severity: 'critical', status: 'failing' }, annotations: { summary: 'x: resolved, probe passes again' }, endsAt: '2026-11-22T10:00:00.000Z' },
  ]);
});

test('alertmanager render: a heads-up reminder (still ok) opens no alert; --at in the future never dates beyond now', () => {
  assert.deepEqual(render(sampleEvent({ event: 'reminder', severity: 'warning' }), { now: NOW, alert: { condition: 'expiry', level: 'ok' } }), []);
  const future = render(sampleEvent({ occurredAt: '2027-06-01T00:00:00.000Z' }), { now: NOW, alert: { condition: 'expiry', level: 'critical' }, ttlMs: 60_000 });
  assert.equal(future[0]!.startsAt, NOW.toISOString());
  assert.equal(future[0]!.endsAt, '2026-11-22T10:01:05.000Z');
});

test('alertmanager: a real Alertmanager shows the alert with the contract labels, follows an escalation, then resolves', async (t) => {
  const missing = alertmanagerMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const am = await startAlertmanager();
  const h = tempDb();
  t.after(async () => {
    h.cleanup();
    await am.stop();
  });
  const amConfig: AlertmanagerConfig = { name: 'am', type: 'alertmanager', url: `${am.url}/` };
  const cfg = config({
    credentials: [credential('api-cert', { owner: 'platform-team', runbook: 'https://wiki.example.com/runbooks/api-cert' })],
    notifiers: [amConfig],
    notify: ['am'],
  });
  const log = silentLog();
  const DAY = 86_400_000;
  const cycle = async (r: ReturnType<typeof result>) => {
    processResults(h.db, cfg, [r], new Date());
    return dispatchPending(h.db, cfg, { log });
  };
  const mine = async () =>
    (await am.alerts())
      .filter((a) => a.labels.credential === 'api-cert')
      .map((a) => ({ labels: a.labels, annotations: a.annotations, state: a.status.state }))
      .sort((a, b) => String(a.labels.alertname).localeCompare(String(b.labels.alertname)));

  // 1. Critical expiry and a failing probe: two alerts.
  let now = new Date();
  const first = await cycle(result({ now, expiresAt: new Date(now.getTime() + 5 * DAY + 3_600_000), probe: 'failing' }));
  assert.deepEqual(first, { attempted: 2, delivered: 2, retried: 0, failed: 0 });
  assert.deepEqual(await mine(), [
    {
      labels: { alertname: 'CredentialExpiry', credential: 'api-cert', kind: 'x509', owner: 'platform-team', severity: 'critical', status: 'critical' },
      annotations: {
        summary: `api-cert: critical, expires in 5 days (${new Date(now.getTime() + 5 * DAY + 3_600_000).toISOString().slice(0, 10)})`,
        runbook_url: 'https://wiki.example.com/runbooks/api-cert',
        description: `secret expires in 5 days (${new Date(now.getTime() + 5 * DAY + 3_600_000).toISOString().slice(0, 10)})`,
      },
      state: 'active',
    },
    {
      labels: { alertname: 'CredentialProbeFailure', credential: 'api-cert', kind: 'x509', owner: 'platform-team', severity: 'critical', status: 'failing' },
      annotations: {
        summary: 'api-cert: probe failing: token_rejected: token endpoint answered 401',
        runbook_url: 'https://wiki.example.com/runbooks/api-cert',
        description: 'probe failing for 1 consecutive check: token_rejected: token endpoint answered 401',
      },
      state: 'active',
    },
  ]);

  // 2. The re-post every cycle keeps both active (and is what a restarted Alertmanager needs).
  const repost = await repostActiveAlerts(h.db, cfg, { log });
  assert.deepEqual(repost, { notifiers: [{ name: 'am', alerts: 2 }] });
  assert.equal((await mine()).length, 2);

  // 3. Expired now, probe fixed: the expiry alert moves to status expired (the critical one ends), the probe alert resolves.
  now = new Date();
  await cycle(result({ now, expiresAt: new Date(now.getTime() - 3_600_000), probe: 'ok' }));
  assert.deepEqual(
    (await mine()).map((a) => `${a.labels.alertname} ${a.labels.severity} ${a.labels.status} ${a.state}`),
    ['CredentialExpiry critical expired active'],
  );

  // 4. Renewed: nothing active for the credential any more.
  now = new Date();
  await cycle(result({ now, expiresAt: new Date(now.getTime() + 300 * DAY), probe: 'ok' }));
  assert.deepEqual(await mine(), []);
  assert.deepEqual(await repostActiveAlerts(h.db, cfg, { log }), { notifiers: [{ name: 'am', alerts: 0 }] });
});

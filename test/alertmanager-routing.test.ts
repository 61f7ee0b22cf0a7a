// Alertmanager as ops run it: a route on severity="critical" to a pager (a webhook receiver on
// loopback). Expired credentials and failing probes reach it; a page never carries resolved
// copies of levels that never fired; a credential removed from the config resolves its alerts on
// every notifier, once, "removed from the configuration".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertmanagerConfig } from '../src/notifiers/alertmanager.js';
import type { WebhookConfig } from '../src/notifiers/webhook.js';
import { processResults } from '../src/alerts/process.js';
import { dispatchPending } from '../src/alerts/dispatch.js';
import { config, credential, result, silentLog, tempDb } from './helpers/alerts-fixtures.js';
import { alertmanagerMissing, startAlertmanager } from './helpers/notify-alertmanager.js';
import { startHttpServer } from './helpers/notify-http.js';
import { until as untilHelper } from './helpers/until.js';

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const until = <T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 15_000) => untilHelper(what, fn, { ms, everyMs: 100 });

interface Page {
  status: string;
  alerts: { status: string; labels: Record<string, string>; generatorURL: string }[];
}

test('a severity="critical" route pages for expired and failing; pages carry no phantom resolves; removal resolves everywhere', { skip: alertmanagerMissing() }, async (t) => {
  const pager = await startHttpServer();
  const hook = await startHttpServer();
  const am = await startAlertmanager({
    config: `route:
  receiver: 'null'
  group_by: [alertname, credential]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
receivers:
  - name: 'null'
  - name: pager
    webhook_configs:
      - url: ${pager.url}/pager
        send_resolved: true
`,
  });
  const h = tempDb();
  t.after(async () => {
    h.cleanup();
    await am.stop();
    await pager.close();
    await hook.close();
  });
  const notifiers = [
    { name: 'am', type: 'alertmanager', url: am.url } as AlertmanagerConfig,
    { name: 'hook', type: 'webhook', url: `${hook.url}/hook` } as WebhookConfig,
  ];
  const withServer = (c: ReturnType<typeof config>) => ({ ...c, server: { ...c.server, publicUrl: 'https://credwatch.example.com/' } });
  const both = withServer(
    config({
      credentials: [credential('gone-cert', { owner: 'platform-team' }), credential('api-client', { kind: 'oauth2', environment: 'production' })],
      notifiers,
      notify: ['am', 'hook'],
    }),
  );
  const log = silentLog();
  const pages = () => pager.requests.map((r) => JSON.parse(r.body) as Page);
  const pagedAlerts = () => pages().flatMap((p) => p.alerts);

  // 1. gone-cert expired an hour ago (first sight: one firing at expired); api-client's probe fails.
  const now = new Date();
  processResults(h.db, both, [
    result({ id: 'gone-cert', now, expiresAt: new Date(now.getTime() - 3_600_000) }),
    result({ id: 'api-client', kind: 'oauth2', now, expiresAt: new Date(now.getTime() + 300 * DAY), probe: 'failing' }),
  ], now);
  assert.deepEqual(await dispatchPending(h.db, both, { log }), { attempted: 4, delivered: 4, retried: 0, failed: 0 });

  const firing = await until('both critical alerts paged', () => {
    const a = pagedAlerts();
    return a.length >= 2 ? a : null;
  });
  assert.deepEqual(
    firing.map((a) => ({ status: a.status, labels: a.labels, generatorURL: a.generatorURL })).sort((x, y) => x.labels.credential!.localeCompare(y.labels.credential!)),
    [
      { status: 'firing', labels: { alertname: 'CredentialProbeFailure', credential: 'api-client', kind: 'oauth2', severity: 'critical', status: 'failing', environment: 'production' }, generatorURL: 'https://credwatch.example.com/' },
      { status: 'firing', labels: { alertname: 'CredentialExpiry', credential: 'gone-cert', kind: 'x509', owner: 'platform-team', severity: 'critical', status: 'expired' }, generatorURL: 'https://credwatch.example.com/' },
    ],
  );
  // Let a group interval pass: still no resolved alert that never fired in any page.
  await sleep(2500);
  assert.deepEqual(pagedAlerts().filter((a) => a.status === 'resolved'), []);
  assert.equal((await am.alerts()).length, 2, 'Alertmanager holds exactly the two firing alerts');

  // 2. gone-cert is removed from the configuration: the next cycle resolves it on every notifier.
  const without = withServer(config({ credentials: [credential('api-client', { kind: 'oauth2', environment: 'production' })], notifiers, notify: ['am', 'hook'] }));
  const later = new Date();
  const queued = processResults(h.db, without, [result({ id: 'api-client', kind: 'oauth2', now: later, expiresAt: new Date(later.getTime() + 300 * DAY), probe: 'failing' })], later);
  assert.deepEqual(
    queued.map((q) => [q.event.id, q.event.event, q.event.severity, q.notifiers]),
    [['gone-cert:expiry:1:resolved', 'resolved', 'expired', ['am', 'hook']]],
  );
  assert.deepEqual(await dispatchPending(h.db, without, { log }), { attempted: 2, delivered: 2, retried: 0, failed: 0 });
  const hooked = hook.requests.map((r) => JSON.parse(r.body)).filter((e) => e.credential.id === 'gone-cert');
  assert.deepEqual(
    hooked.map((e) => [e.event, e.severity, e.summary, e.reasons]),
    [
      ['firing', 'expired', hooked[0].summary, hooked[0].reasons],
      ['resolved', 'expired', 'gone-cert: resolved, removed from the configuration', ['removed from the configuration']],
    ],
  );
  const resolvedPage = await until('the resolve paged', () => pagedAlerts().find((a) => a.labels.credential === 'gone-cert' && a.status === 'resolved'));
  assert.equal(resolvedPage.labels.status, 'expired');
  assert.deepEqual((await am.alerts()).map((a) => a.labels.credential), ['api-client']);

  // Once: the next cycle has nothing more to say about gone-cert.
  const again = processResults(h.db, without, [result({ id: 'api-client', kind: 'oauth2', now: new Date(), expiresAt: new Date(Date.now() + 300 * DAY), probe: 'failing' })], new Date());
  assert.deepEqual(again, []);
  // Every page so far: firing alerts and that one real resolve, nothing else.
  assert.deepEqual(pagedAlerts().filter((a) => a.status === 'resolved').map((a) => a.labels.credential), ['gone-cert']);
});

// High availability through a clustered Alertmanager: two credwatch daemons (each its own SQLite
// file, the same config) post every alert to both members of a two-node Alertmanager gossip
// cluster on loopback; a webhook receiver behind the cluster sees each notification once, also
// after one daemon and one Alertmanager are killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, TSX, tempDir } from './helpers/cli.js';
import { alertmanagerMissing, startAlertmanager, type RunningAlertmanager } from './helpers/notify-alertmanager.js';
import { startHttpServer } from './helpers/notify-http.js';
import { freePort } from './helpers/ports.js';
import { until as untilHelper } from './helpers/until.js';

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const until = <T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms: number) => untilHelper(what, fn, { ms, everyMs: 100 });

interface Notification {
  status: string;
  alerts: { status: string; labels: Record<string, string>; startsAt: string }[];
}

function daemon(config: string, env: Record<string, string>): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli.ts'), 'run', '--config', config], {
    env: { ...process.env, CREDWATCH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => (log += d));
  return { child, log: () => log };
}

const stopped = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));

test('two daemons, one clustered Alertmanager: one notification per event, also after losing a daemon and an Alertmanager', { skip: alertmanagerMissing(), timeout: 150_000 }, async (t) => {
  const receiver = await startHttpServer();
  const amConfig = `route:
  receiver: ops
  group_by: [alertname, credential]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 4h
receivers:
  - name: ops
    webhook_configs:
      - url: ${receiver.url}/ops
        send_resolved: true
`;
  const [c1, c2] = [await freePort(), await freePort()];
  const cluster = (own: number, peer: number) => [
    `--cluster.listen-address=127.0.0.1:${own}`,
    `--cluster.advertise-address=127.0.0.1:${own}`,
    `--cluster.peer=127.0.0.1:${peer}`,
    '--cluster.peer-timeout=1s',
    '--cluster.gossip-interval=50ms',
    '--cluster.pushpull-interval=1s',
    '--cluster.settle-timeout=3s',
    '--cluster.probe-interval=200ms',
    '--cluster.probe-timeout=100ms',
  ];
  const ams: RunningAlertmanager[] = await Promise.all([startAlertmanager({ config: amConfig, clusterArgs: cluster(c1, c2) }), startAlertmanager({ config: amConfig, clusterArgs: cluster(c2, c1) })]);
  const dir = tempDir('credwatch-ha-');
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(stopped));
    await Promise.all(ams.map((a) => a.stop()));
    await receiver.close();
    dir.cleanup();
  });
  // Both members see each other before anything is posted.
  await until('the cluster to form', async () => {
    const s = await (await fetch(`${ams[0]!.url}/api/v2/status`)).json();
    return (s as { cluster: { peers: unknown[] } }).cluster.peers.length === 2;
  }, 20_000);

  // One config for both replicas; only the database and listen address differ, by environment.
  // The credential crosses into warning (30 whole days left) a few seconds after the daemons start.
  const expiresAt = new Date(Date.now() + 31 * DAY + 15_000);
  const configYaml = (expiry: Date) => `database: "\${CW_DB}"
server: { listen: "\${CW_LISTEN}" }
schedule: { check: "*/2 * * * * *" }
ha: true
notifiers:
  - { name: am, type: alertmanager, url: ["${ams[0]!.url}", "${ams[1]!.url}"] }
defaults: { notify: [am], owner: platform-team }
credentials:
  - { id: renew-me, kind: static, expiresAt: "${expiry.toISOString()}" }
`;
  const config = dir.write('credwatch.yaml', configYaml(expiresAt));
  const a = daemon(config, { CW_DB: dir.path('a', 'credwatch.db'), CW_LISTEN: `127.0.0.1:${await freePort()}` });
  const b = daemon(config, { CW_DB: dir.path('b', 'credwatch.db'), CW_LISTEN: `127.0.0.1:${await freePort()}` });
  children.push(a.child, b.child);

  const notifications = () => receiver.requests.map((r) => JSON.parse(r.body) as Notification);
  const about = (status: string) => notifications().filter((n) => n.alerts.some((x) => x.labels.credential === 'renew-me' && x.status === status));

  // 1. Crossing into warning: both replicas fire; the receiver is notified once.
  await until('the warning notification', () => about('firing').length > 0, 60_000);
  await until('both replicas to have fired', () => [a, b].every((d) => d.log().includes('alert events queued')), 20_000);
  await sleep(4000); // peer timeout, group interval and several re-posts later
  const firing = about('firing');
  assert.equal(firing.length, 1, JSON.stringify(notifications()));
  const alert = firing[0]!.alerts.find((x) => x.labels.credential === 'renew-me')!;
  assert.deepEqual(alert.labels, { alertname: 'CredentialExpiry', credential: 'renew-me', kind: 'static', owner: 'platform-team', severity: 'warning', status: 'warning' });
  // startsAt as evaluated (the instant 30 whole days were left), the same from either replica.
  assert.equal(Date.parse(alert.startsAt), expiresAt.getTime() - 31 * DAY);
  const merged = await ams[1]!.alerts();
  assert.equal(merged.filter((x) => x.labels.credential === 'renew-me').length, 1, 'the two replicas\' posts are one alert');

  // 2. A replica that starts late (a fresh database) catches up without a flap: it first-sights
  //    the warning and posts the same alert, which the cluster already notified.
  a.child.kill('SIGTERM');
  await stopped(a.child);
  const late = daemon(config, { CW_DB: dir.path('late', 'credwatch.db'), CW_LISTEN: `127.0.0.1:${await freePort()}` });
  children.push(late.child);
  await until('the late replica to fire and re-post', () => (late.log().match(/check cycle finished/g) ?? []).length >= 3 && late.log().includes('alert events queued'), 30_000);
  await sleep(3000);
  assert.deepEqual([about('firing').length, about('resolved').length], [1, 0], JSON.stringify(notifications()));

  // 3. Lose that daemon and Alertmanager 0; renew: exactly one resolved notification.
  late.child.kill('SIGKILL');
  await stopped(late.child);
  await ams[0]!.stop();
  dir.write('credwatch.yaml', configYaml(new Date(Date.now() + 300 * DAY)));
  b.child.kill('SIGHUP');
  await until('the resolved notification', () => about('resolved').length > 0, 30_000);
  await sleep(4000);
  assert.equal(about('resolved').length, 1, JSON.stringify(notifications()));
  assert.equal(about('firing').length, 1, 'no flap: the warning was not notified again');
  assert.match(b.log(), /refused the alerts; delivered to the others/);
});

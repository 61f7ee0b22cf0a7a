// What a new ops user trips over at the command line: forecasts that write, `status` before any
// check, log lines burying the table at a terminal, one bad threshold reported many times, and a
// config whose alerts reach no one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
// The command line as users run it: the built bundle (dist/cli.cjs, built if missing or stale).
import { ROOT, TSX, runBuiltCli as runCli, tempDir } from './helpers/cli.js';
import { defaultLogLevel } from '../src/log.js';

const DAY = 86_400_000;
const t = tempDir();
after(() => t.cleanup());

const soon = new Date(Date.now() + 20 * DAY).toISOString();
const config = t.write(
  'credwatch.yaml',
  `database: ./state/credwatch.db
retentionDays: 30
notifiers: [ { name: hook, type: webhook, url: "http://127.0.0.1:9/unused" } ]
defaults: { notify: [hook] }
credentials:
  - { id: api-key, kind: static, expiresAt: "${soon}" }
`,
);
const rows = () => {
  const db = new Database(t.path('state', 'credwatch.db'), { readonly: true });
  try {
    return {
      checks: (db.prepare('SELECT COUNT(*) AS n FROM checks').get() as { n: number }).n,
      results: (db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n,
      alerts: (db.prepare('SELECT COUNT(*) AS n FROM alert_state').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
};

test('status before any check: "no check recorded yet", exit 3 (Nagios UNKNOWN)', async () => {
  const r = await runCli(['status', '--config', config]);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, 'no check recorded yet\n');
  assert.match(r.stderr, /no check recorded yet in \S+credwatch\.db; run credwatch check/);
  assert.doesNotMatch(r.stdout + r.stderr, /1970/);
  const j = await runCli(['status', '--json', '--config', config]);
  assert.equal(j.code, 3);
  assert.deepEqual(JSON.parse(j.stdout), { checkedAt: null, summary: { ok: 0, warning: 0, critical: 0, expired: 0, failing: 0, error: 0 }, credentials: [] });
});

test('check --at without --notify is a forecast: it prints and writes nothing; retention uses the real clock', async () => {
  assert.equal((await runCli(['check', '--no-probe', '--config', config])).code, 1);
  assert.equal((await runCli(['check', '--no-probe', '--config', config])).code, 1);
  assert.deepEqual(rows(), { checks: 2, results: 2, alerts: 0 });
  const recorded = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout).checkedAt;

  const at = new Date(Date.now() + 400 * DAY).toISOString();
  const forecast = await runCli(['check', '--json', '--no-probe', '--at', at, '--config', config]);
  assert.equal(forecast.code, 2, forecast.stderr);
  assert.equal(JSON.parse(forecast.stdout).credentials[0].status, 'expired');
  assert.deepEqual(rows(), { checks: 2, results: 2, alerts: 0 }, 'nothing written, nothing pruned');
  const status = await runCli(['status', '--json', '--config', config]);
  assert.equal(JSON.parse(status.stdout).checkedAt, recorded, 'the forecast did not become the latest status');
  assert.equal(status.code, 1);

  // With --notify it drives the real state (a drill); retention still counts from the real clock.
  const drill = await runCli(['check', '--no-probe', '--notify', '--at', at, '--config', config], { env: { CREDWATCH_LOG_LEVEL: 'error' } });
  assert.equal(drill.code, 2);
  assert.deepEqual(rows(), { checks: 3, results: 3, alerts: 1 }, 'recorded, and the 400-days-later clock pruned nothing');
});

/** Runs the CLI under a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function atTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const cmd = [process.execPath, '--import', TSX, `${ROOT}/src/cli.ts`, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

test('at a terminal, info logs stay quiet unless asked: the table comes first', { skip: !HAS_SCRIPT && 'script (util-linux) is not installed' }, async () => {
  const env = { ...process.env };
  delete env.CREDWATCH_LOG_LEVEL;
  const quiet = await atTerminal(['check', '--no-probe', '--config', config], env);
  assert.match(quiet.split('\n')[0]!, /STATUS\s+CREDENTIAL/, quiet);
  assert.doesNotMatch(quiet, /check cycle finished/);
  const asked = await atTerminal(['check', '--no-probe', '--config', config], { ...env, CREDWATCH_LOG_LEVEL: 'info' });
  assert.match(asked, /check cycle finished/);
  // The rule itself: a daemon and piped output keep info.
  assert.equal(defaultLogLevel({}, true, true), 'warn');
  assert.equal(defaultLogLevel({}, false, true), 'info');
  assert.equal(defaultLogLevel({}, true, false), 'info');
  assert.equal(defaultLogLevel({ CREDWATCH_LOG_LEVEL: 'debug' }, true, true), 'debug');
});

test('one bad global threshold is reported once, not once per credential', async () => {
  const bad = t.write(
    'bad-thresholds.yaml',
    `thresholds: { warningDays: 5, criticalDays: 10 }
credentials:
  - { id: a, kind: static, expiresAt: 2030-01-01 }
  - { id: b, kind: static, expiresAt: 2030-01-01 }
  - { id: c, kind: static, expiresAt: 2030-01-01, thresholds: { warningDays: 3 } }
`,
  );
  const r = await runCli(['validate', '--config', bad]);
  assert.equal(r.code, 3);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('  ')).join('\n'), [
    '  thresholds.criticalDays: must not exceed warningDays (5)',
    '  credentials[2].thresholds.criticalDays: must not exceed warningDays (3)',
  ].join('\n'));
});

test('credentials that reach no notifier: validate warns (exit 0); the daemon logs it at start', async () => {
  const lonely = t.write(
    'lonely.yaml',
    `database: ./state/lonely.db
server: { listen: "127.0.0.1:0" }
notifiers: [ { name: hook, type: webhook, url: "http://127.0.0.1:9/unused" } ]
credentials:
  - { id: a, kind: static, expiresAt: 2030-01-01 }
  - { id: b, kind: static, expiresAt: 2030-01-01, notify: [hook] }
  - { id: c, kind: static, expiresAt: 2030-01-01 }
`,
  );
  const r = await runCli(['validate', '--config', lonely]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /OK, 3 credentials, 1 notifier, 1 warning/);
  assert.equal(r.stderr, "warning: defaults.notify: 2 credentials reach no notifier (a, c): set defaults.notify or a credential's notify, or alerts go nowhere\n");
  const none = t.write('none.yaml', 'credentials:\n  - { id: a, kind: static, expiresAt: 2030-01-01 }\n');
  assert.match((await runCli(['validate', '--config', none])).stderr, /^warning: defaults\.notify: no credential reaches a notifier: /);

  // The daemon says it in its log at start.
  const child = spawn(process.execPath, ['--import', TSX, `${ROOT}/src/cli.ts`, 'run', '--config', lonely], { env: { ...process.env, CREDWATCH_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const end = Date.now() + 30_000;
  while (!log.includes('credwatch daemon started') && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('close', r));
  // Once, as a log line: not also as the plain `warning:` line the one-shot commands print.
  const warned = log.split('\n').filter((l) => l.includes('reach no notifier'));
  assert.equal(warned.length, 1, log);
  assert.equal(JSON.parse(warned[0]!).level, 40);
});

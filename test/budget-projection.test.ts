// The request projection `validate` prints: schedule runs thinned by probe.interval, calls per
// probe (one per tax identifier), one token per token lifetime; and the over-budget warning.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { countCronRuns } from '../src/config/cron-count.js';
import { projectRequests, projectionLines } from '../src/config/budget.js';
import { buildConfig } from '../src/config/load.js';
import { parseDuration } from '../src/config/helpers.js';
import { runCli, tempDir } from './helpers/cli.js';

const MONDAY = new Date('2026-11-02T00:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

test('durations: 30m, 6h, 1d, 45s; anything else is not one', () => {
  assert.deepEqual(['30m', '6h', '1d', '45s'].map(parseDuration), [30 * MIN, 6 * HOUR, 24 * HOUR, 45_000]);
  for (const bad of ['', '6', 'h', '0h', '1.5h', '6 hours', '-1h', '1w']) assert.equal(parseDuration(bad), null, bad);
});

test('cron runs per 30 days, thinned by an interval', () => {
  const table: [expr: string, intervalMs: number, runs: number][] = [
    ['*/15 * * * *', 0, 2880],
    ['*/15 * * * *', 6 * HOUR, 120],
    ['*/15 * * * *', 24 * HOUR, 30],
    ['*/15 * * * *', 7 * HOUR, 103], // 0:00, 7:00, 14:00, 21:00, 4:00 next day, …: 720 h / 7 h, rounded up
    ['0 * * * *', 90 * MIN, 360], // every other hour: the 1:00 run is 60 min after 0:00
    ['0 9 * * 1-5', 0, 22], // weekdays from Monday 2 November to Tuesday 1 December
    ['0 9 * * 1-5', 48 * HOUR, 13], // Monday, Wednesday, Friday: Friday + 48 h is Sunday, so Monday next
    ['*/2 * * * * *', 30 * MIN, 1440], // a six-field (seconds) schedule
    ['0 0 1 * *', 0, 1],
  ];
  for (const [expr, intervalMs, runs] of table) {
    assert.equal(countCronRuns(expr, { from: MONDAY, intervalMs }), runs, `${expr} every ${intervalMs / MIN} min`);
  }
});

function config(extra: { schedule?: string; interval?: string; credentials: object[] }) {
  return buildConfig(
    {
      schedule: { check: extra.schedule ?? '*/15 * * * *' },
      ...(extra.interval ? { probe: { interval: extra.interval } } : {}),
      credentials: extra.credentials,
    },
    '/tmp/credwatch-budget/credwatch.yaml',
    {},
  );
}

const clara = (id: string, probe: object) => ({
  id,
  kind: 'clara-project',
  country: 'mx',
  project: 'ERP',
  createdAt: '2026-10-01',
  validityDays: 360,
  certificate: './client.crt',
  privateKey: './client.key',
  clientId: 'cid',
  clientSecret: 'secret',
  probe,
});

test('projection: calls per probe × probes + one token per token lifetime (86400 s), per credential', () => {
  const { config: c, warnings } = config({
    interval: '6h',
    credentials: [
      clara('three-entities', { taxIdentifiers: ['A1', 'B2', 'C3'] }),
      clara('every-cycle', { interval: '15m', budget: 5000 }),
      clara('tight', { taxIdentifiers: ['A1', 'B2'], budget: 200 }),
      { id: 'partner', kind: 'oauth2', tokenUrl: 'https://idp.example/token', clientId: 'x', clientSecret: 'y', probe: { url: 'https://api.example/ping', interval: '1d' } },
      { id: 'key', kind: 'static', expiresAt: '2027-03-01' },
    ],
  });
  const p = projectRequests(c, MONDAY);
  assert.deepEqual(
    p.map((x) => [x.id, x.probes, x.callsPerProbe, x.tokens, x.total, x.cronCheckTotal, x.budget]),
    [
      ['three-entities', 120, 3, 30, 390, 480, null],
      ['every-cycle', 2880, 1, 30, 2910, 5760, 5000],
      ['tight', 120, 2, 30, 270, 360, 200],
      ['partner', 30, 1, 30, 60, 60, null],
    ],
  );
  // Only the budget lint here (this config routes to no notifier, which is a warning of its own).
  assert.deepEqual(warnings.filter((w) => w.path.startsWith('credentials')), [
    {
      path: 'credentials[2].probe.budget',
      level: 'warning',
      message: 'tight: over budget: 270 requests projected per 30 days, budget 200 a month (set probe.interval or raise the budget)',
    },
  ]);
  const lines = projectionLines(c, p);
  assert.equal(lines.length, 4);
  assert.equal(
    lines[2],
    'tight: 270 probe requests per 30 days (120 probes on "*/15 * * * *" at most every 6h × 2 calls + 30 tokens), budget 200 a month — over budget; ' +
      'as cron-driven `credwatch check` runs: 360 (a check fetches a token on every run)',
  );
  assert.match(lines[1]!, /^every-cycle: 2910 probe requests per 30 days \(2880 probes on "\*\/15 \* \* \* \*" at most every 15m × 1 call \+ 30 tokens\), budget 5000 a month; /);
});

const t = tempDir();
after(() => t.cleanup());

test('validate prints one line per probing credential and warns over budget, still exiting 0', async () => {
  const file = t.write(
    'credwatch.yaml',
    `schedule: { check: "*/15 * * * *" }
credentials:
  - { id: clara-erp, kind: clara-project, country: mx, project: ERP, createdAt: 2026-10-01, validityDays: 360,
      certificate: ./client.crt, privateKey: ./client.key, clientId: cid, clientSecret: s,
      probe: { taxIdentifiers: [ACME8001011H0], budget: 1000 } }
  - { id: key, kind: static, expiresAt: 2027-03-01 }
`,
  );
  const r = await runCli(['validate', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /: OK, 2 credentials, 0 notifiers, 2 warnings$/);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /^clara-erp: 2910 probe requests per 30 days \(2880 probes .* every cycle × 1 call \+ 30 tokens\), budget 1000 a month — over budget; as cron-driven `credwatch check` runs: 5760 \(a check fetches a token on every run\)$/);
  assert.match(r.stderr, /^warning: credentials\[0\]\.probe\.budget: clara-erp: over budget: 2910 requests projected per 30 days, budget 1000 a month/m);
});

// High availability, the pure parts: startsAt as evaluated (the same on every replica), and the
// validate warning for notifiers that cannot deduplicate.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { levelStartedAt, type StartsAtInput } from '../src/alerts/starts-at.js';
import { processResults } from '../src/alerts/process.js';
import { activeAlerts } from '../src/store/alert-state.js';
import { config, credential, result, tempDb } from './helpers/alerts-fixtures.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DAY = 86_400_000;
const EXP = '2027-01-31T00:00:00.000Z';
const base: StartsAtInput = { condition: 'expiry', level: 'warning', expiresAt: EXP, warningDays: 30, criticalDays: 7, now: new Date('2027-01-05T10:00:00.000Z'), previous: null };

test('levelStartedAt: the instant each level began, from the expiry; else first seen', () => {
  const rows: [string, Partial<StartsAtInput>, string | null][] = [
    ['warning: 30 whole days left from exp − 31 d', {}, '2026-12-31T00:00:00.000Z'],
    ['critical: exp − 8 d', { level: 'critical', now: new Date('2027-01-25T00:00:00Z') }, '2027-01-23T00:00:00.000Z'],
    ['expired: the expiry', { level: 'expired', now: new Date('2027-02-02T00:00:00Z') }, EXP],
    ['a level no date explains (key mismatch): first seen', { level: 'critical' }, '2027-01-05T10:00:00.000Z'],
    ['… or as recorded before at that level', { level: 'critical', previous: '2027-01-01T00:00:00.000Z' }, '2027-01-01T00:00:00.000Z'],
    ['probe failing: first seen', { condition: 'probe', level: 'failing', expiresAt: null }, '2027-01-05T10:00:00.000Z'],
    ['probe still failing: as recorded', { condition: 'probe', level: 'failing', expiresAt: null, previous: '2027-01-04T00:00:00.000Z' }, '2027-01-04T00:00:00.000Z'],
    ['ok: none', { level: 'ok' }, null],
  ];
  for (const [name, over, want] of rows) assert.equal(levelStartedAt({ ...base, ...over }), want, name);
});

test('two replicas that notice at different instants record the same startsAt (re-posts too)', () => {
  const dbs = [tempDb(), tempDb()];
  try {
    const exp = new Date('2027-01-31T00:00:00.000Z');
    const cfg = config({ credentials: [credential('api-cert')] });
    const seen = [new Date('2027-01-05T10:00:00.000Z'), new Date('2027-01-06T17:42:13.000Z')];
    dbs.forEach((h, i) => processResults(h.db, cfg, [result({ now: seen[i]!, expiresAt: exp })], seen[i]!));
    const starts = dbs.map((h) => activeAlerts(h.db).map((a) => a.startsAt));
    assert.deepEqual(starts, [['2026-12-31T00:00:00.000Z'], ['2026-12-31T00:00:00.000Z']]);
  } finally {
    for (const h of dbs) h.cleanup();
  }
});

const t = tempDir();
after(() => t.cleanup());

test('validate with ha: true warns for each notifier that cannot deduplicate, and without an alertmanager', async () => {
  const file = t.write(
    'ha.yaml',
    `ha: true
notifiers:
  - { name: ops-slack, type: slack, url: "https://hooks.slack.com/services/T0/B0/x" }
  - { name: hook, type: webhook, url: "https://hooks.example.com/x" }
  - { name: am, type: alertmanager, url: ["http://127.0.0.1:9093", "http://127.0.0.1:9095"] }
defaults: { notify: [am] }
credentials:
  - { id: a, kind: static, expiresAt: 2030-01-01 }
`,
  );
  const r = await runCli(['validate', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    [
      'warning: notifiers[0]: with ha: true every replica sends its own copy through slack notifier "ops-slack", which cannot deduplicate; route slack through an Alertmanager receiver instead (README: High availability)',
      'warning: notifiers[1]: with ha: true every replica sends its own copy through webhook notifier "hook", which cannot deduplicate; route webhook through an Alertmanager receiver instead (README: High availability)',
      '',
    ].join('\n'),
  );
  const lone = t.write('ha-lone.yaml', 'ha: true\nnotifiers: [ { name: hook, type: webhook, url: "https://hooks.example.com/x" } ]\ndefaults: { notify: [hook] }\ncredentials:\n  - { id: a, kind: static, expiresAt: 2030-01-01 }\n');
  assert.match((await runCli(['validate', '--config', lone])).stderr, /^warning: ha: ha: true needs an alertmanager notifier/m);
  const off = t.write('no-ha.yaml', 'notifiers: [ { name: hook, type: webhook, url: "https://hooks.example.com/x" } ]\ndefaults: { notify: [hook] }\ncredentials:\n  - { id: a, kind: static, expiresAt: 2030-01-01 }\n');
  assert.equal((await runCli(['validate', '--config', off])).stderr, '');
});

test('the README\'s High availability Alertmanager config passes amtool check-config', { skip: spawnSync('amtool', ['--version']).status !== 0 && 'amtool is not installed' }, () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('# alertmanager.yml on both members');
  assert.ok(start > 0);
  const yml = readme.slice(readme.indexOf('\n', start) + 1, readme.indexOf('```', start));
  const file = t.write('am.yml', yml);
  const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
// The command line as users run it: the built bundle (dist/cli.cjs, built if missing or stale).
import { ROOT, TSX, runBuiltCli as runCli, tempDir, withoutWarnings } from './helpers/cli.js';
import { progressLine, startProgress } from '../src/commands/progress.js';
import { kinds } from '../src/kinds/index.js';
import { notifiers } from '../src/notifiers/index.js';

const DAY = 86_400_000;
const t = tempDir();
after(() => t.cleanup());
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string };

test('--version prints the package version and exits 0', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${pkg.version}\n`);
});

test('LICENSE matches package.json and a CHANGELOG names this version', () => {
  assert.equal(pkg.license, 'MIT');
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  assert.match(license, /^MIT License\n/);
  assert.match(license, /Permission is hereby granted, free of charge/);
  assert.match(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## \\[?${pkg.version.replace(/\./g, '\\.')}\\]?`, 'm'));
});

test('init writes a commented starter config that validates, and never overwrites', async () => {
  const config = t.path('init', 'credwatch.yaml');
  const first = await runCli(['init', '--config', config]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.split('\n')[0], `wrote ${config}`);
  const text = readFileSync(config, 'utf8');
  assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=./credwatch.schema.json');
  assert.ok(text.split('\n').filter((l) => l.trimStart().startsWith('#')).length > 30, 'the starter is commented');
  const schema = JSON.parse(readFileSync(t.path('init', 'credwatch.schema.json'), 'utf8'));
  assert.equal(schema.title, 'credwatch configuration');

  const v = await runCli(['validate', '--config', config]);
  assert.equal(v.code, 0, v.stderr);
  // The starter config routes to no notifier yet: validate says so (and the starter's comments show how).
  assert.equal(v.stdout, `${config}: OK, 1 credential, 0 notifiers, 1 warning\n`);

  writeFileSync(config, 'mine\n');
  const again = await runCli(['init', '--config', config]);
  assert.equal(again.code, 3);
  assert.equal(again.stdout, '');
  assert.equal(again.stderr, `credwatch: ${config} already exists; not overwriting it (move it away or pass --config NEW_FILE)\n`);
  assert.equal(readFileSync(config, 'utf8'), 'mine\n');
});

test('schema prints the JSON Schema generated from the zod schemas: every kind and notifier, secret xFile forms', async () => {
  const r = await runCli(['schema']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(s.type, 'object');
  assert.equal(s.additionalProperties, false);
  assert.deepEqual(s.required, ['credentials']);
  const creds = s.properties.credentials.items.anyOf as { properties: Record<string, { const?: string }>; additionalProperties: boolean }[];
  assert.deepEqual(creds.map((c) => c.properties.kind!.const), kinds.names());
  for (const c of creds) assert.equal(c.additionalProperties, false);
  const x509 = creds.find((c) => c.properties.kind!.const === 'x509')!;
  assert.deepEqual(Object.keys(x509.properties).sort(), ['bundle', 'description', 'environment', 'id', 'key', 'kind', 'notify', 'owner', 'password', 'passwordFile', 'path', 'paths', 'renewalLeadDays', 'replaces', 'runbook', 'switchedAt', 'thresholds'].sort());
  const notes = s.properties.notifiers.items.anyOf as { properties: Record<string, { const?: string }>; required: string[]; allOf?: unknown[] }[];
  assert.deepEqual(notes.map((n) => n.properties.type!.const), notifiers.names());
  const slack = notes.find((n) => n.properties.type!.const === 'slack')!;
  // The webhook URL is a secret: url or urlFile, one of the two.
  assert.ok(slack.properties.urlFile);
  assert.ok(!slack.required.includes('url'));
  assert.deepEqual(slack.allOf, [{ oneOf: [{ required: ['url'] }, { required: ['urlFile'] }] }]);
  assert.equal(s.properties.thresholds.properties.warningDays.default, 30);
});

function staticConfig(dir: ReturnType<typeof tempDir>) {
  const now = Date.now();
  return dir.write(
    'cli/credwatch.yaml',
    `database: ./state/db.sqlite
thresholds: { warningDays: 30, criticalDays: 7 }
credentials:
  - { id: far, kind: static, expiresAt: "${new Date(now + 100 * DAY + 3_600_000).toISOString()}" }
  - { id: soon, kind: static, expiresAt: "${new Date(now + 20 * DAY + 3_600_000).toISOString()}", thresholds: { warningDays: 21 } }
  - { id: gone, kind: static, expiresAt: "${new Date(now - 2 * DAY + 3_600_000).toISOString()}" }
`,
  );
}

test('check --format nagios: one status line with perfdata, exit code as usual; status --format nagios reads it back', async () => {
  const config = staticConfig(t);
  const r = await runCli(['check', '--format', 'nagios', '--config', config]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stdout,
    "CREDWATCH CRITICAL - 1 expired, 1 warning, 1 ok: gone: secret expired 2 days ago (" +
      new Date(Date.now() - 2 * DAY + 3_600_000).toISOString().slice(0, 10) +
      '); soon: secret expires in 20 days (' +
      new Date(Date.now() + 20 * DAY + 3_600_000).toISOString().slice(0, 10) +
      ") | 'gone days_left'=-2;31:;8: 'soon days_left'=20;22:;8: 'far days_left'=100;31:;8:\n",
  );
  const only = await runCli(['status', '--format', 'nagios', '--only', 'far', '--config', config]);
  assert.equal(only.code, 0, only.stderr);
  assert.equal(only.stdout, "CREDWATCH OK - 1 ok | 'far days_left'=100;31:;8:\n");
  const bad = await runCli(['check', '--format', 'xml', '--config', config]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /--format xml: expected one of table, json, nagios/);
});

test('status --only ID shows just that credential; an unknown id exits 3', async () => {
  const config = staticConfig(t);
  await runCli(['check', '--config', config]);
  const r = await runCli(['status', '--json', '--only', 'soon', '--config', config]);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.credentials.map((c: { id: string }) => c.id), ['soon']);
  assert.deepEqual(out.summary, { ok: 0, warning: 1, critical: 0, expired: 0, failing: 0, error: 0 });
  const bad = await runCli(['status', '--only', 'nope', '--config', config]);
  assert.equal(bad.code, 3);
  assert.equal(withoutWarnings(bad.stderr), 'credwatch: --only: no credential with id "nope"');
});

test('history ID [--days N] [--json]: the recorded checks of one credential, oldest first', async () => {
  const dir = tempDir();
  try {
    const config = staticConfig(dir);
    // Two recorded checks: one 10 days ago (--at --notify records under that clock), one now.
    const past = new Date(Date.now() - 10 * DAY).toISOString();
    assert.equal((await runCli(['check', '--at', past, '--notify', '--config', config])).code, 1);
    await runCli(['check', '--config', config]);
    const all = await runCli(['history', 'soon', '--json', '--config', config]);
    assert.equal(all.code, 0, all.stderr);
    const h = JSON.parse(all.stdout);
    assert.deepEqual(Object.keys(h), ['id', 'from', 'to', 'results']);
    assert.equal(h.id, 'soon');
    assert.deepEqual(h.results.map((x: { daysLeft: number; status: string }) => [x.daysLeft, x.status]), [[30, 'ok'], [20, 'warning']]);
    assert.equal(h.results[0].checkedAt, past.replace(/Z$/, 'Z'));
    assert.deepEqual(Object.keys(h.results[0]), ['checkedAt', 'status', 'expiresAt', 'daysLeft', 'probe', 'reasons']);

    const recent = await runCli(['history', 'soon', '--days', '5', '--json', '--config', config]);
    assert.equal(JSON.parse(recent.stdout).results.length, 1);
    const table = await runCli(['history', 'soon', '--days', '5', '--config', config]);
    assert.match(table.stdout, /^CHECKED AT \(UTC\)\s+STATUS\s+DAYS\s+EXPIRES\s+PROBE\s+REASON\n\S+ \S+\s+warning\s+20\s/);
    assert.match(table.stdout, /\n1 recorded check of soon in the last 5 days\n$/);

    const unknown = await runCli(['history', 'nope', '--config', config]);
    assert.equal(unknown.code, 3);
    assert.equal(withoutWarnings(unknown.stderr), 'credwatch: no credential with id "nope" in the config or the history');
    const badDays = await runCli(['history', 'soon', '--days', '0', '--config', config]);
    assert.equal(badDays.code, 3);
    assert.match(badDays.stderr, /--days 0: expected a whole number of days from 1 to 36500/);
  } finally {
    dir.cleanup();
  }
});

test('progress: silent off a terminal; on a terminal, a line only after the delay, cleared at the end', async () => {
  const quiet: string[] = [];
  const off = startProgress({ isTTY: false, write: (s) => quiet.push(s) }, { delayMs: 0, intervalMs: 1 });
  off.update(1, 2);
  await new Promise((r) => setTimeout(r, 20));
  off.stop();
  assert.deepEqual(quiet, []);

  const fast: string[] = [];
  const early = startProgress({ isTTY: true, write: (s) => fast.push(s) }, { delayMs: 10_000 });
  early.stop();
  assert.deepEqual(fast, [], 'a check done before the delay prints nothing');

  let now = 0;
  const seen: string[] = [];
  const p = startProgress({ isTTY: true, write: (s) => seen.push(s) }, { delayMs: 5, intervalMs: 5, clock: () => now });
  p.update(3, 10);
  now = 2500;
  const deadline = Date.now() + 5000;
  while (!seen.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  p.stop();
  assert.equal(seen[0], '\r\x1b[Kchecking: 3/10 credentials done, 2.5 s');
  assert.equal(seen.at(-1), '\r\x1b[K');
  assert.equal(progressLine(1, 1, 2000), 'checking: 1/1 credential done, 2.0 s');
});

test('progress on a real terminal: a check that takes over two seconds shows the line on stderr, then clears it', { skip: !existsSync('/usr/bin/script') && 'util-linux script is absent' }, async () => {
  // A TCP server that accepts and never answers the TLS handshake: the check waits for its timeout.
  const silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as AddressInfo).port;
  const dir = tempDir();
  try {
    const config = dir.write(
      'tty/credwatch.yaml',
      `database: ./db.sqlite
credentials:
  - { id: slow-tls, kind: tls, host: 127.0.0.1, port: ${port}, timeoutMs: 3500 }
`,
    );
    const cmd = [process.execPath, '--import', TSX, join(ROOT, 'src', 'cli.ts'), 'check', '--no-probe', '--config', config].map((a) => `'${a}'`).join(' ');
    // script(1) gives the command a pseudo-terminal, as a person at a shell has.
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, CREDWATCH_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`did not finish:\n${out}`));
      }, 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /\r\x1b\[Kchecking: 0\/1 credential done, 2\.\d s/);
    // The last redraw is followed by a clear, then the table.
    assert.match(r.out, /\r\x1b\[K(?!checking)[^\r]*STATUS[\s\S]*slow-tls/);
  } finally {
    silent.close();
    dir.cleanup();
  }
});

// The unit file parses and passes systemd's own checks where systemd is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const UNIT = resolve(import.meta.dirname, '..', 'systemd', 'credwatch.service');
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('systemd-analyze verify accepts the unit', { skip: !hasAnalyze && 'systemd-analyze is not installed' }, () => {
  // /usr/bin/credwatch is not installed on a build machine: point ExecStart at an existing binary
  // so verify checks every directive instead of stopping at the missing executable.
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-unit-'));
  try {
    const unit = readFileSync(UNIT, 'utf8').replaceAll('/usr/bin/credwatch ', `${process.execPath} /usr/lib/credwatch/dist/cli.cjs `);
    const copy = join(dir, 'credwatch.service');
    writeFileSync(copy, unit);
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('systemd-analyze security: exposure at most 2.0', { skip: !hasAnalyze && 'systemd-analyze is not installed' }, (t) => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
  const m = /Overall exposure level for credwatch\.service: ([\d.]+)/.exec(r.stdout + r.stderr);
  if (!m) {
    t.skip(`this systemd-analyze cannot assess offline: ${(r.stderr || r.stdout).split('\n')[0]}`);
    return;
  }
  assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]}`);
});

test('the unit keeps the promises the README makes', () => {
  const unit = readFileSync(UNIT, 'utf8');
  for (const line of [
    'Type=simple',
    'DynamicUser=yes',
    'StateDirectory=credwatch',
    'ExecStart=/usr/bin/credwatch run --config /etc/credwatch/credwatch.yaml',
    'ExecReload=/usr/bin/credwatch validate --config /etc/credwatch/credwatch.yaml',
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'CapabilityBoundingSet=',
    'SystemCallFilter=@system-service',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  ]) assert.ok(unit.split('\n').includes(line), `missing ${line}`);
  assert.ok(!/^MemoryDenyWriteExecute=yes/m.test(unit), 'V8 needs W+X memory');
});

test('systemctl reload validates before it signals: the validate line comes first', () => {
  const reloads = readFileSync(UNIT, 'utf8').split('\n').filter((l) => l.startsWith('ExecReload='));
  // systemd runs ExecReload= lines in order and stops at the first that fails: a bad config
  // fails the reload (exit 3) and no SIGHUP is sent.
  assert.deepEqual(reloads, ['ExecReload=/usr/bin/credwatch validate --config /etc/credwatch/credwatch.yaml', 'ExecReload=/bin/kill -HUP $MAINPID']);
});

// A reload that fails is visible to Prometheus as Prometheus's own is:
// credwatch_config_last_reload_successful (0/1) and ..._success_timestamp_seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import { Daemon } from '../src/daemon/daemon.js';
import { formatListen } from '../src/server/listen.js';
import { tempDir } from './helpers/cli.js';

const good = (extra = '') => `database: ./state/credwatch.db
server: { listen: "127.0.0.1:0" }
schedule: { check: "0 0 1 1 *" }
credentials:
  - { id: a, kind: static, expiresAt: 2030-01-01 }
${extra}`;

test('reload metrics: 1 after start, 0 after a rejected reload (timestamp kept), 1 and a newer timestamp after a good one', async (t) => {
  const dir = tempDir();
  const file = dir.write('credwatch.yaml', good());
  const daemon = new Daemon({ config: loadConfig(file).config, log: pino({ level: 'silent' }) });
  t.after(async () => {
    await daemon.shutdown('test');
    dir.cleanup();
  });
  const startedAt = Date.now() / 1000;
  await daemon.start();
  const url = `http://${formatListen(daemon.address!)}/metrics`;
  const read = async () => {
    const text = await (await fetch(url)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    return { ok: value('credwatch_config_last_reload_successful'), at: value('credwatch_config_last_reload_success_timestamp_seconds') };
  };

  const first = await read();
  assert.equal(first.ok, 1);
  assert.ok(Math.abs(first.at - startedAt) < 5, `${first.at} vs ${startedAt}`);

  dir.write('credwatch.yaml', good('bogusKey: 1\n'));
  await daemon.reload();
  assert.deepEqual(await read(), { ok: 0, at: first.at });

  await new Promise((r) => setTimeout(r, 20));
  dir.write('credwatch.yaml', good('  - { id: b, kind: static, expiresAt: 2031-01-01 }\n'));
  await daemon.reload();
  const after = await read();
  assert.equal(after.ok, 1);
  assert.ok(after.at > first.at);
  assert.deepEqual(daemon.config.credentials.map((c) => c.id), ['a', 'b']);
});

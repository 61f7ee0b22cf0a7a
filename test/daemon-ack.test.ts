// `credwatch ack` while `credwatch run` is up on the same database: the daemon shows the ack on
// /status and the page at once, and the next event it sends (here the resolve) carries its words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './helpers/ports.js';
import { ROOT, runCli, TSX } from './helpers/cli.js';
import { until as untilHelper } from './helpers/until.js';

const DAY = 86_400_000;
let dir: string;
let file: string;
let sink: Server;
let sinkPort = 0;
let port = 0;
let child: ChildProcess;
let stderr = '';
const hooks: any[] = [];

const until = <T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 20_000) =>
  untilHelper(what, fn, { ms, context: () => stderr.slice(-2000) });

const configYaml = (expiresAt: string) => `database: ./state/credwatch.db
schedule: { check: "*/2 * * * * *" }
server: { listen: "127.0.0.1:${port}" }
notifiers:
  - { name: hook, type: webhook, url: "http://127.0.0.1:${sinkPort}/hook" }
defaults: { notify: [hook] }
credentials:
  - { id: api-key, kind: static, expiresAt: "${expiresAt}" }
`;

const status = async () => (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { credentials: { id: string; ack: any }[] };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credwatch-daemon-ack-'));
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkPort = (sink.address() as AddressInfo).port;
  port = await freePort();
  file = join(dir, 'credwatch.yaml');
  writeFileSync(file, configYaml(new Date(Date.now() + 3 * DAY).toISOString()));
  child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli.ts'), 'run', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, CREDWATCH_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => (stderr += d));
});

after(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await new Promise((r) => sink.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test('ack while the daemon runs: shown at once; the next event says who acknowledged; resolution ends it', async () => {
  await until('the firing', () => hooks.find((e) => e.id === 'api-key:expiry:1:firing-critical'));

  const ack = await runCli(['ack', 'api-key', '--by', 'erin', '--note', 'new key on its way', '--config', file]);
  assert.equal(ack.code, 0, ack.stderr);

  const shown = await until('the ack on /status', async () => (await status()).credentials.find((c) => c.id === 'api-key' && c.ack)?.ack);
  assert.equal(shown.by, 'erin');
  assert.equal(shown.note, 'new key on its way');
  assert.equal(shown.until, null);
  const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  assert.match(page, /acknowledged by erin: new key on its way/);

  // Renewed: the daemon reloads, resolves, and its resolve carries the ack's words.
  writeFileSync(file, configYaml('2099-01-01'));
  child.kill('SIGHUP');
  const resolved = await until('the resolve', () => hooks.find((e) => e.event === 'resolved'));
  assert.equal(resolved.reasons.at(-1), 'acknowledged by erin: new key on its way');
  await until('the ack ended', async () => (await status()).credentials.find((c) => c.id === 'api-key')?.ack === null);
  assert.equal(hooks.filter((e) => e.event === 'reminder').length, 0);

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
  assert.equal(code, 0);
});

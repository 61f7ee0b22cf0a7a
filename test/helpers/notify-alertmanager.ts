// Starts Debian's prometheus-alertmanager on loopback for a test, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const ALERTMANAGER_BIN = process.env.CREDWATCH_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
export const alertmanagerMissing = () => (existsSync(ALERTMANAGER_BIN) ? false : `${ALERTMANAGER_BIN} not installed (apt-get install prometheus-alertmanager)`);


export interface RunningAlertmanager {
  url: string;
  /** GET /api/v2/alerts (active, silenced, inhibited, unprocessed: the defaults). */
  alerts(): Promise<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; status: { state: string } }[]>;
  stop(): Promise<void>;
}

/** `port`: listen there (a restart on the same address); a free one otherwise. */
export async function startAlertmanager(port?: number): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, "route:\n  receiver: 'null'\n  group_wait: 1s\nreceivers:\n  - name: 'null'\n");
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${configFile}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`alertmanager exited early (${child.exitCode}): ${stderr}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`alertmanager not ready after 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status}`);
      return (await res.json()) as Awaited<ReturnType<RunningAlertmanager['alerts']>>;
    },
    stop,
  };
}

// The probe engine at scale, against the built CLI (`node dist/cli.cjs run`) and the loopback mTLS
// OAuth server of bench/probe.ts (a child process, so the daemon's CPU is measured alone):
//  (a) 1,000 clara-project credentials, each with its own client certificate, plus 1,000 x509:
//      peak RSS over the start-up cycle and a second, scheduled cycle (target ≤ 120 MB); CPU of the
//      second, steady-state cycle per probe (token cached, new connection; target ≤ 0.5× blackbox's CPU per
//      probe, from bench/peer.ts in the same run); /status latency at 2,000 credentials;
//  (b) 10,000 x509 files + 1,000 probing credentials: /healthz latency while the start-up cycle runs
//      (target p99 < 50 ms, max < 200 ms).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import { generate } from './certs.js';
import { latency } from './latency.js';
import { claraLines, cpuMsOf, peerPki, startBenchServer, PEER_DIR } from './peer.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const CLI = join(ROOT, 'dist', 'cli.cjs');
const FAR_FUTURE = '0 0 1 1 *';
const CLARA = 1000;
const X509 = 1000;
const STATUS_REQUESTS = 300;

interface Daemon {
  child: ChildProcess;
  port: number;
  /** Resolves with the cycle's durationMs once `n` cycles have finished. */
  cycle(n: number): Promise<number>;
  stop(): Promise<void>;
}

function startDaemon(configFile: string, port: number, timeoutMs = 600_000): Daemon {
  const child = spawn(process.execPath, [CLI, 'run', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, CREDWATCH_LOG_LEVEL: 'info', NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const durations: number[] = [];
  const waiters: { n: number; resolve: (ms: number) => void }[] = [];
  let tail = '';
  let buf = '';
  child.stderr!.on('data', (c: Buffer) => {
    buf += c.toString();
    tail = (tail + c.toString()).slice(-4000);
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.includes('"check cycle finished"')) continue;
      durations.push(JSON.parse(line).durationMs);
      for (const w of waiters.filter((x) => x.n <= durations.length)) w.resolve(durations[w.n - 1]!);
    }
  });
  return {
    child,
    port,
    cycle: (n) =>
      new Promise((resolveCycle, reject) => {
        if (durations.length >= n) return resolveCycle(durations[n - 1]!);
        const timer = setTimeout(() => reject(new Error(`cycle ${n} did not finish within ${timeoutMs} ms:\n${tail}`)), timeoutMs);
        child.once('exit', (code) => reject(new Error(`daemon exited with ${code}:\n${tail}`)));
        waiters.push({ n, resolve: (ms) => (clearTimeout(timer), resolveCycle(ms)) });
      }),
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)![1]) / 1024;
  return { rssMb: field('VmRSS'), peakMb: field('VmHWM') };
}

function getOnce(agent: Agent, port: number, path: string): Promise<{ ms: number; status: number }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => done({ ms: performance.now() - t0, status: res.statusCode! }));
    });
    req.on('error', fail);
    req.end();
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Polls /healthz one request at a time (5 ms apart) until `until` settles; latencies of the answered ones. */
async function pollHealth(port: number, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  while (!done) {
    try {
      const r = await getOnce(agent, port, '/healthz');
      if (!done) times.push(r.ms);
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  agent.destroy();
  return times;
}

/**
 * A schedule whose only tick is `afterMs` from now (second-precision, local time as node-cron reads
 * it): the steady-state cycle runs as the daemon runs it, not behind a SIGHUP's config reload.
 */
function tickAt(afterMs: number): { expr: string; at: number } {
  const at = new Date(Math.ceil((Date.now() + afterMs) / 1000) * 1000);
  return { expr: `${at.getSeconds()} ${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`, at: at.getTime() };
}

/** The start-up cycle must be over (and the daemon idle, past its compaction) this long before the tick. */
const STEADY_TICK_MARGIN_MS = 3000;
/** When the steady-state tick comes: after the start-up cycle (6 to 7 s at load 1 on 2 cores) and both ends' keep-alive timeouts. */
const STEADY_TICK_AFTER_MS = 40_000;

function writeConfig(dir: string, port: number, lines: string[], schedule = FAR_FUTURE): string {
  mkdirSync(dir, { recursive: true });
  for (const f of ['credwatch.db', 'credwatch.db-wal', 'credwatch.db-shm']) rmSync(join(dir, f), { force: true });
  const file = join(dir, 'credwatch.yaml');
  writeFileSync(
    file,
    `database: ./credwatch.db\nschedule: { check: "${schedule}" }\nserver: { listen: "127.0.0.1:${port}" }\nprobe: { concurrency: 20, timeoutMs: 30000 }\ncredentials:\n${lines.join('\n')}\n`,
  );
  return file;
}

const x509Lines = (certDir: string, n: number) =>
  Array.from({ length: n }, (_, i) => `  - { id: cert-${i}, kind: x509, path: ${join(certDir, 'pem', `cert-${i}.pem`)} }`);

export async function benchScale(): Promise<Record<string, number>> {
  const pki = await peerPki(CLARA);
  const certs1k = await generate(1000);
  const certs10k = await generate(10000);
  const server = await startBenchServer(pki);
  const baseUrl = `https://127.0.0.1:${server.port}`;
  const out: Record<string, number> = { 'scale.loadavg1': round(loadavg()[0]!) };
  try {
    // (a) 1,000 clara + 1,000 x509: memory, steady-state CPU, /status.
    {
      const port = await freePort();
      const tick = tickAt(STEADY_TICK_AFTER_MS);
      const config = writeConfig(join(PEER_DIR, 'daemon-2k'), port, [...claraLines(pki, CLARA, baseUrl), ...x509Lines(certs1k, X509)], tick.expr);
      const d = startDaemon(config, port);
      try {
        out['scale.firstCycleMs'] = await d.cycle(1);
        const first = await server.counts();
        // The scheduled tick comes well past both ends' keep-alive timeouts (probe connections 1 s,
        // Node's server 5 s) and the idle compaction: the next cycle connects anew.
        const idleFor = tick.at - STEADY_TICK_MARGIN_MS - Date.now();
        if (idleFor < 7000) throw new Error(`the start-up cycle ended ${Math.round(-idleFor / 1000) + 7} s too late for the scheduled steady-state tick`);
        await sleep(idleFor);
        await server.reset();
        const cpu0 = cpuMsOf(d.child.pid!);
        out['scale.steadyCycleMs'] = await d.cycle(2);
        const cpu = cpuMsOf(d.child.pid!) - cpu0;
        const second = await server.counts();
        const status = await latency(port, '/status', STATUS_REQUESTS);
        const mem = memory(d.child.pid!);
        Object.assign(out, {
          'scale.firstCycleTokenRequests': first.token,
          'scale.steadyTokenRequests': second.token,
          'scale.steadyTlsConnections': second.connections,
          'scale.steadyApiCalls': second.api,
          'scale.steadyCpuMsPerProbe': round(cpu / CLARA),
          'scale.rss2kMb': round(mem.rssMb, 1),
          'scale.peakRss2kMb': round(mem.peakMb, 1),
          'scale.status2kP50Ms': round(status.p50),
          'scale.status2kP99Ms': round(status.p99),
        });
      } finally {
        await d.stop();
      }
    }
    // (b) 10,000 x509 + 1,000 clara: /healthz during the start-up cycle.
    {
      const port = await freePort();
      const config = writeConfig(join(PEER_DIR, 'daemon-11k'), port, [...claraLines(pki, CLARA, baseUrl), ...x509Lines(certs10k, 10000)]);
      await server.reset();
      const d = startDaemon(config, port);
      try {
        const cycle = d.cycle(1);
        const times = await pollHealth(port, cycle);
        out['scale.cycle11kMs'] = await cycle;
        times.sort((a, b) => a - b);
        const mem = memory(d.child.pid!);
        Object.assign(out, {
          'scale.healthzRequests': times.length,
          'scale.healthzP50Ms': round(percentile(times, 50)),
          'scale.healthzP99Ms': round(percentile(times, 99)),
          'scale.healthzMaxMs': round(times[times.length - 1]!),
          'scale.peakRss11kMb': round(mem.peakMb, 1),
          'scale.cycle11kProbes': (await server.counts()).api,
        });
      } finally {
        await d.stop();
      }
    }
  } finally {
    await server.stop();
  }
  return out;
}

export function printScale(f: Record<string, number>): void {
  console.log(`Daemon at scale (load average ${f['scale.loadavg1']} at start)`);
  console.log(`  1,000 clara (own client certificates) + 1,000 x509: first cycle ${f['scale.firstCycleMs']} ms, steady cycle ${f['scale.steadyCycleMs']} ms`);
  console.log(`    steady state: ${f['scale.steadyCpuMsPerProbe']} ms CPU per probe, whole cycle incl. 2,000 inspections (${f['scale.steadyTokenRequests']} token requests, ${f['scale.steadyTlsConnections']} TLS connections, ${f['scale.steadyApiCalls']} calls)`);
  console.log(`    RSS ${f['scale.rss2kMb']} MB, peak ${f['scale.peakRss2kMb']} MB (target ≤ 120); /status p50 ${f['scale.status2kP50Ms']} ms, p99 ${f['scale.status2kP99Ms']} ms`);
  console.log(`  10,000 x509 + 1,000 clara: cycle ${f['scale.cycle11kMs']} ms; /healthz during it (${f['scale.healthzRequests']} requests): p50 ${f['scale.healthzP50Ms']} ms, p99 ${f['scale.healthzP99Ms']} ms (target < 50), max ${f['scale.healthzMaxMs']} ms (target < 200); peak RSS ${f['scale.peakRss11kMb']} MB`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const f = await benchScale();
  printScale(f);
  console.log(JSON.stringify(f, null, 2));
}

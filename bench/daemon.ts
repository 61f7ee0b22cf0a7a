// Daemon benchmarks, against the built CLI (`node dist/cli.cjs run`):
//  (a) idle RSS with 1,000 x509 credentials after the first cycle (target ≤ 75 MB), then /status
//      latency at those 1,000 credentials (target p99 ≤ 10 ms);
//  (b) GET /status latency with a year of 15-minute history for 100 credentials (target p99 < 20 ms).
// Run directly: `node --import tsx bench/daemon.ts` (builds first), or import benchDaemon().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/store/db.js';
import { pruneHistory } from '../src/store/results.js';
import { createCa, createServerCert, newKeys } from '../test/helpers/pki.js';
import { freePort } from '../test/helpers/ports.js';
import { latency } from './latency.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const OUT = join(ROOT, 'bench', 'out', 'daemon');
const CLI = join(ROOT, 'dist', 'cli.cjs');
const FAR_FUTURE = '0 0 1 1 *'; // once a year: only the start-up cycle runs during a bench

const X509_COUNT = 1000;
const STATIC_COUNT = 0;
const HISTORY_CREDENTIALS = 100;
const HISTORY_CHECKS = 365 * 96; // a year of 15-minute cycles: 35,040
const STATUS_REQUESTS = 500;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


interface Running {
  child: ChildProcess;
  port: number;
  stop(): Promise<number | null>;
}

/** Starts `node dist/cli.cjs run` and resolves once its start-up cycle has been recorded. */
async function startDaemon(configFile: string, port: number, nodeOptions = '', timeoutMs = 180_000): Promise<Running & { firstCycleMs: number }> {
  const child = spawn(process.execPath, [CLI, 'run', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, CREDWATCH_LOG_LEVEL: 'info', NODE_OPTIONS: nodeOptions },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  let firstCycleMs = NaN;
  const started = new Promise<void>((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not finish its first cycle within ${timeoutMs} ms:\n${log.slice(-2000)}`)), timeoutMs);
    child.stderr!.on('data', (c: Buffer) => {
      log += c.toString();
      for (const line of log.split('\n')) {
        if (!line.includes('"check cycle finished"')) continue;
        firstCycleMs = JSON.parse(line).durationMs;
        clearTimeout(timer);
        resolveStarted();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code}:\n${log.slice(-2000)}`));
    });
  });
  await started;
  child.removeAllListeners('exit');
  return {
    child,
    port,
    firstCycleMs,
    stop: () =>
      new Promise((done) => {
        child.once('exit', (code) => done(code));
        child.kill('SIGTERM');
      }),
  };
}

/** VmRSS, and RssAnon: the process's own memory without the (shared, file-backed) node binary pages. */
function rssMb(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!m) throw new Error(`no ${name} for ${pid}`);
    return Number(m[1]) / 1024;
  };
  return { rss: field('VmRSS'), anon: field('RssAnon') };
}

/** Seconds V8's memory reducer waits before shrinking an idle heap (its start delay is 8 s, then it watches for idleness). */
const SETTLE_MS = 25_000;

/** The NODE_OPTIONS the container image sets (the installed bin's shebang passes its own flags instead: 4 MB semi-spaces, one V8 helper thread). */
export const DEPLOYED_NODE_OPTIONS = '--max-semi-space-size=1 --v8-pool-size=1';

/** (a) 800 x509 certificates (one key pair for all: generation speed, not realism) + 200 static secrets. */
export async function idleRss(nodeOptions: string): Promise<{ rssMb: number; anonMb: number; firstCycleMs: number; statusP50Ms: number; statusP99Ms: number }> {
  const dir = join(OUT, `rss-${X509_COUNT}x509`);
  if (!existsSync(join(dir, 'credentials.part'))) await writeRssFixture(dir);
  rmSync(join(dir, 'credwatch.db'), { force: true });
  rmSync(join(dir, 'credwatch.db-wal'), { force: true });
  rmSync(join(dir, 'credwatch.db-shm'), { force: true });
  const port = await freePort();
  writeFileSync(
    join(dir, 'credwatch.yaml'),
    `database: ./credwatch.db\nschedule: { check: "${FAR_FUTURE}" }\nserver: { listen: "127.0.0.1:${port}" }\ncredentials:\n${readFileSync(join(dir, 'credentials.part'), 'utf8')}`,
  );
  const d = await startDaemon(join(dir, 'credwatch.yaml'), port, nodeOptions);
  try {
    // Idle means idle: let the first cycle's garbage go and V8 give back what it no longer needs.
    await sleep(SETTLE_MS);
    const m = rssMb(d.child.pid!);
    // Then /status at these 1,000 credentials (one request at a time, keep-alive).
    const status = await latency(port, '/status', STATUS_REQUESTS);
    return { rssMb: m.rss, anonMb: m.anon, firstCycleMs: d.firstCycleMs, statusP50Ms: status.p50, statusP99Ms: status.p99 };
  } finally {
    await d.stop();
  }
}

async function writeRssFixture(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const ca = await createCa();
  const keys = await newKeys();
  const lines: string[] = [];
  for (let i = 0; i < X509_COUNT; i++) {
    const cert = await createServerCert(ca, { keys, days: 30 + (i % 400), cn: `bench-${i}.example` });
    writeFileSync(join(dir, 'certs', `c${i}.pem`), cert.cert);
    lines.push(`  - { id: cert-${i}, kind: x509, path: ./certs/c${i}.pem }`);
  }
  for (let i = 0; i < STATIC_COUNT; i++) {
    const d = new Date(Date.now() + (10 + i) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`  - { id: secret-${i}, kind: static, expiresAt: ${d} }`);
  }
  writeFileSync(join(dir, 'credentials.part'), lines.join('\n') + '\n');
}

/** A year of 15-minute history for 100 static credentials, inserted directly (cached in bench/out). */
function historyDatabase(file: string): void {
  if (existsSync(file)) return;
  const tmp = `${file}.tmp`;
  rmSync(tmp, { force: true });
  const db = openDatabase(tmp);
  db.pragma('synchronous = OFF');
  const insertCheck = db.prepare('INSERT INTO checks (id, checked_at, started_at, duration_ms, credentials, summary) VALUES (?, ?, ?, ?, ?, ?)');
  const insertResult = db.prepare(`INSERT INTO results
    (check_id, credential_id, kind, checked_at, status, expires_at, days_left, renew_by, expiries, certificates, probe, probe_failures, expiry_level, probe_level, reasons)
    VALUES (?, ?, 'static', ?, 'ok', ?, ?, ?, ?, '[]', NULL, 0, 'ok', 'ok', ?)`);
  const setLatest = db.prepare('INSERT OR REPLACE INTO latest_results (credential_id, result_id) VALUES (?, ?)');
  const end = Date.now();
  const start = end - HISTORY_CHECKS * 15 * 60_000;
  const expiries = Array.from({ length: HISTORY_CREDENTIALS }, (_, i) => new Date(end + (400 + i) * 86_400_000));
  const summary = JSON.stringify({ ok: HISTORY_CREDENTIALS, warning: 0, critical: 0, expired: 0, failing: 0, error: 0 });
  const BATCH = 1000;
  for (let from = 0; from < HISTORY_CHECKS; from += BATCH) {
    db.transaction(() => {
      for (let c = from; c < Math.min(from + BATCH, HISTORY_CHECKS); c++) {
        const at = new Date(start + c * 15 * 60_000);
        const iso = at.toISOString();
        insertCheck.run(c + 1, iso, iso, 40, HISTORY_CREDENTIALS, summary);
        for (let i = 0; i < HISTORY_CREDENTIALS; i++) {
          const exp = expiries[i]!;
          const left = Math.floor((exp.getTime() - at.getTime()) / 86_400_000);
          const expIso = exp.toISOString();
          const id = insertResult.run(
            c + 1,
            `hist-${i}`,
            iso,
            expIso,
            left,
            new Date(exp.getTime() - 14 * 86_400_000).toISOString(),
            JSON.stringify([{ source: 'secret', expiresAt: expIso, daysLeft: left }]),
            JSON.stringify([`secret expires in ${left} days (${expIso.slice(0, 10)})`]),
          ).lastInsertRowid;
          if (c === HISTORY_CHECKS - 1) setLatest.run(`hist-${i}`, id);
        }
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(tmp, file);
  rmSync(`${tmp}-wal`, { force: true });
  rmSync(`${tmp}-shm`, { force: true });
}

/**
 * What retention costs a cycle once history is a year old: the oldest day of the year's history
 * (96 checks, 9,600 results) pruned, timed, and rolled back so the cached database stays whole.
 */
function pruneOneDay(file: string): number {
  const db = openDatabase(file);
  try {
    const oldest = (db.prepare('SELECT MIN(checked_at) AS at FROM checks').get() as { at: string }).at;
    db.exec('BEGIN');
    const t0 = performance.now();
    pruneHistory(db, new Date(Date.parse(oldest) + 86_400_000));
    const ms = performance.now() - t0;
    db.exec('ROLLBACK');
    return ms;
  } finally {
    db.close();
  }
}

/** (b) /status (and /metrics, /) latency over keep-alive, one request at a time. */
async function statusLatency(): Promise<Record<string, number>> {
  const dir = join(OUT, 'history');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, `history-${HISTORY_CREDENTIALS}x${HISTORY_CHECKS}.db`);
  const t0 = performance.now();
  const fresh = !existsSync(db);
  historyDatabase(db);
  const buildS = (performance.now() - t0) / 1000;
  const lines = Array.from({ length: HISTORY_CREDENTIALS }, (_, i) => {
    const d = new Date(Date.now() + (400 + i) * 86_400_000).toISOString().slice(0, 10);
    return `  - { id: hist-${i}, kind: static, expiresAt: ${d} }`;
  });
  const port = await freePort();
  writeFileSync(
    join(dir, 'credwatch.yaml'),
    `database: ./${db.split('/').pop()}\nschedule: { check: "${FAR_FUTURE}" }\nserver: { listen: "127.0.0.1:${port}" }\ncredentials:\n${lines.join('\n')}\n`,
  );
  const d = await startDaemon(join(dir, 'credwatch.yaml'), port);
  const out: Record<string, number> = {};
  try {
    for (const [name, path, n] of [['status', '/status', STATUS_REQUESTS], ['metrics', '/metrics', 100], ['page', '/', 100]] as const) {
      const t = await latency(port, path, n);
      out[`${name}P50Ms`] = t.p50;
      out[`${name}P99Ms`] = t.p99;
    }
    if (fresh) out.historyBuildS = buildS;
  } finally {
    await d.stop();
  }
  out.pruneDayOfYearMs = pruneOneDay(db);
  return out;
}

export async function benchDaemon(): Promise<Record<string, number>> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  mkdirSync(OUT, { recursive: true });
  const plain = await idleRss('');
  const deployed = await idleRss(DEPLOYED_NODE_OPTIONS);
  const lat = await statusLatency();
  return {
    idleRssMb: plain.rssMb,
    idleRssAnonMb: plain.anonMb,
    idleRssDeployedMb: deployed.rssMb,
    firstCycle1000Ms: plain.firstCycleMs,
    status1000P50Ms: plain.statusP50Ms,
    status1000P99Ms: plain.statusP99Ms,
    ...lat,
  };
}

const TARGETS: Record<string, string> = { pruneDayOfYearMs: 'one cycle\'s retention, a year in', idleRssMb: '≤ 75', idleRssDeployedMb: `≤ 75 (NODE_OPTIONS=${DEPLOYED_NODE_OPTIONS})`, status1000P99Ms: '≤ 10', statusP99Ms: '< 20' };

export function printTable(r: Record<string, number>): void {
  const rows = Object.entries(r).map(([k, v]) => [k, v.toFixed(k.endsWith('Mb') || k.endsWith('Ms') ? 2 : 1), TARGETS[k] ?? '']);
  const w = [Math.max(...rows.map((x) => x[0]!.length), 6), Math.max(...rows.map((x) => x[1]!.length), 5), 6];
  const line = (a: string, b: string, c: string) => `${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`;
  process.stdout.write(line('metric', 'value', 'target') + '\n');
  for (const [a, b, c] of rows) process.stdout.write(line(a!, b!, c!) + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    // A type error elsewhere in the tree stops `npm run build` before bundling; bundle anyway.
    process.stderr.write('npm run build failed; bundling with scripts/build.mjs alone\n');
    const bundle = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (bundle.status !== 0) process.exit(bundle.status ?? 1);
  }
  printTable(await benchDaemon());
}

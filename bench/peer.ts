// Side by side with the peer: Debian's prometheus-blackbox-exporter and `credwatch check`, against
// the same loopback mTLS OAuth 2.0 server (bench/probe.ts's, in a child process), in the same run,
// so the figures are ratios rather than absolute times.
//   blackbox: `http` prober with `oauth2` client_credentials and a client certificate (token POST,
//             then GET), 500 probes at concurrency 20 through its /probe endpoint;
//   credwatch: one `credwatch check` process over 500 clara-project credentials, each with its own
//             client certificate, at probe.concurrency 20 (cold: new connection, token, call).
// CPU per probe: blackbox's from /proc/<pid>/stat around the 500 probes (its start-up excluded);
// credwatch's is the whole process's, start-up and config included.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createCa, createClientCert, createServerCert, newKeys } from '../test/helpers/pki.js';
import { freePort } from '../test/helpers/ports.js';
import { ServerHandle } from './probe.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
export const PEER_DIR = join(ROOT, 'bench', 'out', 'peer');
const CLI = join(ROOT, 'dist', 'cli.cjs');
const BLACKBOX = '/usr/bin/prometheus-blackbox-exporter';

const PROBES = 500;
const CONCURRENCY = 20;
const WARMUP = 50;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export interface PeerPki {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  /** Client certificate and key file paths, one pair per credential. */
  clients: { cert: string; key: string }[];
}

/** A CA, a localhost server certificate and `n` client certificates on disk (cached in bench/out/peer). */
export async function peerPki(n: number): Promise<PeerPki> {
  const dir = PEER_DIR;
  const meta = join(dir, 'pki.json');
  if (existsSync(meta)) {
    const cached = JSON.parse(readFileSync(meta, 'utf8')) as PeerPki;
    if (cached.clients.length >= n) return cached;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'clients'), { recursive: true });
  const ca = await createCa({ cn: 'credwatch bench CA' });
  const server = await createServerCert(ca);
  const keys = await newKeys();
  const clients: PeerPki['clients'] = [];
  for (let i = 0; i < n; i++) {
    // One key pair for speed; every certificate differs, so every credential has its own material.
    const c = await createClientCert(ca, { cn: `credwatch bench client ${i}`, keys });
    const cert = join(dir, 'clients', `c${i}.crt`);
    const key = join(dir, 'clients', `c${i}.key`);
    writeFileSync(cert, c.cert);
    writeFileSync(key, c.key, { mode: 0o600 });
    clients.push({ cert, key });
  }
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const pki: PeerPki = { dir, ca: join(dir, 'ca.pem'), server: { cert: server.cert, key: server.key }, clients };
  writeFileSync(meta, JSON.stringify({ ...pki, caPem: ca.cert }));
  return pki;
}

export async function startBenchServer(pki: PeerPki): Promise<ServerHandle> {
  return ServerHandle.start({ ca: readFileSync(pki.ca, 'utf8'), cert: pki.server.cert, key: pki.server.key });
}

/** The clara-project credential lines for `n` credentials, each with its own client certificate. */
export function claraLines(pki: PeerPki, n: number, baseUrl: string): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `  - { id: clara-${i}, kind: clara-project, project: "Bench ${i}", country: mx, baseUrl: "${baseUrl}", validityDays: 360, createdAt: "${new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)}", certificate: ${pki.clients[i]!.cert}, privateKey: ${pki.clients[i]!.key}, ca: ${pki.ca}, clientId: bench-client, clientSecret: bench-secret }`,
  );
}

/** utime + stime of a process, in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Installs Debian's blackbox exporter when it is missing (as root, or through sudo without a password). */
function ensureBlackbox(): void {
  if (existsSync(BLACKBOX)) return;
  console.log('prometheus-blackbox-exporter is missing: installing it with apt-get');
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync(cmd[0]!, [...cmd.slice(1), 'update'], { stdio: 'inherit', env });
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'install', '-y', '--no-install-recommends', 'prometheus-blackbox-exporter'], { stdio: 'inherit', env });
  if (r.status !== 0 || !existsSync(BLACKBOX)) throw new Error('cannot install prometheus-blackbox-exporter (apt-get install failed)');
  // The package starts a system service; the benchmark runs its own instance.
}

function blackboxConfig(pki: PeerPki, tokenUrl: string): string {
  const tls = `{ ca_file: ${pki.ca}, cert_file: ${pki.clients[0]!.cert}, key_file: ${pki.clients[0]!.key} }`;
  return `modules:
  clara:
    prober: http
    timeout: 10s
    http:
      method: GET
      valid_status_codes: [200]
      preferred_ip_protocol: ip4
      enable_http2: false
      tls_config: ${tls}
      oauth2:
        client_id: bench-client
        client_secret: bench-secret
        token_url: ${tokenUrl}
        tls_config: ${tls}
`;
}

function httpGet(agent: Agent, port: number, path: string): Promise<string> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done(body));
    });
    req.on('error', fail);
    req.end();
  });
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const agent = new Agent();
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      await httpGet(agent, port, '/');
      agent.destroy();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  agent.destroy();
  throw new Error(`${what} did not listen on ${port}`);
}

async function runBlackbox(pki: PeerPki, server: ServerHandle) {
  ensureBlackbox();
  const base = `https://127.0.0.1:${server.port}`;
  const config = join(pki.dir, 'blackbox.yml');
  writeFileSync(config, blackboxConfig(pki, `${base}/oauth/token`));
  const port = await freePort();
  const child = spawn(BLACKBOX, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  try {
    await waitForPort(port, child, 'blackbox_exporter');
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const path = `/probe?module=clara&target=${encodeURIComponent(`${base}/api/v3/transactions`)}`;
    let failures = 0;
    const probe = async () => {
      const body = await httpGet(agent, port, path);
      if (!/^probe_success 1$/m.test(body)) failures++;
    };
    await pool(WARMUP, CONCURRENCY, probe);
    if (failures) throw new Error(`blackbox probes fail: ${failures}/${WARMUP}\n${log.slice(-2000)}`);
    await server.reset();
    const cpu0 = cpuMsOf(child.pid!);
    const t0 = performance.now();
    await pool(PROBES, CONCURRENCY, probe);
    const wall = performance.now() - t0;
    const cpu = cpuMsOf(child.pid!) - cpu0;
    const counts = await server.counts();
    agent.destroy();
    return { perSecond: (PROBES / wall) * 1000, cpuMsPerProbe: cpu / PROBES, failures, ...counts };
  } finally {
    child.kill('SIGTERM');
  }
}

/** One whole `credwatch check` process; wall time and CPU (user + system) from getrusage of the child. */
function runCheck(configFile: string): { seconds: number; cpuMs: number; rc: number; maxRssMb: number } {
  const py = `import resource,subprocess,sys,time,json
t=time.perf_counter(); p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL); d=time.perf_counter()-t
u=resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds":d,"rc":p.returncode,"cpu":(u.ru_utime+u.ru_stime)*1000,"rss":u.ru_maxrss}))`;
  const out = JSON.parse(
    execFileSync('python3', ['-c', py, process.execPath, CLI, 'check', '--json', '--config', configFile], { env: { ...process.env, CREDWATCH_LOG_LEVEL: 'warn' }, encoding: 'utf8' }),
  );
  return { seconds: out.seconds, cpuMs: out.cpu, rc: out.rc, maxRssMb: out.rss / 1024 };
}

async function runCredwatch(pki: PeerPki, server: ServerHandle) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dir = join(pki.dir, 'check');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'credwatch.yaml');
  writeFileSync(
    configFile,
    `database: ./credwatch.db\nprobe: { concurrency: ${CONCURRENCY}, timeoutMs: 10000 }\ncredentials:\n${claraLines(pki, PROBES, `https://127.0.0.1:${server.port}`).join('\n')}\n`,
  );
  const runs: ReturnType<typeof runCheck>[] = [];
  let counts = { token: 0, api: 0, connections: 0 };
  for (let i = 0; i < 3; i++) {
    for (const f of ['credwatch.db', 'credwatch.db-wal', 'credwatch.db-shm']) rmSync(join(dir, f), { force: true });
    await server.reset();
    const r = runCheck(configFile);
    if (r.rc !== 0) throw new Error(`credwatch check exited ${r.rc} (some probe failed)`);
    runs.push(r);
    counts = await server.counts();
  }
  // The median run by wall time.
  runs.sort((a, b) => a.seconds - b.seconds);
  const r = runs[1]!;
  return { perSecond: PROBES / r.seconds, cpuMsPerProbe: r.cpuMs / PROBES, maxRssMb: r.maxRssMb, ...counts };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function benchPeer(): Promise<Record<string, number>> {
  const pki = await peerPki(PROBES);
  const server = await startBenchServer(pki);
  try {
    const load = loadavg()[0]!;
    const bb = await runBlackbox(pki, server);
    const cw = await runCredwatch(pki, server);
    const f = {
      'peer.probes': PROBES,
      'peer.concurrency': CONCURRENCY,
      'peer.loadavg1': round(load),
      'peer.cores': cpus().length,
      'peer.blackbox.probesPerSec': round(bb.perSecond, 1),
      'peer.blackbox.cpuMsPerProbe': round(bb.cpuMsPerProbe),
      'peer.blackbox.tokenRequests': bb.token,
      'peer.blackbox.tlsConnections': bb.connections,
      'peer.blackbox.failures': bb.failures,
      'peer.credwatch.probesPerSec': round(cw.perSecond, 1),
      'peer.credwatch.cpuMsPerProbe': round(cw.cpuMsPerProbe),
      'peer.credwatch.tokenRequests': cw.token,
      'peer.credwatch.tlsConnections': cw.connections,
      'peer.credwatch.peakRssMb': round(cw.maxRssMb, 1),
      'peer.ratio.probesPerSec': round(cw.perSecond / bb.perSecond),
      'peer.ratio.cpuPerProbe': round(cw.cpuMsPerProbe / bb.cpuMsPerProbe),
    };
    console.log(`Cold probes, ${PROBES} at concurrency ${CONCURRENCY} against one loopback mTLS OAuth server (load average ${f['peer.loadavg1']} on ${f['peer.cores']} cores)`);
    console.log(`  blackbox_exporter: ${f['peer.blackbox.probesPerSec']} probes/s, ${f['peer.blackbox.cpuMsPerProbe']} ms CPU/probe (${bb.token} token requests, ${bb.connections} TLS connections)`);
    console.log(`  credwatch check:   ${f['peer.credwatch.probesPerSec']} probes/s, ${f['peer.credwatch.cpuMsPerProbe']} ms CPU/probe, whole process (${cw.token} token requests, ${cw.connections} TLS connections)`);
    console.log(`  ratio: ${f['peer.ratio.probesPerSec']}× blackbox's probes/s (target ≥ 1.0), ${f['peer.ratio.cpuPerProbe']}× its CPU per probe (target ≤ 1.0)`);
    return f;
  } finally {
    await server.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchPeer(), null, 2));
}

// Probe benchmark against a loopback mTLS server in a child process (so the client's CPU time is
// measured alone):
//   (a) our probe layer, a NEW TLS connection per probe (one SecureContext per credential, no
//       keep-alive, no session resumption), token cached;
//   (b) a plain undici script building a new Agent (cert/key/ca → a new TLS context) per probe,
//       with the same trust (system roots + the test CA), and the same with the test CA only;
//   (c) our probe layer with keep-alive and token caching.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Agent, request } from 'undici';
import { createMtlsPki } from '../test/helpers/pki.js';
import { probeClara, type ClaraProbeCredential } from '../src/kinds/clara.js';
import { Secret } from '../src/secret.js';
import type { ProbeContext } from '../src/probe/context.js';

const PROBES = 500;
const CONCURRENCY = 20;
const KEEPALIVE_PROBES = 5000;
/** Unmeasured rounds first, the same for every variant: JIT warm-up, not connection reuse. */
const WARMUP = 100;
const TOKEN = 'bench-access-token';

export interface ServerPki {
  ca: string;
  cert: string;
  key: string;
}
type Counts = { token: number; api: number; connections: number };

// ---- server side (child process) ----
function serve(pki: ServerPki): void {
  const counts: Counts = { token: 0, api: 0, connections: 0 };
  const srv = https.createServer({ key: pki.key, cert: pki.cert, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/oauth/token') {
        counts.token++;
        const body = JSON.stringify({ access_token: TOKEN, token_type: 'Bearer', expires_in: 86400 });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        return res.end(body);
      }
      counts.api++;
      const ok = req.headers.authorization === `Bearer ${TOKEN}`;
      const body = ok ? '{"data":[]}' : '{"error":"unauthorized"}';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  srv.on('secureConnection', () => counts.connections++);
  srv.listen(0, '127.0.0.1', () => process.send!({ port: (srv.address() as AddressInfo).port }));
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'counts') process.send!({ counts: { ...counts } });
    if (m.cmd === 'reset') {
      counts.token = counts.api = counts.connections = 0;
      process.send!({ reset: true });
    }
    if (m.cmd === 'exit') {
      srv.closeAllConnections();
      srv.close(() => process.exit(0));
    }
  });
}

// ---- client side ----
export class ServerHandle {
  constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}
  static async start(pki: ServerPki): Promise<ServerHandle> {
    const child = fork(fileURLToPath(import.meta.url), ['--probe-bench-server'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.send({ pki });
    const { port } = await new Promise<{ port: number }>((r) => child.once('message', (m) => r(m as { port: number })));
    return new ServerHandle(child, port);
  }
  private ask<T>(cmd: string): Promise<T> {
    return new Promise((r) => {
      this.child.once('message', (m) => r(m as T));
      this.child.send({ cmd });
    });
  }
  counts = async () => (await this.ask<{ counts: Counts }>('counts')).counts;
  reset = () => this.ask('reset');
  stop = () => new Promise<void>((r) => {
    this.child.once('exit', () => r());
    this.child.send({ cmd: 'exit' });
  });
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

interface Measured {
  perSecond: number;
  cpuMsPerProbe: number;
  failures: number;
}

async function measure(n: number, fn: (i: number) => Promise<boolean>, afterWarmup?: () => Promise<unknown>): Promise<Measured> {
  await pool(WARMUP, CONCURRENCY, async (i) => void (await fn(i)));
  await afterWarmup?.();
  let failures = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    if (!(await fn(i))) failures++;
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (n / wall) * 1000, cpuMsPerProbe: (cpu.user + cpu.system) / 1000 / n, failures };
}

export async function benchProbe(): Promise<Record<string, number>> {
  const pki = await createMtlsPki();
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-bench-probe-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  const certificate = file('client.crt', pki.client.cert);
  const privateKey = file('client.key', pki.client.key);
  const ca = file('ca.pem', pki.ca.cert);
  const server = await ServerHandle.start({ ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key });
  const baseUrl = `https://127.0.0.1:${server.port}`;
  const cred: ClaraProbeCredential = {
    id: 'bench',
    country: 'mx',
    baseUrl,
    certificate,
    privateKey,
    ca,
    clientId: 'bench-client',
    clientSecret: new Secret('bench-secret'),
  };
  const log = pino({ level: 'silent' });
  const context = (state: Map<string, unknown>): ProbeContext => ({ now: new Date(), log, timeoutMs: 10_000, state });
  const closeAll = async (state: Map<string, unknown>) => {
    for (const v of state.values()) await (v as { close?: () => Promise<void> }).close?.();
  };

  try {
    // (a) our layer, new connection per probe (the warm-up also fetches the one token).
    const stateA = new Map<string, unknown>();
    const a = await measure(PROBES, async () => (await probeClara(cred, context(stateA), { keepAlive: false })).ok, server.reset);
    const countsA = await server.counts();
    await closeAll(stateA);

    // (b) plain undici: a new Agent, hence a new TLS context, for every connection.
    const plain = (trust: string | string[]) => async () => {
      const agent = new Agent({ connect: { cert: pki.client.cert, key: pki.client.key, ca: trust, maxCachedSessions: 0 } });
      try {
        const res = await request(`${baseUrl}/api/v3/transactions`, { dispatcher: agent, headers: { authorization: `Bearer ${TOKEN}` } });
        await res.body.dump();
        return res.statusCode === 200;
      } finally {
        await agent.close();
      }
    };
    const b = await measure(PROBES, plain([...tls.rootCertificates, pki.ca.cert]), server.reset);
    const countsB = await server.counts();
    const bCaOnly = await measure(PROBES, plain(pki.ca.cert));

    // (c) our layer with keep-alive and token caching, from a cold state bag: the token count
    // covers the warm-up too, so it is the count for the whole run.
    await server.reset();
    const stateC = new Map<string, unknown>();
    const c = await measure(KEEPALIVE_PROBES, async () => (await probeClara(cred, context(stateC), {})).ok);
    const countsC = await server.counts();
    await closeAll(stateC);

    const figures = {
      probes: PROBES,
      concurrency: CONCURRENCY,
      a_newConnection_probesPerSec: round(a.perSecond),
      a_newConnection_cpuMsPerProbe: round(a.cpuMsPerProbe, 3),
      a_tlsConnections: countsA.connections,
      a_tokenRequests: countsA.token,
      a_failures: a.failures,
      b_plainUndici_newContext_probesPerSec: round(b.perSecond),
      b_plainUndici_newContext_cpuMsPerProbe: round(b.cpuMsPerProbe, 3),
      b_plainUndici_caOnly_probesPerSec: round(bCaOnly.perSecond),
      b_plainUndici_caOnly_cpuMsPerProbe: round(bCaOnly.cpuMsPerProbe, 3),
      b_failures: b.failures + bCaOnly.failures,
      b_tlsConnections: countsB.connections,
      ratio_a_over_b: round(a.perSecond / b.perSecond, 2),
      ratio_a_over_b_caOnly: round(a.perSecond / bCaOnly.perSecond, 2),
      c_keepAlive_probes: KEEPALIVE_PROBES,
      c_keepAlive_probesIncludingWarmup: KEEPALIVE_PROBES + WARMUP,
      c_keepAlive_probesPerSec: round(c.perSecond),
      c_keepAlive_cpuMsPerProbe: round(c.cpuMsPerProbe, 3),
      c_tokenRequests: countsC.token,
      c_tlsConnections: countsC.connections,
      c_failures: c.failures,
      ratio_c_over_a: round(c.perSecond / a.perSecond, 2),
    };
    return figures;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function printProbeTable(f: Record<string, number>): void {
  const rows: [string, string, string][] = [
    ['(a) probe layer, new TLS connection per probe', `${f.a_newConnection_probesPerSec} probes/s`, `${f.a_newConnection_cpuMsPerProbe} ms CPU/probe (target ≤ 6); ${f.a_tlsConnections} TLS connections, ${f.a_tokenRequests} token requests (token warmed before)`],
    ['(b) plain undici, new Agent per probe (roots + CA)', `${f.b_plainUndici_newContext_probesPerSec} probes/s`, `${f.b_plainUndici_newContext_cpuMsPerProbe} ms CPU/probe`],
    ['(b\') plain undici, new Agent per probe (CA only)', `${f.b_plainUndici_caOnly_probesPerSec} probes/s`, `${f.b_plainUndici_caOnly_cpuMsPerProbe} ms CPU/probe`],
    ['(c) probe layer, keep-alive + token cache', `${f.c_keepAlive_probesPerSec} probes/s`, `${f.c_keepAlive_cpuMsPerProbe} ms CPU/probe; ${f.c_tokenRequests} token request(s) in ${f.c_keepAlive_probesIncludingWarmup} probes (target 1), ${f.c_tlsConnections} TLS connections`],
    ['(a)/(b)', `${f.ratio_a_over_b}×`, `target ≥ 1.4× (vs CA only: ${f.ratio_a_over_b_caOnly}×)`],
    ['(c)/(a)', `${f.ratio_c_over_a}×`, 'target ≥ 8×'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`probe benchmark: ${f.probes} probes at concurrency ${f.concurrency} (keep-alive run: ${f.c_keepAlive_probes}), each after ${WARMUP} unmeasured warm-up probes; loopback mTLS server in a child process`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  const failures = f.a_failures! + f.b_failures! + f.c_failures!;
  if (failures) console.log(`  failed probes: ${failures}`);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && process.argv.includes('--probe-bench-server')) {
  process.once('message', (m: { pki: ServerPki }) => serve(m.pki));
} else if (isMain) {
  const figures = await benchProbe();
  printProbeTable(figures);
}

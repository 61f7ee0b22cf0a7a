// The runtime's floor for the #10 targets: the same probes done by a bare Node script
// (bench/floor-client.mjs: no config, inspection, database or alerting, no host-name check), against
// the same loopback mTLS OAuth server as bench/peer.ts, in the same run; run.ts sets these beside
// blackbox_exporter's figures. The steady and memory figures are lower bounds (the script does
// strictly less than credwatch must); the cold one is what a plain script pays, not a bound:
// `credwatch check` measures about the same.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerPki, startBenchServer } from './peer.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const CLIENT = join(ROOT, 'bench', 'floor-client.mjs');
const COLD_PROBES = 500;
const STEADY_PROBES = 1000;
const MEMORY_CONTEXTS = 1000;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function run(args: string[]): Record<string, number> {
  return JSON.parse(execFileSync(process.execPath, [CLIENT, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
}

/** The whole cold process, measured from outside (getrusage of the child), as bench/peer.ts measures `credwatch check`. */
function runCold(args: string[]): number {
  const py = `import resource,subprocess,sys
p=subprocess.run(sys.argv[1:])
u=resource.getrusage(resource.RUSAGE_CHILDREN)
print((u.ru_utime+u.ru_stime)*1000 if p.returncode==0 else -1)`;
  const cpuMs = Number(execFileSync('python3', ['-c', py, process.execPath, CLIENT, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
  if (cpuMs < 0) throw new Error('the cold floor client failed');
  return cpuMs;
}

export async function benchFloor(): Promise<Record<string, number>> {
  const pki = await peerPki(MEMORY_CONTEXTS);
  const server = await startBenchServer(pki);
  const pkiFile = join(pki.dir, 'pki.json');
  const port = String(server.port);
  try {
    const steady = run(['steady', pkiFile, port, String(STEADY_PROBES)]);
    const cold = [0, 1, 2].map(() => runCold(['cold', pkiFile, port, String(COLD_PROBES)])).sort((a, b) => a - b)[1]!;
    const memory = run(['memory', pkiFile, port, String(MEMORY_CONTEXTS)]);
    const f = {
      'floor.steady.rawCpuMsPerProbe': round(steady.rawCpuMsPerProbe!),
      'floor.steady.undiciCpuMsPerProbe': round(steady.undiciCpuMsPerProbe!),
      'floor.cold.cpuMsPerProbe': round(cold / COLD_PROBES),
      'floor.memory.contextsPeakRssMb': round(memory.contextsPeakRssMb!, 1),
      'floor.memory.probedPeakRssMb': round(memory.probedPeakRssMb!, 1),
    };
    printFloor(f);
    return f;
  } finally {
    await server.stop();
  }
}

function printFloor(f: Record<string, number>): void {
  console.log('Bare Node, same probes, same server (bench/floor-client.mjs: nothing of credwatch, no host-name check)');
  console.log(`  steady (context built, new connection, token cached): raw TLS + HTTP/1.1 ${f['floor.steady.rawCpuMsPerProbe']} ms CPU/probe, through undici ${f['floor.steady.undiciCpuMsPerProbe']} ms`);
  console.log(`  cold, whole process over ${COLD_PROBES} (context, new connection, token POST + GET through undici): ${f['floor.cold.cpuMsPerProbe']} ms CPU/probe (median of 3)`);
  console.log(`  memory: undici, better-sqlite3 and node-cron loaded + ${MEMORY_CONTEXTS} client-certificate contexts: peak RSS ${f['floor.memory.contextsPeakRssMb']} MB; after one probe each through undici: ${f['floor.memory.probedPeakRssMb']} MB`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchFloor(), null, 2));
}

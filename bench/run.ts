// `npm run bench`: every benchmark in turn, then all figures as one JSON object on stdout.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const suites: [string, string, string][] = [
  ['expiry check', 'certs.ts', 'benchCerts'],
  ['probes', 'probe.ts', 'benchProbe'],
  ['side by side with blackbox_exporter', 'peer.ts', 'benchPeer'],
  ['the runtime floor: the same probes from bare Node', 'floor.ts', 'benchFloor'],
  ['probe engine at scale', 'scale.ts', 'benchScale'],
  ['daemon', 'daemon.ts', 'benchDaemon'],
];

const figures: Record<string, number> = {};
let failed = false;
for (const [name, file, fn] of suites) {
  const path = join(import.meta.dirname, file);
  if (!existsSync(path)) continue;
  console.log(`\n== ${name} (bench/${file})`);
  try {
    const mod = (await import(path)) as Record<string, (f?: Record<string, number>) => unknown>;
    const got = (await mod[fn]!()) as Record<string, number>;
    // The probe benchmark leaves printing to its caller.
    if (typeof mod.printProbeTable === 'function') mod.printProbeTable(got);
    if (typeof mod.printScale === 'function') mod.printScale(got);
    if (file === 'daemon.ts' && typeof mod.printTable === 'function') mod.printTable(got);
    Object.assign(figures, got);
  } catch (err) {
    failed = true;
    console.error(`${name} benchmark failed: ${(err as Error).stack}`);
  }
}
// The daemon's steady-state probe against the peer's cold probe, both measured in this run.
const steady = figures['scale.steadyCpuMsPerProbe'];
const peer = figures['peer.blackbox.cpuMsPerProbe'];
if (steady !== undefined && peer) {
  figures['ratio.steadyStateCpuVsBlackbox'] = Math.round((steady / peer) * 100) / 100;
  console.log(`\nsteady-state probe CPU in the daemon: ${steady} ms vs blackbox_exporter ${peer} ms per probe: ${figures['ratio.steadyStateCpuVsBlackbox']}× (target ≤ 0.5×)`);
}
// The bare-Node figures against the same peer figure (see bench/floor.ts for which are lower bounds).
if (peer && figures['floor.steady.undiciCpuMsPerProbe'] !== undefined) {
  const ratio = (k: string) => Math.round((figures[k]! / peer) * 100) / 100;
  figures['ratio.floorSteadyRawVsBlackbox'] = ratio('floor.steady.rawCpuMsPerProbe');
  figures['ratio.floorSteadyUndiciVsBlackbox'] = ratio('floor.steady.undiciCpuMsPerProbe');
  figures['ratio.floorColdVsBlackbox'] = ratio('floor.cold.cpuMsPerProbe');
  console.log(
    `bare-Node floor vs blackbox_exporter's ${peer} ms per probe: steady ${figures['ratio.floorSteadyRawVsBlackbox']}× (raw TLS + HTTP), ${figures['ratio.floorSteadyUndiciVsBlackbox']}× (through undici); cold ${figures['ratio.floorColdVsBlackbox']}× (credwatch check: ${figures['peer.ratio.cpuPerProbe']}×)`,
  );
}
console.log('\n' + JSON.stringify(figures, null, 2));
process.exitCode = failed ? 1 : 0;

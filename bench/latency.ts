// Endpoint latency measured by bench/http-latency.mjs in a process of its own.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT = join(resolve(fileURLToPath(import.meta.url), '..'), 'http-latency.mjs');

export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

/** `count` GETs of `path`, one at a time over keep-alive, after `warmup` unmeasured ones. */
export function latency(port: number, path: string, count: number, warmup = 20): Promise<Latency> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [CLIENT, String(port), path, String(count), String(warmup)], { env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout) =>
      err ? fail(err) : done(JSON.parse(stdout) as Latency),
    );
  });
}

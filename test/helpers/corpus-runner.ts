// Child process for test/corpus.test.ts: runs every case of test/corpus/ through `validate` and
// `check --no-probe`, in this one process (the CLI's own `main`, output captured), and prints one
// JSON line per command to fd 1. "start <case>" goes out first, so a case that freezes the process
// is named by the parent when it kills us at its deadline.
//   node --import tsx corpus-runner.ts <folder holding the cases and fixtures/>
import { readdirSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = process.argv[2]!;
const say = (o: unknown) => writeSync(1, `${JSON.stringify(o)}\n`);

let captured = '';
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
const capture = (chunk: unknown, ...rest: unknown[]) => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  cb?.();
  return true;
};
process.stdout.write = capture as typeof process.stdout.write;
process.stderr.write = capture as typeof process.stderr.write;

// Importing the CLI runs its main once; give it something harmless.
process.argv = [process.argv[0]!, 'credwatch', '--help'];
const { main } = await import('../../src/cli.js');
await new Promise((r) => setTimeout(r, 50));

async function run(args: string[]): Promise<{ code: number; output: string; ms: number }> {
  captured = '';
  process.exitCode = undefined;
  const t0 = performance.now();
  await main(['node', 'credwatch', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, output: captured, ms: Math.round(performance.now() - t0) };
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
  const text = readFileSync(join(dir, file), 'utf8');
  const target = /^# config: (.+)$/m.exec(text)?.[1];
  const config = target ? resolve(dir, target) : join(dir, file);
  say({ start: file });
  say({ case: file, command: 'validate', ...(await run(['validate', '-c', config])) });
  say({ case: file, command: 'check', ...(await run(['check', '--no-probe', '-c', config])) });
}
process.stdout.write = realOut;
process.stderr.write = realErr;
say({ done: true });
process.exit(0);

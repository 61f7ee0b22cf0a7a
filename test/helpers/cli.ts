// Runs the credwatch CLI from source as a separate process, the way a user would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** tsx's loader by absolute URL, so the CLI can run from any working directory. */
export const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli.ts'), ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, CREDWATCH_LOG_LEVEL: 'info', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`credwatch ${args.join(' ')} did not finish in time\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A temporary folder with helpers to write files into it; `cleanup()` removes it. */
export function tempDir(prefix = 'credwatch-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (...parts: string[]) => join(dir, ...parts),
    write(name: string, content: string | Buffer, mode?: number) {
      const file = join(dir, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content, mode === undefined ? undefined : { mode });
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** stderr less the config's lint warnings (`warning: …` lines; e.g. a config that routes to no notifier), the rest as one string. */
export function withoutWarnings(stderr: string): string {
  return stderr.split('\n').filter((l) => l && !l.startsWith('warning: ')).join('\n');
}

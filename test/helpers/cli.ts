// Runs the credwatch CLI as a separate process, the way a user would: from source through tsx, or
// as the built bundle (dist/cli.cjs, what `npm run build` ships and users run).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** tsx's loader by absolute URL, so the CLI can run from any working directory. */
export const TSX = import.meta.resolve('tsx');

/** The built CLI, as `npm run build` makes it. */
export const DIST_CLI = join(ROOT, 'dist', 'cli.cjs');
const LOCK = join(ROOT, 'node_modules', '.credwatch-build-lock');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Newest modification time (ms) of the files the bundle is built from. */
function newestSource(): number {
  let newest = Math.max(statSync(join(ROOT, 'scripts', 'build.mjs')).mtimeMs, statSync(join(ROOT, 'package.json')).mtimeMs);
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  return newest;
}

const distMtime = (): number => {
  try {
    return statSync(DIST_CLI).mtimeMs;
  } catch {
    return -1;
  }
};

function runBuild(): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`node scripts/build.mjs exited ${code}\n${stderr}`))));
  });
}

let built: Promise<string> | null = null;

/**
 * dist/cli.cjs, built by scripts/build.mjs (the bundle step of `npm run build`) when it is missing
 * or older than a file in src/: `npm test` on a fresh clone needs no build first. Test files run in
 * parallel, so the build is done under a lock (a directory; one left by a killed run is taken over
 * after two minutes), and freshness is checked again once the lock is held.
 */
export function builtCli(): Promise<string> {
  built ??= (async () => {
    const end = Date.now() + 120_000;
    for (;;) {
      try {
        mkdirSync(LOCK);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let age = 0;
        try {
          age = Date.now() - statSync(LOCK).mtimeMs;
        } catch {
          continue; // released meanwhile
        }
        if (age > 120_000) rmSync(LOCK, { recursive: true, force: true });
        else if (Date.now() > end) throw new Error(`${LOCK} is held for too long: remove it if no test run is building`);
        else await sleep(100);
      }
    }
    try {
      if (distMtime() < newestSource()) await runBuild();
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
    return DIST_CLI;
  })();
  // A failed build is not cached: the next caller tries again and sees the error too.
  built.catch(() => (built = null));
  return built;
}

/**
 * How CLI tests start credwatch: `source` (src/cli.ts through tsx) or `bundle` (dist/cli.cjs,
 * built on demand). A test that says nothing gets CREDWATCH_TEST_CLI's choice, `source` by default.
 */
export type CliFlavour = 'source' | 'bundle';
const defaultFlavour = (): CliFlavour => (process.env.CREDWATCH_TEST_CLI === 'bundle' ? 'bundle' : 'source');

/** The argv (after `node`) that starts the CLI in this flavour. */
export async function cliArgv(flavour: CliFlavour = defaultFlavour()): Promise<string[]> {
  return flavour === 'bundle' ? [await builtCli()] : ['--import', TSX, join(ROOT, 'src', 'cli.ts')];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Source through tsx or the built bundle; default: CREDWATCH_TEST_CLI, else source. */
  cli?: CliFlavour;
}

export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const argv = await cliArgv(opts.cli);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...argv, ...args], {
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

/** runCli against the built bundle (dist/cli.cjs), for tests of the command line itself. */
export const runBuiltCli = (args: string[], opts: Omit<CliOptions, 'cli'> = {}): Promise<CliResult> => runCli(args, { ...opts, cli: 'bundle' });

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

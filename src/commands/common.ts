import { loadConfig, resolveConfigPath, type LoadedConfig } from '../config/load.js';
import { ConfigError, formatProblem } from '../config/schema.js';

export const EXIT = { ok: 0, warning: 1, critical: 2, usage: 3 } as const;

/** An error the command line reports as one message and exit code 3. */
export class UsageError extends Error {
  readonly code = 'usage';
}

export interface GlobalOptions {
  config?: string;
}

/** Loads the config or prints every problem and returns null (the caller exits 3). */
export function loadOrReport(opts: GlobalOptions, err: NodeJS.WritableStream = process.stderr): LoadedConfig | null {
  const file = resolveConfigPath(opts.config);
  try {
    const loaded = loadConfig(file);
    for (const w of loaded.warnings) err.write(`warning: ${formatProblem(w)}\n`);
    return loaded;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const errors = e.problems.filter((p) => p.level === 'error');
    err.write(`credwatch: ${file}: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n`);
    for (const p of errors) err.write(`  ${formatProblem(p)}\n`);
    return null;
  }
}

import { resolveConfigPath, tryLoadConfig, type LoadedConfig } from '../config/load.js';
import { formatProblem } from '../config/schema.js';
import { CredwatchError, USAGE_ERROR } from '../errors.js';

export const EXIT = { ok: 0, warning: 1, critical: 2, usage: 3 } as const;

/** An error the command line reports as one message and exit code 3. */
export class UsageError extends CredwatchError<typeof USAGE_ERROR> {
  constructor(message: string) {
    super(USAGE_ERROR, message);
  }
}

export interface GlobalOptions {
  config?: string;
}

/**
 * Loads the config or prints every problem and returns null (the caller exits 3). Warnings are
 * printed too, unless the caller reports them its own way (the daemon logs them).
 */
export function loadOrReport(opts: GlobalOptions, { err = process.stderr, printWarnings = true }: { err?: NodeJS.WritableStream; printWarnings?: boolean } = {}): LoadedConfig | null {
  const file = resolveConfigPath(opts.config);
  const out = tryLoadConfig(file);
  if (!out.ok) {
    err.write(`credwatch: ${file}: ${out.errors.length} problem${out.errors.length === 1 ? '' : 's'}\n`);
    for (const p of out.errors) err.write(`  ${formatProblem(p)}\n`);
    return null;
  }
  if (printWarnings) for (const w of out.warnings) err.write(`warning: ${formatProblem(w)}\n`);
  return { config: out.config, warnings: out.warnings };
}

import { EXIT, loadOrReport, type GlobalOptions } from './common.js';
import { projectionLines, projectRequests } from '../config/budget.js';

/** Loads and lints the config; touches no network and no database. */
export function validateCommand(opts: GlobalOptions): number {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config, warnings } = loaded;
  process.stdout.write(
    `${config.file}: OK, ${config.credentials.length} credential${config.credentials.length === 1 ? '' : 's'}, ` +
      `${config.notifiers.length} notifier${config.notifiers.length === 1 ? '' : 's'}` +
      (warnings.length ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : '') +
      '\n',
  );
  // What the probes will spend of billed quotas: one line per probing credential.
  for (const line of projectionLines(config, projectRequests(config))) process.stdout.write(`${line}\n`);
  return EXIT.ok;
}

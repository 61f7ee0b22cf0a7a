import { createLogger } from '../log.js';
import { formatProblem } from '../config/schema.js';
import { Daemon } from '../daemon/daemon.js';
import { handleSignals } from '../daemon/signals.js';
import { keepYoungGenerationSmall } from '../daemon/memory.js';
import { EXIT, loadOrReport, type GlobalOptions } from './common.js';

/** `credwatch run`: the daemon. Resolves with 0 after SIGTERM/SIGINT, 3 on a bad config, 2 if it cannot start. */
export async function runCommand(opts: GlobalOptions): Promise<number> {
  // Before the config load: loading 1,000 credentials is busy enough to grow the young generation.
  keepYoungGenerationSmall();
  // Its warnings go to the log (below), once: the daemon's stderr is the journal.
  const loaded = loadOrReport(opts, { printWarnings: false });
  if (!loaded) return EXIT.usage;
  const log = createLogger();
  for (const w of loaded.warnings) log.warn({ path: w.path }, `config warning: ${formatProblem(w)}`);

  const daemon = new Daemon({ config: loaded.config, log });
  const unhook = handleSignals(daemon, log);
  try {
    await daemon.start();
  } catch (err) {
    unhook();
    log.fatal({ err: (err as Error).message }, 'cannot start');
    if ((err as { code?: string }).code === 'store_error') {
      process.stderr.write(`credwatch: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    return EXIT.critical;
  }
  await daemon.stopped;
  unhook();
  // A stray handle (a keep-alive socket, a timer in a library) must not keep a stopped daemon alive.
  setTimeout(() => process.exit(process.exitCode ?? EXIT.ok), 1000).unref();
  return EXIT.ok;
}

import { createLogger } from '../log.js';
import { openDatabase } from '../store/db.js';
import { sendTestEvent } from '../alerts/test-event.js';
import { EXIT, loadOrReport, type GlobalOptions } from './common.js';

/** `credwatch notify test NAME`: 0 delivered, 2 delivery failed, 3 bad config or unknown name. */
export async function notifyTestCommand(name: string, opts: GlobalOptions): Promise<number> {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  const log = createLogger({ quietOnTerminal: true });
  const db = openDatabase(config.database);
  try {
    const out = await sendTestEvent(config, name, { log, db });
    if (out.status === 'unknown_notifier') {
      process.stderr.write(`credwatch: ${out.message}\n`);
      return EXIT.usage;
    }
    if (out.status === 'failed') {
      process.stderr.write(`credwatch: test event through ${name} failed (${out.code}, ${out.retryable ? 'may work on retry' : 'permanent'}): ${out.message}\n`);
      return EXIT.critical;
    }
    process.stdout.write(`test event ${out.event.id} delivered through ${name}\n`);
    return EXIT.ok;
  } finally {
    db.close();
  }
}

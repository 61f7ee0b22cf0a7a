import { userInfo } from 'node:os';
import { parseDate } from '../config/helpers.js';
import { openDatabase, type Db } from '../store/db.js';
import { endAck, hasActiveAlert, putAck } from '../store/acks.js';
import { ackText } from '../ack.js';
import { EXIT, loadOrReport, UsageError, type GlobalOptions } from './common.js';

interface AckOptions extends GlobalOptions {
  until?: string;
  note?: string;
  by?: string;
}

function whoAmI(): string {
  try {
    return process.env.USER || process.env.LOGNAME || userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Loads the config, checks the id, opens the database and runs `act`; exit 3 for a bad config or an unknown id. */
function withCredential(id: string, opts: GlobalOptions, act: (db: Db) => number): number {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  if (!loaded.config.credentials.some((c) => c.id === id)) {
    process.stderr.write(`credwatch: no credential with id "${id}"\n`);
    return EXIT.usage;
  }
  const db = openDatabase(loaded.config.database);
  try {
    return act(db);
  } finally {
    db.close();
  }
}

/**
 * `credwatch ack ID`: reminders for the credential stop until a new firing, an escalation,
 * resolution, `--until` or `unack`. Writes only its own row: safe while `credwatch run` is up.
 */
export function ackCommand(id: string, opts: AckOptions): number {
  let until: string | null = null;
  if (opts.until !== undefined) {
    const d = parseDate(opts.until);
    if (!d) throw new UsageError(`--until ${opts.until}: expected a date (2026-12-01) or an ISO 8601 instant`);
    until = d.toISOString();
  }
  return withCredential(id, opts, (db) => {
    if (!hasActiveAlert(db, id)) {
      process.stderr.write(`credwatch: ${id} has no active alert to acknowledge\n`);
      return EXIT.usage;
    }
    const ack = { by: opts.by?.trim() || whoAmI(), note: opts.note?.trim() || null, at: new Date().toISOString(), until };
    putAck(db, id, ack);
    process.stdout.write(`${id}: ${ackText(ack)}${until ? ` (until ${until})` : ''}; reminders stop until a new firing, an escalation or resolution\n`);
    return EXIT.ok;
  });
}

/** `credwatch unack ID`: ends the credential's acknowledgement; reminders resume. */
export function unackCommand(id: string, opts: GlobalOptions): number {
  return withCredential(id, opts, (db) => {
    if (!endAck(db, id, new Date().toISOString(), 'unack')) {
      process.stderr.write(`credwatch: ${id} is not acknowledged\n`);
      return EXIT.usage;
    }
    process.stdout.write(`${id}: acknowledgement ended; reminders resume\n`);
    return EXIT.ok;
  });
}

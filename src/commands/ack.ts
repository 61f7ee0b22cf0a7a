import { userInfo } from 'node:os';
import { parseDate } from '../config/helpers.js';
import { openDatabase } from '../store/db.js';
import { endAck, hasActiveAlert, putAck } from '../store/acks.js';
import { ackText } from '../ack.js';
import type { Config } from '../config/schema.js';
import { EXIT, loadOrReport, UsageError, type GlobalOptions } from './common.js';

export interface AckOptions extends GlobalOptions {
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

function knownCredential(config: Config, id: string): boolean {
  if (config.credentials.some((c) => c.id === id)) return true;
  process.stderr.write(`credwatch: no credential with id "${id}"\n`);
  return false;
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
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  if (!knownCredential(config, id)) return EXIT.usage;
  const db = openDatabase(config.database);
  try {
    if (!hasActiveAlert(db, id)) {
      process.stderr.write(`credwatch: ${id} has no active alert to acknowledge\n`);
      return EXIT.usage;
    }
    const ack = { by: opts.by?.trim() || whoAmI(), note: opts.note?.trim() || null, at: new Date().toISOString(), until };
    putAck(db, id, ack);
    process.stdout.write(`${id}: ${ackText(ack)}${until ? ` (until ${until})` : ''}; reminders stop until a new firing, an escalation or resolution\n`);
    return EXIT.ok;
  } finally {
    db.close();
  }
}

/** `credwatch unack ID`: ends the credential's acknowledgement; reminders resume. */
export function unackCommand(id: string, opts: GlobalOptions): number {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  if (!knownCredential(config, id)) return EXIT.usage;
  const db = openDatabase(config.database);
  try {
    if (!endAck(db, id, new Date().toISOString(), 'unack')) {
      process.stderr.write(`credwatch: ${id} is not acknowledged\n`);
      return EXIT.usage;
    }
    process.stdout.write(`${id}: acknowledgement ended; reminders resume\n`);
    return EXIT.ok;
  } finally {
    db.close();
  }
}

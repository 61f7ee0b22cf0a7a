import { openDatabase } from '../store/db.js';
import { lastCheck, latestResults } from '../store/results.js';
import { renderTable } from '../render/table.js';
import { writeReportJson } from '../render/json.js';
import { notifierProblemLines } from '../alerts/after-cycle.js';
import { exitCodeFor, summarize, type CheckReport } from '../types.js';
import { activeAcks } from '../store/acks.js';
import { ackInForce, ackText } from '../ack.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { renderNagios } from '../render/nagios.js';
import { outputFormat, thresholdsFor } from './format.js';
import { EXIT, loadOrReport, UsageError, type GlobalOptions } from './common.js';

/** The last recorded result of every configured credential (or of `only`), in config order. */
export function recordedReport(config: Config, db: Db, only?: readonly string[]): CheckReport {
  const wanted = only?.length ? new Set(only) : null;
  const selected = wanted ? config.credentials.filter((c) => wanted.has(c.id)) : config.credentials;
  const latest = latestResults(db, selected.map((c) => c.id));
  // Acknowledgements are read live, so `ack` and `unack` show at once, not after the next cycle.
  const acks = activeAcks(db);
  const now = new Date();
  const credentials = selected.flatMap((c) => {
    const r = latest.get(c.id);
    if (!r) return [];
    const ack = acks.get(c.id);
    return [{ ...r, ack: ackInForce(ack, now) ? ack : null }];
  });
  const checkedAt = credentials.reduce((max, r) => (r.checkedAt > max ? r.checkedAt : max), lastCheck(db)?.checkedAt ?? '');
  return { checkedAt: checkedAt || new Date(0).toISOString(), summary: summarize(credentials), credentials };
}

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
  only?: string[];
  format?: string;
}

export function statusCommand(opts: StatusOptions): number {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  const format = outputFormat(opts);
  const known = new Set(config.credentials.map((c) => c.id));
  const unknown = (opts.only ?? []).filter((id) => !known.has(id));
  if (unknown.length) throw new UsageError(`--only: no credential with id ${unknown.map((u) => `"${u}"`).join(', ')}`);
  const db = openDatabase(config.database);
  try {
    const report = recordedReport(config, db, opts.only);
    if (format === 'nagios') {
      process.stdout.write(renderNagios(report, thresholdsFor(config)));
      return report.credentials.length ? exitCodeFor(report.credentials) : EXIT.usage;
    }
    const missing = (opts.only?.length ? new Set(opts.only).size : config.credentials.length) - report.credentials.length;
    if (missing > 0) process.stderr.write(`credwatch: ${missing} configured credential${missing === 1 ? ' has' : 's have'} no recorded check yet; run credwatch check\n`);
    if (format === 'json') writeReportJson(report);
    else {
      process.stdout.write(renderTable(report, process.stdout.isTTY === true));
      for (const r of report.credentials) {
        if (r.ack) process.stdout.write(`${r.id}: ${ackText(r.ack)} (since ${r.ack.at}${r.ack.until ? `, until ${r.ack.until}` : ''})\n`);
      }
    }
    // Notifiers that stopped delivering for good; stderr under --json so stdout stays JSON.
    for (const line of notifierProblemLines(db)) (format === 'json' ? process.stderr : process.stdout).write(`${line}\n`);
    return exitCodeFor(report.credentials);
  } finally {
    db.close();
  }
}

import { openDatabase } from '../store/db.js';
import { lastCheck, latestResults } from '../store/results.js';
import { renderTable } from '../render/table.js';
import { writeReportJson } from '../render/json.js';
import { notifierProblemLines, outboxStatusLine } from '../alerts/after-cycle.js';
import { exitCodeFor, summarize, type CheckReport } from '../types.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { EXIT, loadOrReport, type GlobalOptions } from './common.js';

/** The last recorded result of every configured credential, in config order. */
export function recordedReport(config: Config, db: Db): CheckReport {
  const latest = latestResults(db, config.credentials.map((c) => c.id));
  const credentials = config.credentials.flatMap((c) => {
    const r = latest.get(c.id);
    return r ? [r] : [];
  });
  const checkedAt = credentials.reduce((max, r) => (r.checkedAt > max ? r.checkedAt : max), lastCheck(db)?.checkedAt ?? '');
  return { checkedAt: checkedAt || new Date(0).toISOString(), summary: summarize(credentials), credentials };
}

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
}

export function statusCommand(opts: StatusOptions): number {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  const db = openDatabase(config.database);
  try {
    const report = recordedReport(config, db);
    const missing = config.credentials.length - report.credentials.length;
    if (missing > 0) process.stderr.write(`credwatch: ${missing} configured credential${missing === 1 ? ' has' : 's have'} no recorded check yet; run credwatch check\n`);
    if (opts.json) writeReportJson(report);
    else process.stdout.write(renderTable(report, process.stdout.isTTY === true));
    // Notifiers that stopped delivering for good; stderr under --json so stdout stays JSON.
    for (const line of notifierProblemLines(db)) (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
    const outbox = outboxStatusLine(db);
    if (outbox) (opts.json ? process.stderr : process.stdout).write(`${outbox}\n`);
    return exitCodeFor(report.credentials);
  } finally {
    db.close();
  }
}

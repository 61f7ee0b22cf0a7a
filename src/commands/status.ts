import { openDatabase } from '../store/db.js';
import { lastCheck, latestResults, type StoredResult } from '../store/results.js';
import { parentIdOf } from '../config/derived-id.js';
import { renderTable } from '../render/table.js';
import { writeReportJson } from '../render/json.js';
import { notifierProblemLines, outboxStatusLine } from '../alerts/after-cycle.js';
import { exitCodeFor, summarize, type CheckReport } from '../types.js';
import { activeAcks } from '../store/acks.js';
import { ackInForce, ackText } from '../ack.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { renderNagios } from '../render/nagios.js';
import { isSelectableId } from '../kinds/discovery.js';
import { outputFormat, thresholdsFor } from './format.js';
import { EXIT, loadOrReport, UsageError, type GlobalOptions } from './common.js';

/**
 * The last recorded result of every configured credential (or of `only`), in config order, each
 * followed by those derived from it (sorted).
 */
export function recordedReport(config: Config, db: Db, only?: readonly string[]): CheckReport {
  const wanted = only?.length ? new Set(only) : null;
  const latest = latestResults(db);
  const derived = new Map<string, StoredResult[]>();
  for (const r of latest.values()) {
    const parent = parentIdOf(r.id);
    if (parent) derived.set(parent, [...(derived.get(parent) ?? []), r]);
  }
  // Acknowledgements are read live, so `ack` and `unack` show at once, not after the next cycle.
  const acks = activeAcks(db);
  const now = new Date();
  const withAck = (r: StoredResult) => {
    const ack = acks.get(r.id);
    return { ...r, ack: ackInForce(ack, now) ? ack : null };
  };
  const isWanted = (r: StoredResult) => !wanted || wanted.has(r.id) || wanted.has(parentIdOf(r.id) ?? '');
  const credentials = config.credentials.flatMap((c) => {
    const r = latest.get(c.id);
    const children = (derived.get(c.id) ?? []).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [...(r ? [r] : []), ...children].filter(isWanted).map(withAck);
  });
  const checkedAt = credentials.reduce((max, r) => (r.checkedAt > max ? r.checkedAt : max), lastCheck(db)?.checkedAt ?? '');
  return { checkedAt: checkedAt || new Date(0).toISOString(), summary: summarize(credentials), credentials };
}

interface StatusOptions extends GlobalOptions {
  json?: boolean;
  only?: string[];
  format?: string;
}

export function statusCommand(opts: StatusOptions): number {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  const format = outputFormat(opts);
  const unknown = (opts.only ?? []).filter((id) => !isSelectableId(config, id));
  if (unknown.length) throw new UsageError(`--only: no credential with id ${unknown.map((u) => `"${u}"`).join(', ')}`);
  const db = openDatabase(config.database);
  try {
    const report = recordedReport(config, db, opts.only);
    if (format === 'nagios') {
      process.stdout.write(renderNagios(report, thresholdsFor(config)));
      return report.credentials.length ? exitCodeFor(report.credentials) : EXIT.usage;
    }
    if (report.credentials.length === 0) {
      // Nothing to report is not "all ok": Nagios reads 3 as UNKNOWN.
      process.stderr.write(`credwatch: no check recorded yet in ${config.database}; run credwatch check\n`);
      if (format === 'json') writeReportJson({ ...report, checkedAt: null as unknown as string });
      else process.stdout.write('no check recorded yet\n');
      return EXIT.usage;
    }
    const seen = new Set(report.credentials.map((r) => r.id));
    const expected = opts.only?.length ? [...new Set(opts.only)] : config.credentials.map((c) => c.id);
    const missing = expected.filter((id) => !seen.has(id)).length;
    if (missing > 0) process.stderr.write(`credwatch: ${missing} configured credential${missing === 1 ? ' has' : 's have'} no recorded check yet; run credwatch check\n`);
    if (format === 'json') writeReportJson(report);
    else {
      process.stdout.write(renderTable(report, process.stdout.isTTY === true));
      for (const r of report.credentials) {
        if (r.ack) process.stdout.write(`${r.id}: ${ackText(r.ack)} (since ${r.ack.at}${r.ack.until ? `, until ${r.ack.until}` : ''})\n`);
      }
    }
    // Notifiers that stopped delivering for good; stderr under --json so stdout stays JSON.
    const aside = format === 'json' ? process.stderr : process.stdout;
    for (const line of notifierProblemLines(db)) aside.write(`${line}\n`);
    const outbox = outboxStatusLine(db);
    if (outbox) aside.write(`${outbox}\n`);
    return exitCodeFor(report.credentials);
  } finally {
    db.close();
  }
}

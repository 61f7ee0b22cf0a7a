import { parseDate } from '../config/helpers.js';
import { createLogger } from '../log.js';
import { asStoreError, openDatabase } from '../store/db.js';
import { runCycle, selectCredentials } from '../cycle.js';
import { notifyAfterCycle } from '../alerts/after-cycle.js';
import { renderTable } from '../render/table.js';
import { writeReportJson } from '../render/json.js';
import { exitCodeFor } from '../types.js';
import { renderNagios } from '../render/nagios.js';
import { EXIT, loadOrReport, UsageError, type GlobalOptions } from './common.js';
import { discoverCredentials, isSelectableId } from '../kinds/discovery.js';
import { parentIdOf } from '../config/derived-id.js';
import { outputFormat, thresholdsFor } from './format.js';
import { startProgress } from './progress.js';

interface CheckOptions extends GlobalOptions {
  json?: boolean;
  only?: string[];
  at?: string;
  probe?: boolean; // commander's --no-probe
  notify?: boolean;
  format?: string;
}

export function parseAt(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const d = parseDate(at);
  if (!d) throw new UsageError(`--at ${at}: expected an ISO 8601 instant (2026-11-22T10:00:00Z) or a date (2026-11-22)`);
  return d;
}

/** One cycle now: inspect, probe, evaluate, record, print; notify only with --notify. */
export async function checkCommand(opts: CheckOptions): Promise<number> {
  const now = parseAt(opts.at);
  const format = outputFormat(opts);
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  const unknown = (opts.only ?? []).filter((id) => !isSelectableId(config, id));
  if (unknown.length) throw new UsageError(`--only: no credential with id ${unknown.map((u) => `"${u}"`).join(', ')}`);

  const log = createLogger({ quietOnTerminal: true });
  // A discovered id (`PARENT/…`) must name something its entry finds now.
  const derived = (opts.only ?? []).filter((id) => !config.credentials.some((c) => c.id === id));
  if (derived.length) {
    const found = new Set((await discoverCredentials(config, derived, [], { now, log })).credentials.map((c) => c.id));
    const missing = derived.filter((id) => !found.has(id));
    if (missing.length) throw new UsageError(`--only: ${missing.map((u) => `${parentIdOf(u)} finds no credential "${u}"`).join(', ')}`);
  }
  const db = openDatabase(config.database);
  try {
    // `--at` without `--notify` is a forecast: it prints and writes nothing.
    const record = opts.at === undefined || opts.notify === true;
    const progress = startProgress(process.stderr);
    progress.update(0, selectCredentials(config, opts.only).length);
    let report;
    try {
      report = await runCycle(config, db, { now, only: opts.only, noProbe: opts.probe === false, log, record, onProgress: progress.update }).catch((err: unknown) => {
        throw asStoreError(config.database, err);
      });
    } finally {
      progress.stop();
    }
    if (format === 'json') writeReportJson(report);
    else if (format === 'nagios') process.stdout.write(renderNagios(report, thresholdsFor(config)));
    else process.stdout.write(renderTable(report, process.stdout.isTTY === true));
    if (opts.notify) {
      // Delivery problems are logged and stay in the outbox for the next run; the exit code is the statuses'.
      await notifyAfterCycle(db, config, report.credentials, { now, log }).catch((err: Error) =>
        log.error({ err: err.message }, 'notification stage failed'),
      );
    }
    return exitCodeFor(report.credentials);
  } finally {
    db.close();
  }
}

import { openDatabase } from '../store/db.js';
import { hasHistory, resultsSince, type StoredResult } from '../store/results.js';
import { DAY_MS } from '../evaluate.js';
import { EXIT, loadOrReport, UsageError, type GlobalOptions } from './common.js';
import { isoDay } from '../iso-day.js';

interface HistoryOptions extends GlobalOptions {
  days?: string;
  json?: boolean;
}

const DEFAULT_HISTORY_DAYS = 30;

function parseDays(text: string | undefined): number {
  if (text === undefined) return DEFAULT_HISTORY_DAYS;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 36500) throw new UsageError(`--days ${text}: expected a whole number of days from 1 to 36500`);
  return Number(text);
}

/** One recorded check of the credential, as `history --json` prints it. */
function historyEntry(r: StoredResult) {
  return {
    checkedAt: r.checkedAt,
    status: r.status,
    expiresAt: r.expiresAt,
    daysLeft: r.daysLeft,
    probe: r.probe ? { ok: r.probe.ok, httpStatus: r.probe.httpStatus, latencyMs: r.probe.latencyMs, error: r.probe.error } : null,
    reasons: r.reasons,
  };
}

function probeText(r: StoredResult): string {
  if (!r.probe) return '-';
  return r.probe.ok ? `ok ${r.probe.latencyMs}ms` : (r.probe.error?.code ?? `failed at ${r.probe.stage}`);
}

function renderHistoryTable(id: string, days: number, rows: StoredResult[]): string {
  const cells = rows.map((r) => [r.checkedAt.slice(0, 19).replace('T', ' '), r.status, r.daysLeft === null ? '-' : String(r.daysLeft), r.expiresAt ? isoDay(r.expiresAt) : '-', probeText(r), r.reasons[0] ?? '']);
  const header = ['CHECKED AT (UTC)', 'STATUS', 'DAYS', 'EXPIRES', 'PROBE', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...cells.map(line), '', `${rows.length} recorded check${rows.length === 1 ? '' : 's'} of ${id} in the last ${days} day${days === 1 ? '' : 's'}`, ''].join('\n');
}

/** `credwatch history ID [--days N] [--json]`: what was recorded for one credential, oldest first. */
export function historyCommand(id: string, opts: HistoryOptions, now: Date = new Date()): number {
  const days = parseDays(opts.days);
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  const db = openDatabase(config.database);
  try {
    const configured = config.credentials.some((c) => c.id === id);
    if (!configured && !hasHistory(db, id)) throw new UsageError(`no credential with id "${id}" in the config or the history`);
    const from = new Date(now.getTime() - days * DAY_MS);
    const rows = resultsSince(db, id, from);
    if (opts.json) {
      process.stdout.write(JSON.stringify({ id, from: from.toISOString(), to: now.toISOString(), results: rows.map(historyEntry) }, null, 2) + '\n');
    } else {
      process.stdout.write(renderHistoryTable(id, days, rows));
    }
    return EXIT.ok;
  } finally {
    db.close();
  }
}

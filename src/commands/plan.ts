import { writeSync } from 'node:fs';
import { openDatabase } from '../store/db.js';
import { latestResults } from '../store/results.js';
import { buildPlan, renderPlan } from '../plan.js';
import { parseAt } from './check.js';
import { EXIT, loadOrReport, UsageError, type GlobalOptions } from './common.js';

interface PlanOptions extends GlobalOptions {
  json?: boolean;
  only?: string[];
  at?: string;
}

/** Each credential's renewal as dated steps, from the last recorded results. No network; exit 0, or 3 on bad config. */
export function planCommand(opts: PlanOptions): number {
  const now = parseAt(opts.at);
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.usage;
  const { config } = loaded;
  const known = new Set(config.credentials.map((c) => c.id));
  const unknown = (opts.only ?? []).filter((id) => !known.has(id));
  if (unknown.length) throw new UsageError(`--only: no credential with id ${unknown.map((u) => `"${u}"`).join(', ')}`);
  const db = openDatabase(config.database);
  try {
    const plan = buildPlan(config, [...latestResults(db, config.credentials.map((c) => c.id)).values()], now, opts.only);
    writeSync(1, opts.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    return EXIT.ok;
  } finally {
    db.close();
  }
}

import type { Logger } from 'pino';
import { tryLoadConfig } from '../config/load.js';
import { formatProblem, type Config } from '../config/schema.js';

/** Loads the config again; on any problem logs every one of them and returns null (the old config stays). */
export function loadForReload(file: string, log: Logger): Config | null {
  let out;
  try {
    out = tryLoadConfig(file);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'config reload failed; keeping the running config');
    return null;
  }
  if (!out.ok) {
    for (const p of out.errors) log.error({ path: p.path, problem: p.message }, `config problem: ${formatProblem(p)}`);
    log.error({ file, problems: out.errors.length }, 'config reload rejected; keeping the running config');
    return null;
  }
  for (const w of out.warnings) log.warn({ path: w.path }, `config warning: ${formatProblem(w)}`);
  return out.config;
}

/** What changed between two configs, in words for the log. */
export function describeChange(before: Config, after: Config): { added: string[]; removed: string[]; schedule: boolean; listen: boolean; database: boolean } {
  const was = new Set(before.credentials.map((c) => c.id));
  const now = new Set(after.credentials.map((c) => c.id));
  return {
    added: [...now].filter((id) => !was.has(id)),
    removed: [...was].filter((id) => !now.has(id)),
    schedule: before.schedule.check !== after.schedule.check,
    listen: before.server.listen !== after.server.listen,
    database: before.database !== after.database,
  };
}

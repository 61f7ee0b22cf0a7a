// Projected probe requests per 30 days, from the schedule, `probe.interval` and what each probe
// costs (`Kind.probeCost`), against `probe.budget`. Pure apart from reading the config.
import { kinds } from '../kinds/index.js';
import { countCronRuns } from './cron-count.js';
import { effectiveSettings } from './effective.js';
import type { Config, ConfigProblem } from './schema.js';

const PROJECTION_DAYS = 30;
/** A token's life when the provider does not say (Clara documents 86400 s). */
const DEFAULT_TOKEN_LIFETIME_MS = 86_400_000;

interface RequestProjection {
  id: string;
  /** `credentials[2]`: where the credential is in the config. */
  path: string;
  /** Probes the daemon makes in 30 days (schedule runs thinned by the interval). */
  probes: number;
  callsPerProbe: number;
  /** Token requests in 30 days: one per token lifetime, at most one per probe. */
  tokens: number;
  /** What the daemon spends in 30 days: calls per probe × probes + tokens. */
  total: number;
  /** The same probes from a cron-driven `check`, which starts without a token every run. */
  cronCheckTotal: number;
  intervalMs: number | null;
  budget: number | null;
}

export function projectRequests(config: Config, from: Date = new Date()): RequestProjection[] {
  const out: RequestProjection[] = [];
  const runs = new Map<number, number>();
  config.credentials.forEach((cred, i) => {
    const kind = kinds.get(cred.kind);
    if (!kind?.probe) return;
    const cost = kind.probeCost?.(cred) ?? { calls: 1, token: false };
    const intervalMs = effectiveSettings(config, cred).interval ?? null;
    let probes = runs.get(intervalMs ?? 0);
    if (probes === undefined) {
      probes = countCronRuns(config.schedule.check, { from, days: PROJECTION_DAYS, intervalMs: intervalMs ?? 0 });
      runs.set(intervalMs ?? 0, probes);
    }
    const tokens = cost.token ? Math.min(probes, Math.ceil((PROJECTION_DAYS * 86_400_000) / DEFAULT_TOKEN_LIFETIME_MS)) : 0;
    out.push({
      id: cred.id,
      path: `credentials[${i}]`,
      probes,
      callsPerProbe: cost.calls,
      tokens,
      total: probes * cost.calls + tokens,
      cronCheckTotal: probes * (cost.calls + (cost.token ? 1 : 0)),
      intervalMs,
      budget: cred.probe?.budget ?? null,
    });
  });
  return out;
}

/** Lint: a credential whose projection passes its budget (a warning; the probes that would pass it are skipped). */
export function budgetProblems(projections: readonly RequestProjection[]): ConfigProblem[] {
  return projections
    .filter((p) => p.budget !== null && p.total > p.budget)
    .map((p) => ({
      path: `${p.path}.probe.budget`,
      level: 'warning' as const,
      message: `${p.id}: over budget: ${p.total} requests projected per ${PROJECTION_DAYS} days, budget ${p.budget} a month (set probe.interval or raise the budget)`,
    }));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function every(ms: number | null): string {
  if (!ms) return 'every cycle';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `at most every ${ms / size}${unit}`;
  return `at most every ${ms / 1000}s`;
}

/** The lines `validate` prints: one per probing credential, its id and projected number first. */
export function projectionLines(config: Config, projections: readonly RequestProjection[]): string[] {
  return projections.map((p) => {
    const over = p.budget !== null && p.total > p.budget ? ' — over budget' : '';
    const budget = p.budget !== null ? `, budget ${p.budget} a month${over}` : '';
    return (
      `${p.id}: ${p.total} probe requests per ${PROJECTION_DAYS} days ` +
      `(${plural(p.probes, 'probe')} on "${config.schedule.check}" ${every(p.intervalMs)} × ${plural(p.callsPerProbe, 'call')} + ${plural(p.tokens, 'token')})${budget}; ` +
      `as cron-driven \`credwatch check\` runs: ${p.cronCheckTotal} (a check fetches a token on every run)`
    );
  });
}

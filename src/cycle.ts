import type { Logger } from 'pino';
import type { Config, CredentialConfig } from './config/schema.js';
import type { Db } from './store/db.js';
import { kinds } from './kinds/index.js';
import { evaluate, DAY_MS } from './evaluate.js';
import { mapLimit, nextTurn, timeSlicer } from './concurrency.js';
import { ProbeStates } from './probe-states.js';
import { forgetRemoved, latestResults, previousProbes, recordCheckInSlices, type PreviousProbe } from './store/results.js';
import { pruneStored } from './store/retention.js';
import { applyRotation, rotationPairs } from './rotation.js';
import { discoverCredentials } from './kinds/discovery.js';
import { REMOVED_MARK } from './config/derived-id.js';
import { effectiveSettings } from './config/effective.js';
import { addProbeRequests, emptyTally, monthOf, requestsInMonth, type RequestTally } from './store/probe-requests.js';
import { activeAcks } from './store/acks.js';
import { hasUsableToken } from './probe/token-cache.js';
import { failedProbe } from './probe/failed.js';
import { ackInForce } from './ack.js';
import { emptyObservation, summarize, type CheckReport, type CredentialResult, type Observation, type ProbeResult } from './types.js';

interface CycleOptions {
  /** The run's clock: `--at` replaces it for evaluation and recorded timestamps. */
  now: Date;
  /** Only these credential ids (already checked to exist). */
  only?: readonly string[];
  noProbe?: boolean;
  log: Logger;
  /** Kept by a daemon across cycles; a one-shot check gets a fresh one. */
  probeStates?: ProbeStates;
  /**
   * False for a forecast (`check --at` without `--notify`): evaluate and return, write nothing.
   * Default true.
   */
  record?: boolean;
  /** Called as each credential is done (the CLI's progress line on a terminal). */
  onProgress?: (done: number, total: number) => void;
}

export function selectCredentials(config: Config, only?: readonly string[]): CredentialConfig[] {
  if (!only?.length) return config.credentials;
  const wanted = new Set(only);
  return config.credentials.filter((c) => wanted.has(c.id));
}

async function inspectOne(cred: CredentialConfig, config: Config, now: Date, log: Logger, probing: boolean): Promise<Observation> {
  const kind = kinds.get(cred.kind)!;
  try {
    return await kind.inspect(cred, { now, log, timeoutMs: effectiveSettings(config, cred).timeoutMs, probing });
  } catch (err) {
    // A kind must not throw, but if one does the other credentials are still checked.
    log.error({ credential: cred.id, err: (err as Error).message }, 'inspection crashed');
    return { ...emptyObservation(), error: { code: 'inspect_failed', message: `inspection failed: ${(err as Error).message}` } };
  }
}

/** What the probe stage of one credential produced this cycle. */
interface ProbeOutcome {
  probe: ProbeResult | null;
  /** An earlier cycle's result shown again: not a new success or failure for the streak. */
  kept: boolean;
  budgetSkip: { used: number; budget: number } | null;
  /** Requests made this cycle. */
  requests: RequestTally;
}

/** The last recorded probe as this cycle shows it again: with its `probedAt`, without an old `skipped`. */
function lastProbe(previous: PreviousProbe | undefined): ProbeResult | null {
  const p = previous?.probe;
  if (!p) return null;
  const { skipped: _skipped, ...rest } = p;
  return { ...rest, probedAt: p.probedAt ?? previous!.checkedAt };
}

function crashed(err: unknown): ProbeResult {
  return failedProbe({ code: 'connection', message: `probe failed unexpectedly: ${(err as Error).message}` }, { stage: 'tls' });
}

async function probeOne(
  cred: CredentialConfig,
  config: Config,
  previous: PreviousProbe | undefined,
  usedThisMonth: number,
  opts: CycleOptions,
  states: ProbeStates,
): Promise<ProbeOutcome> {
  const kind = kinds.get(cred.kind)!;
  const requests = emptyTally();
  const kept = (probe: ProbeResult | null, budgetSkip: ProbeOutcome['budgetSkip'] = null): ProbeOutcome => ({ probe, kept: true, budgetSkip, requests });
  if (!kind.probe) return { probe: null, kept: false, budgetSkip: null, requests };
  // No request at all: the last recorded probe stands, and so do its streak and alert.
  if (opts.noProbe) return kept(lastProbe(previous));
  // The provider asked us to back off (429 Retry-After): keep the last answer until then.
  if (previous?.probe?.retryAfter && Date.parse(previous.probe.retryAfter) > Date.now()) {
    opts.log.info({ credential: cred.id, retryAfter: previous.probe.retryAfter }, 'probe skipped: provider asked to retry later');
    return { probe: lastProbe(previous), kept: false, budgetSkip: null, requests };
  }
  const last = lastProbe(previous);
  const interval = effectiveSettings(config, cred).interval;
  if (interval && last?.probedAt && opts.now.getTime() - Date.parse(last.probedAt) < interval) return kept(last);
  const budget = cred.probe?.budget;
  if (budget !== undefined) {
    const cost = kind.probeCost?.(cred) ?? { calls: 1, token: false };
    const expected = cost.calls + (cost.token && !hasUsableToken(states.for(cred)) ? 1 : 0);
    if (usedThisMonth + expected > budget) {
      opts.log.warn({ credential: cred.id, used: usedThisMonth, budget, expected }, 'probe skipped: it would pass the monthly request budget');
      return kept(last ? { ...last, skipped: 'budget' } : null, { used: usedThisMonth, budget });
    }
  }
  const timeoutMs = effectiveSettings(config, cred).timeoutMs;
  let probe: ProbeResult;
  try {
    probe = await kind.probe(cred, { now: opts.now, log: opts.log.child({ credential: cred.id }), timeoutMs, state: states.for(cred), requests });
  } catch (err) {
    opts.log.error({ credential: cred.id, err: (err as Error).message }, 'probe crashed');
    probe = crashed(err);
  }
  return { probe: { ...probe, probedAt: opts.now.toISOString() }, kept: false, budgetSkip: null, requests };
}

/**
 * Rotation needs both sides of each pair: when `--only` selected one side, the other's last
 * recorded result stands in for it.
 */
function withRotation(config: Config, db: Db, results: CredentialResult[], now: Date): CredentialResult[] {
  const pairs = rotationPairs(config);
  if (!pairs.length) return applyRotation(results, pairs, new Map(), now);
  const here = new Set(results.map((r) => r.id));
  const missing = [...new Set(pairs.flatMap((p) => [p.predecessor, p.successor]))].filter((id) => !here.has(id));
  return applyRotation(results, pairs, missing.length ? latestResults(db, missing) : new Map(), now);
}

/** One cycle: inspect and probe every selected credential, evaluate, record. Never throws for one bad credential. */
export async function runCycle(config: Config, db: Db, opts: CycleOptions): Promise<CheckReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  // Inspections are synchronous underneath: yield between them so the HTTP server keeps answering.
  const slice = timeSlicer();
  // A daemon starts its first cycle right after it starts listening: let the server take what
  // already arrived before the cycle's synchronous set-up.
  await nextTurn();
  // Derived credentials reported gone last time, their alerts resolved: no longer shown.
  if (opts.record !== false) forgetRemoved(db, REMOVED_MARK);
  const previous = previousProbes(db);
  await slice();
  // Discovery (x509 `paths`, tls `hosts`): entries become the credentials they stand for.
  const { credentials: creds, removed } = await discoverCredentials(config, opts.only, previous.keys(), { now: opts.now, log: opts.log });
  await slice();
  const states = opts.probeStates ?? new ProbeStates();
  // Months follow the run's clock, so `--at` drills roll over as the real month would.
  const month = monthOf(opts.now);
  const used = requestsInMonth(db, month);
  const acks = activeAcks(db);
  const spentBy = new Map<string, RequestTally>();
  let done = 0;

  const evaluated: CredentialResult[] = await mapLimit(creds, config.probe.concurrency, async (cred) => {
    await slice();
    const usedBefore = used.get(cred.id) ?? 0;
    const [observation, outcome] = await Promise.all([
      inspectOne(cred, config, opts.now, opts.log, !opts.noProbe),
      probeOne(cred, config, previous.get(cred.id), usedBefore, opts, states),
    ]);
    const spent = outcome.requests.token + outcome.requests.call;
    if (spent > 0) spentBy.set(cred.id, outcome.requests);
    const probe = outcome.probe ? { ...outcome.probe, requestsThisMonth: usedBefore + spent } : null;
    const ack = acks.get(cred.id);
    const settings = effectiveSettings(config, cred);
    const result = evaluate({
      id: cred.id,
      kind: cred.kind,
      observation,
      probe,
      probeKept: outcome.kept,
      budgetSkip: outcome.budgetSkip,
      previousProbeFailures: previous.get(cred.id)?.probeFailures ?? 0,
      warningDays: settings.warningDays,
      criticalDays: settings.criticalDays,
      renewalLeadDays: cred.renewalLeadDays,
      failuresBeforeAlert: settings.failuresBeforeAlert,
      now: opts.now,
    });
    result.ack = ackInForce(ack, opts.now) ? ack : null;
    opts.onProgress?.(++done, creds.length);
    return result;
  });
  if (!opts.probeStates) await states.close();
  const results = [...withRotation(config, db, evaluated, opts.now), ...removed];

  const report: CheckReport = { checkedAt: opts.now.toISOString(), summary: summarize(results), credentials: results };
  let pruned = 0;
  if (opts.record !== false) {
    // Requests were made whatever happens next: counted before the results are recorded.
    if (spentBy.size) addProbeRequests(db, month, spentBy);
    await recordCheckInSlices(db, report, { startedAt, durationMs: performance.now() - t0 }, slice);
    // Retention is about what is stored, so it runs on the real clock: `--at` must never prune.
    const retainFrom = new Date(Date.now() - config.retentionDays * DAY_MS);
    pruned = pruneStored(db, retainFrom);
  }
  opts.log.info(
    { credentials: results.length, ...report.summary, durationMs: Math.round(performance.now() - t0), pruned, recorded: opts.record !== false },
    'check cycle finished',
  );
  return report;
}

import type { Logger } from 'pino';
import type { Config, CredentialConfig } from './config/schema.js';
import type { Db } from './store/db.js';
import { kinds } from './kinds/index.js';
import { evaluate, DAY_MS } from './evaluate.js';
import { mapLimit, timeSlicer } from './concurrency.js';
import { ProbeStates } from './probe-states.js';
import { previousProbes, pruneHistory, recordCheck, type PreviousProbe } from './store/results.js';
import { pruneOutbox } from './alerts/store.js';
import { emptyObservation, summarize, type CheckReport, type CredentialResult, type Observation, type ProbeResult } from './types.js';

export interface CycleOptions {
  /** The run's clock: `--at` replaces it for evaluation and recorded timestamps. */
  now: Date;
  /** Only these credential ids (already checked to exist). */
  only?: readonly string[];
  noProbe?: boolean;
  log: Logger;
  /** Kept by a daemon across cycles; a one-shot check gets a fresh one. */
  probeStates?: ProbeStates;
}

export function selectCredentials(config: Config, only?: readonly string[]): CredentialConfig[] {
  if (!only?.length) return config.credentials;
  const wanted = new Set(only);
  return config.credentials.filter((c) => wanted.has(c.id));
}

async function inspectOne(cred: CredentialConfig, now: Date, log: Logger): Promise<Observation> {
  const kind = kinds.get(cred.kind)!;
  try {
    return await kind.inspect(cred, { now, log });
  } catch (err) {
    // A kind must not throw, but if one does the other credentials are still checked.
    log.error({ credential: cred.id, err: (err as Error).message }, 'inspection crashed');
    return { ...emptyObservation(), error: `inspection failed: ${(err as Error).message}` };
  }
}

async function probeOne(
  cred: CredentialConfig,
  config: Config,
  previous: PreviousProbe | undefined,
  opts: CycleOptions,
  states: ProbeStates,
): Promise<ProbeResult | null> {
  const kind = kinds.get(cred.kind)!;
  if (!kind.probe || opts.noProbe) return null;
  // The provider asked us to back off (429 Retry-After): keep the last answer until then.
  if (previous?.probe?.retryAfter && Date.parse(previous.probe.retryAfter) > Date.now()) {
    opts.log.info({ credential: cred.id, retryAfter: previous.probe.retryAfter }, 'probe skipped: provider asked to retry later');
    return previous.probe;
  }
  const timeoutMs = cred.probe?.timeoutMs ?? config.probe.timeoutMs;
  try {
    return await kind.probe(cred, { now: opts.now, log: opts.log.child({ credential: cred.id }), timeoutMs, state: states.for(cred) });
  } catch (err) {
    opts.log.error({ credential: cred.id, err: (err as Error).message }, 'probe crashed');
    return {
      ok: false,
      stage: 'tls',
      httpStatus: null,
      latencyMs: 0,
      tokenExpiresAt: null,
      error: { code: 'connection', message: `probe failed unexpectedly: ${(err as Error).message}` },
    };
  }
}

/** One cycle: inspect and probe every selected credential, evaluate, record. Never throws for one bad credential. */
export async function runCycle(config: Config, db: Db, opts: CycleOptions): Promise<CheckReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const creds = selectCredentials(config, opts.only);
  const previous = previousProbes(db);
  const states = opts.probeStates ?? new ProbeStates();
  // Inspections are synchronous underneath: yield between them so the HTTP server keeps answering.
  const slice = timeSlicer();

  const results: CredentialResult[] = await mapLimit(creds, config.probe.concurrency, async (cred) => {
    await slice();
    const [observation, probe] = await Promise.all([
      inspectOne(cred, opts.now, opts.log),
      probeOne(cred, config, previous.get(cred.id), opts, states),
    ]);
    return evaluate({
      id: cred.id,
      kind: cred.kind,
      observation,
      probe,
      previousProbeFailures: previous.get(cred.id)?.probeFailures ?? 0,
      warningDays: cred.thresholds?.warningDays ?? config.thresholds.warningDays,
      criticalDays: cred.thresholds?.criticalDays ?? config.thresholds.criticalDays,
      renewalLeadDays: cred.renewalLeadDays,
      failuresBeforeAlert: cred.probe?.failuresBeforeAlert ?? config.probe.failuresBeforeAlert,
      now: opts.now,
    });
  });
  if (!opts.probeStates) await states.close();

  const report: CheckReport = { checkedAt: opts.now.toISOString(), summary: summarize(results), credentials: results };
  recordCheck(db, report, { startedAt, durationMs: performance.now() - t0 });
  const retainFrom = new Date(opts.now.getTime() - config.retentionDays * DAY_MS);
  const pruned = pruneHistory(db, retainFrom) + pruneOutbox(db, retainFrom);
  opts.log.info(
    { credentials: results.length, ...report.summary, durationMs: Math.round(performance.now() - t0), pruned },
    'check cycle finished',
  );
  return report;
}

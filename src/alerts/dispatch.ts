// The outbox dispatcher: claims due deliveries, sends each through its notifier, records every
// attempt, and schedules retries with exponential backoff (honouring Retry-After). What is not
// delivered stays in the outbox; a later run, in this process or the next, picks it up.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { notifiers as registry } from '../notifiers/index.js';
import { NotifyError, isNotifyError, type NotifierPlugin } from '../notifiers/notifier.js';
import { notifyTimeoutMs } from '../config/effective.js';
import { DEFAULT_BACKOFF, retryDelay, type BackoffPolicy } from './backoff.js';
import { claim, dueDeliveries, finishAttempt, nextDueAt, releaseDeadClaims, resetBackoff, type AttemptRecord, type DueDelivery } from '../store/outbox.js';
import { planDigests } from './digest.js';
import { mapLimit } from '../concurrency.js';

export interface NotifierLookup {
  get(type: string): NotifierPlugin | undefined;
}

interface DispatchOptions {
  log: Logger;
  /**
   * Keep going (waiting out backoffs) until this wall-clock instant. Without it: one pass, each
   * due delivery attempted at most once.
   */
  deadline?: Date;
  /** Cap for one attempt; default the config's probe timeout. */
  timeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Attempts in flight per notifier (different alerts only; one alert's events go in order). */
  concurrency?: number;
  /** Stops waiting and starting attempts. */
  signal?: AbortSignal;
  /** Interruptible wait (the daemon's dispatcher wakes it when new events are queued). */
  sleep?: (ms: number) => Promise<void>;
  /** Test seams. */
  plugins?: NotifierLookup;
  clock?: () => Date;
  owner?: string;
}

export interface DispatchSummary {
  attempted: number;
  delivered: number;
  /** Attempts that failed and will be retried. */
  retried: number;
  /** Deliveries given up on: permanent error, unknown notifier, or too old. */
  failed: number;
}

const MIN_ATTEMPT_MS = 250;
const LEASE_EXTRA_MS = 30_000;

/** Set once per process: tells this process's claims from an earlier one's with the same pid (pid 1 in a container). */
const PROCESS_NONCE = randomUUID().slice(0, 8);

/** `host:pid:processNonce.run` of a dispatcher on this host whose process no longer exists. */
function ownerIsGone(owner: string): boolean {
  const [host, pid, nonce] = owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  if (Number(pid) === process.pid) return !(nonce ?? '').startsWith(`${PROCESS_NONCE}.`);
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function asNotifyError(err: unknown, notifier: string): NotifyError {
  if (isNotifyError(err)) return err;
  return new NotifyError(`${notifier}: ${(err as Error)?.message ?? String(err)}`, { code: 'notifier_error', retryable: true });
}

/** Delivers what is due. Never throws for a failed delivery: that is recorded and retried. */
/** What delivery reads of the config (the daemon hands in a live view that follows reloads). */
type DispatchConfig = Pick<Config, 'notifiers' | 'probe'> & Partial<Pick<Config, 'notify'>> & { server?: Pick<Config['server'], 'publicUrl'> };

export async function dispatchPending(db: Db, config: DispatchConfig, opts: DispatchOptions): Promise<DispatchSummary> {
  const clock = opts.clock ?? (() => new Date());
  const sleep = opts.sleep ?? defaultSleep;
  const plugins = opts.plugins ?? registry;
  const policy = opts.backoff ?? DEFAULT_BACKOFF;
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${PROCESS_NONCE}.${randomUUID().slice(0, 8)}`;
  const summary: DispatchSummary = { attempted: 0, delivered: 0, retried: 0, failed: 0 };
  const tried = new Set<string>();
  /** Notifiers with a failed attempt in this run: their next success resets the others' backoff. */
  const failedSince = new Set<string>();
  // A delivery whose sender crashed (same host, process gone) need not wait out its lease.
  releaseDeadClaims(db, ownerIsGone, clock());
  const keyOf = (d: DueDelivery) => `${d.seq}\u0000${d.notifier}`;

  const attempt = async (d: DueDelivery) => {
    const startedAt = clock();
    const left = opts.deadline ? opts.deadline.getTime() - startedAt.getTime() : Infinity;
    if (left < MIN_ATTEMPT_MS || opts.signal?.aborted) return;
    const timeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(opts.timeoutMs ?? notifyTimeoutMs(config), left));
    if (!claim(db, d.seq, d.notifier, owner, startedAt, timeoutMs + LEASE_EXTRA_MS)) return; // another dispatcher has it
    summary.attempted++;
    const log = opts.log.child({ event: d.eventId, notifier: d.notifier, attempt: d.attempts + 1 });
    const base = { eventId: d.eventId, notifier: d.notifier, attempt: d.attempts + 1, startedAt };

    const cfg = config.notifiers.find((n) => n.name === d.notifier);
    const plugin = cfg ? plugins.get(cfg.type) : undefined;
    let error: NotifyError | null = null;
    if (!cfg || !plugin) {
      error = new NotifyError(`no notifier named "${d.notifier}" is configured`, { code: 'notifier_unknown', retryable: false });
    } else {
      try {
        await plugin.send(d.event, cfg, {
          log,
          timeoutMs,
          now: startedAt,
          alert: { condition: d.condition, level: d.level, previous: d.previousLevel, startsAt: d.startsAt },
          publicUrl: config.server?.publicUrl,
        });
      } catch (err) {
        error = asNotifyError(err, d.notifier);
      }
    }
    const finishedAt = clock();
    if (!error) {
      finishAttempt(db, { seq: d.seq, notifier: d.notifier, owner }, { ...base, finishedAt, outcome: 'delivered' }, null);
      if (d.attempts > 0 || failedSince.has(d.notifier)) {
        // The receiver is back: what else waits for it need not sit out its backoff.
        const moved = resetBackoff(db, d.notifier, finishedAt);
        if (moved) log.info({ deliveries: moved }, 'receiver answers again; retrying its other pending deliveries now');
      }
      summary.delivered++;
      log.info({ ms: finishedAt.getTime() - startedAt.getTime() }, 'notification delivered');
      return;
    }
    const tooOld = finishedAt.getTime() - Date.parse(d.createdAt) > policy.giveUpAfterMs;
    const retry = error.retryable && !tooOld;
    const record: AttemptRecord = {
      ...base,
      finishedAt,
      outcome: retry ? 'retry' : 'failed',
      errorCode: error.retryable && tooOld ? 'gave_up' : error.code,
      errorMessage: error.retryable && tooOld ? `gave up after ${d.attempts + 1} attempts: ${error.message}` : error.message,
      retryAfterMs: error.retryAfterMs,
    };
    const nextAt = retry ? new Date(finishedAt.getTime() + retryDelay(d.attempts + 1, policy, error.retryAfterMs)) : null;
    finishAttempt(db, { seq: d.seq, notifier: d.notifier, owner }, record, nextAt);
    failedSince.add(d.notifier);
    if (retry) {
      summary.retried++;
      log.warn({ code: error.code, err: error.message, retryAt: nextAt!.toISOString() }, 'notification failed, will retry');
    } else {
      summary.failed++;
      log.error({ code: record.errorCode, err: record.errorMessage }, 'notification failed permanently');
    }
  };

  /**
   * One digest: every delivery of the group claimed, one message sent, every delivery recorded
   * with the same outcome in one transaction (delivered exactly once each, or retried together).
   */
  const attemptDigest = async (group: DueDelivery[]) => {
    const startedAt = clock();
    const left = opts.deadline ? opts.deadline.getTime() - startedAt.getTime() : Infinity;
    if (left < MIN_ATTEMPT_MS || opts.signal?.aborted) return;
    const timeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(opts.timeoutMs ?? notifyTimeoutMs(config), left));
    const claimed = group.filter((d) => claim(db, d.seq, d.notifier, owner, startedAt, timeoutMs + LEASE_EXTRA_MS));
    if (!claimed.length) return;
    const notifier = claimed[0]!.notifier;
    summary.attempted += claimed.length;
    const log = opts.log.child({ notifier, digest: claimed.length });
    const cfg = config.notifiers.find((n) => n.name === notifier);
    const plugin = cfg ? plugins.get(cfg.type) : undefined;
    let error: NotifyError | null = null;
    if (!cfg || !plugin?.sendDigest) {
      error = new NotifyError(`no digest-capable notifier named "${notifier}" is configured`, { code: 'notifier_unknown', retryable: false });
    } else {
      try {
        await plugin.sendDigest(claimed.map((d) => d.event), cfg, { log, timeoutMs, now: startedAt, alert: null, publicUrl: config.server?.publicUrl });
      } catch (err) {
        error = asNotifyError(err, notifier);
      }
    }
    const finishedAt = clock();
    const attempts = Math.max(...claimed.map((d) => d.attempts)) + 1;
    const oldest = Math.min(...claimed.map((d) => Date.parse(d.createdAt)));
    const tooOld = finishedAt.getTime() - oldest > policy.giveUpAfterMs;
    const retry = !!error && error.retryable && !tooOld;
    const nextAt = error && retry ? new Date(finishedAt.getTime() + retryDelay(attempts, policy, error.retryAfterMs)) : null;
    db.transaction(() => {
      for (const d of claimed) {
        const base = { eventId: d.eventId, notifier, attempt: d.attempts + 1, startedAt, finishedAt };
        const record: AttemptRecord = !error
          ? { ...base, outcome: 'delivered' }
          : {
              ...base,
              outcome: retry ? 'retry' : 'failed',
              errorCode: error.retryable && tooOld ? 'gave_up' : error.code,
              errorMessage: error.retryable && tooOld ? `gave up after ${attempts} attempts: ${error.message}` : error.message,
              retryAfterMs: error.retryAfterMs,
            };
        finishAttempt(db, { seq: d.seq, notifier, owner }, record, nextAt);
      }
    })();
    if (!error) {
      summary.delivered += claimed.length;
      log.info({ events: claimed.map((d) => d.eventId), ms: finishedAt.getTime() - startedAt.getTime() }, 'digest delivered');
    } else if (retry) {
      summary.retried += claimed.length;
      log.warn({ code: error.code, err: error.message, retryAt: nextAt!.toISOString() }, 'digest failed, will retry whole');
    } else {
      summary.failed += claimed.length;
      log.error({ code: error.code, err: error.message }, 'digest failed permanently');
    }
  };

  const deliverFor = async (list: DueDelivery[]) => {
    const cfg = config.notifiers.find((n) => n.name === list[0]!.notifier);
    const plan = planDigests(list, cfg, !!(cfg && plugins.get(cfg.type)?.sendDigest));
    for (const group of plan.digests) await attemptDigest(group);
    await mapLimit(plan.singles, opts.concurrency ?? 4, (d) => attempt(d));
  };

  for (;;) {
    if (opts.signal?.aborted) break;
    const now = clock();
    // Too close to the deadline to start an attempt: leave the rest for the next run.
    if (opts.deadline && opts.deadline.getTime() - now.getTime() < MIN_ATTEMPT_MS) break;
    let due = dueDeliveries(db, now);
    if (!opts.deadline) due = due.filter((d) => !tried.has(keyOf(d)));
    if (!due.length) {
      if (!opts.deadline) break;
      const next = nextDueAt(db, now);
      if (!next || next.getTime() >= opts.deadline.getTime()) break;
      await sleep(Math.max(10, next.getTime() - now.getTime()));
      continue;
    }
    for (const d of due) tried.add(keyOf(d));
    const byNotifier = new Map<string, DueDelivery[]>();
    for (const d of due) byNotifier.set(d.notifier, [...(byNotifier.get(d.notifier) ?? []), d]);
    await Promise.all([...byNotifier.values()].map(deliverFor));
  }
  return summary;
}

interface RunningDispatcher {
  /** New events were queued: look now rather than at the next tick. */
  kick(): void;
  stop(): Promise<void>;
}

/** The daemon's dispatcher: a loop that delivers as soon as something is due. */
export function startDispatcher(
  db: Db,
  config: DispatchConfig,
  opts: Omit<DispatchOptions, 'deadline' | 'signal' | 'sleep'> & { intervalMs?: number },
): RunningDispatcher {
  const interval = opts.intervalMs ?? 30_000;
  const abort = new AbortController();
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  const loop = (async () => {
    while (!abort.signal.aborted) {
      const deadline = new Date(Date.now() + interval);
      try {
        await dispatchPending(db, config, { ...opts, deadline, signal: abort.signal, sleep });
      } catch (err) {
        opts.log.error({ err: (err as Error).message }, 'dispatcher pass failed');
      }
      const rest = deadline.getTime() - Date.now();
      if (rest > 0 && !abort.signal.aborted) await sleep(rest);
    }
  })();
  return {
    kick: () => wake?.(),
    async stop() {
      abort.abort();
      wake?.();
      await loop;
    },
  };
}

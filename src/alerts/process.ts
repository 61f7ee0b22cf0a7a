// Results → state machine → events in the outbox, all in one transaction: the state that caused
// an event and the event itself are committed together or not at all.
import type { Config, CredentialConfig } from '../config/schema.js';
import type { Db } from '../store/db.js';
import type { CredentialResult } from '../types.js';
import { buildEvent } from './event.js';
import { step } from './machine.js';
import { eventStartsAt, insertEvent, loadStates, saveState, stateKey } from './store.js';
import { levelStartedAt } from './starts-at.js';
import { resolveRemoved } from './removed.js';
import type { AlertEvent, Condition, ConditionInput, Level } from './types.js';

/** A credential's `notify` list, else `defaults.notify`. */
export function routeFor(credential: Pick<CredentialConfig, 'notify'> | undefined, config: Pick<Config, 'defaults'>): string[] {
  return credential?.notify ?? config.defaults.notify;
}

/** What each condition of a result looks like to the state machine; probe only when a probe ran. */
export function conditionInputs(r: CredentialResult): [Condition, ConditionInput][] {
  const out: [Condition, ConditionInput][] = [
    [
      'expiry',
      {
        level: r.levels.expiry,
        daysLeft: r.daysLeft,
        expiresAt: r.expiresAt,
        fingerprints: [...new Set(r.certificates.map((c) => c.fingerprint256))],
      },
    ],
  ];
  // No probe this cycle (`--no-probe`, a kind without one) says nothing about the probe condition.
  if (r.probe) out.push(['probe', { level: r.levels.probe, daysLeft: null, expiresAt: null, fingerprints: [] }]);
  return out;
}

export interface QueuedEvent {
  event: AlertEvent;
  condition: Condition;
  level: Level;
  notifiers: string[];
}

/**
 * Runs the state machine over one cycle's results and writes the new states and their events
 * (one pending delivery per routed notifier) in a single transaction. `now` is the run's clock
 * (`--at`); `wallNow` stamps the outbox rows for the dispatcher. Returns the events queued.
 */
export function processResults(
  db: Db,
  config: Pick<Config, 'thresholds' | 'defaults' | 'credentials'> & Partial<Pick<Config, 'notifiers'>>,
  results: readonly CredentialResult[],
  now: Date,
  wallNow: Date = new Date(),
): QueuedEvent[] {
  const settings = { remindDays: config.thresholds.remindDays, repeatHours: config.thresholds.repeatHours };
  const creds = new Map(config.credentials.map((c) => [c.id, c]));
  // IMMEDIATE: take the write lock before reading the states, so a daemon and a cron
  // `check --notify` on the same database run the machine one after the other, never on stale state.
  return db.transaction(() => {
    const states = loadStates(db);
    const queued: QueuedEvent[] = [];
    for (const result of results) {
      const credential = creds.get(result.id);
      for (const [condition, input] of conditionInputs(result)) {
        const prev = states.get(stateKey(result.id, condition)) ?? null;
        const s = step(prev, input, settings, now, `${result.id}:${condition}:`);
        saveState(db, result.id, condition, s.next, now.toISOString());
        if (!s.event) continue;
        const event = buildEvent({ draft: s.event, condition, result, credential, config, now });
        const notifiers = routeFor(credential, config);
        const sameLevel = prev !== null && prev.level === s.next.level && prev.lastEventId !== null;
        const startsAt = levelStartedAt({
          condition,
          level: s.event.event === 'resolved' ? 'ok' : s.next.level,
          expiresAt: result.expiresAt,
          warningDays: credential?.thresholds?.warningDays ?? config.thresholds.warningDays,
          criticalDays: credential?.thresholds?.criticalDays ?? config.thresholds.criticalDays,
          now,
          previous: sameLevel ? eventStartsAt(db, prev.lastEventId!) : null,
        });
        if (insertEvent(db, event, condition, s.next.level, notifiers, wallNow, startsAt)) queued.push({ event, condition, level: s.next.level, notifiers });
      }
    }
    // Compared with the configured ids, not this cycle's results: `--only` checks a few, removes none.
    for (const r of resolveRemoved(db, config, now, wallNow)) queued.push({ ...r, level: 'ok' });
    return queued;
  }).immediate();
}

// Results → state machine → events in the outbox, all in one transaction: the state that caused
// an event and the event itself are committed together or not at all.
import type { Config, CredentialConfig } from '../config/schema.js';
import { configFor } from '../config/derived-id.js';
import { effectiveThresholds } from '../config/effective.js';
import type { Db } from '../store/db.js';
import type { CredentialResult } from '../types.js';
import { buildEvent } from './event.js';
import { step } from './machine.js';
import { loadStates, sameState, saveState, stateKey } from '../store/alert-state.js';
import { eventStartsAt, insertEvent } from '../store/outbox.js';
import { levelStartedAt } from './starts-at.js';
import { resolveRemoved } from './removed.js';
import { CONDITIONS, type AlertEvent, type Condition, type ConditionInput, type Level } from './types.js';
import { activeAcks, endAck, type AckEndReason } from '../store/acks.js';
import { ackInForce } from '../ack.js';

/** A credential's `notify` list, else `defaults.notify`. */
export function routeFor(credential: Pick<CredentialConfig, 'notify'> | undefined, config: Pick<Config, 'defaults'>): string[] {
  return credential?.notify ?? config.defaults.notify;
}

const outOfUse = (r: CredentialResult) => r.rotation?.role === 'predecessor' && (r.rotation.state === 'switched' || r.rotation.state === 'retired');

/** What each condition of a result looks like to the state machine; probe only when there is a probe result. */
function conditionInputs(r: CredentialResult): [Condition, ConditionInput][] {
  const out: [Condition, ConditionInput][] = [
    [
      'expiry',
      {
        level: r.levels.expiry,
        // A predecessor out of use passes no more remindDays marks: its countdown concerns no one.
        daysLeft: outOfUse(r) ? null : r.daysLeft,
        expiresAt: r.expiresAt,
        fingerprints: [...new Set(r.certificates.map((c) => c.fingerprint256))],
      },
    ],
  ];
  // No probe result (a kind without one, nothing recorded yet) says nothing about the probe condition;
  // a kept one (`probe.interval`, `--no-probe`, budget) carries its unchanged level.
  if (r.probe) out.push(['probe', { level: r.levels.probe, daysLeft: null, expiresAt: null, fingerprints: [] }]);
  return out;
}

export interface QueuedEvent {
  event: AlertEvent;
  condition: Condition;
  level: Level;
  notifiers: string[];
}

type ProcessConfig = Pick<Config, 'thresholds' | 'defaults' | 'credentials'> & Partial<Pick<Config, 'notifiers'>>;

/**
 * Runs the state machine over one cycle's results and writes the new states and their events
 * (one pending delivery per routed notifier) in a single transaction. `now` is the run's clock
 * (`--at`); `wallNow` stamps the outbox rows for the dispatcher. Returns the events queued.
 */
export function processResults(db: Db, config: ProcessConfig, results: readonly CredentialResult[], now: Date, wallNow: Date = new Date()): QueuedEvent[] {
  return processBatch(db, machineInputs(config), results, now, wallNow, true);
}

/** Credentials per transaction in processResultsInSlices. */
const BATCH = 250;

/**
 * processResults for a daemon: the same work in transactions of a few hundred credentials, yielding
 * to the event loop between them (`pause`), so 11,000 results do not hold the HTTP server for a
 * second. Each credential's states and events are still committed together, and each batch reads
 * the states it steps inside its own write transaction, so a concurrent `check --notify` is never
 * stepped over; removed credentials are resolved last.
 */
export async function processResultsInSlices(
  db: Db,
  config: ProcessConfig,
  results: readonly CredentialResult[],
  now: Date,
  pause: () => Promise<void>,
  wallNow: Date = new Date(),
): Promise<QueuedEvent[]> {
  const inputs = machineInputs(config);
  const queued: QueuedEvent[] = [];
  for (let i = 0; i < results.length; i += BATCH) {
    await pause();
    queued.push(...processBatch(db, inputs, results.slice(i, i + BATCH), now, wallNow, false));
  }
  queued.push(...processBatch(db, inputs, [], now, wallNow, true));
  return queued;
}

/** What every batch of one run reads from the config, worked out once per run. */
interface MachineInputs {
  config: ProcessConfig;
  settings: { remindDays: number[]; repeatHours: number };
  creds: Map<string, CredentialConfig>;
}

const machineInputs = (config: ProcessConfig): MachineInputs => ({
  config,
  settings: { remindDays: config.thresholds.remindDays, repeatHours: config.thresholds.repeatHours },
  creds: new Map(config.credentials.map((c) => [c.id, c])),
});

/** Steps `results` in one write transaction; `resolveGone`: also resolve removed credentials' alerts. */
function processBatch(db: Db, { config, settings, creds }: MachineInputs, results: readonly CredentialResult[], now: Date, wallNow: Date, resolveGone: boolean): QueuedEvent[] {
  // IMMEDIATE: take the write lock before reading the states, so a daemon and a cron
  // `check --notify` on the same database run the machine one after the other, never on stale state.
  return db.transaction(() => {
    const states = loadStates(db, results.map((r) => r.id));
    const acks = activeAcks(db);
    const at = now.toISOString();
    const queued: QueuedEvent[] = [];
    for (const result of results) {
      const credential = configFor(creds, result.id);
      let ack = acks.get(result.id);
      // `--until` is compared with the run's clock, like every other instant.
      if (ack && !ackInForce(ack, now)) {
        endAck(db, result.id, at, 'until');
        ack = undefined;
      }
      let ended: AckEndReason | null = null;
      const levels = new Map<Condition, Level>();
      for (const [condition, input] of conditionInputs(result)) {
        const prev = states.get(stateKey(result.id, condition)) ?? null;
        const s = step(prev, input, settings, now, `${result.id}:${condition}:`, ack !== undefined);
        // Most states do not change from cycle to cycle: only changes are written.
        if (prev === null || !sameState(prev, s.next)) saveState(db, result.id, condition, s.next, at);
        levels.set(condition, s.next.level);
        // A new firing or an escalation is sent and ends the acknowledgement: it is news.
        if (ack && s.row.then === 'fire' && !ended) ended = s.situation.first || s.situation.was === 'ok' || s.event?.deescalated ? 'firing' : 'escalation';
        if (!s.event) continue;
        const event = buildEvent({ draft: s.event, condition, result, credential, config, now, ack });
        const notifiers = routeFor(credential, config);
        const sameLevel = prev !== null && prev.level === s.next.level && prev.lastEventId !== null;
        const startsAt = levelStartedAt({
          condition,
          level: s.event.event === 'resolved' ? 'ok' : s.next.level,
          expiresAt: result.expiresAt,
          ...effectiveThresholds(config, credential),
          now,
          previous: sameLevel ? eventStartsAt(db, prev.lastEventId!) : null,
        });
        if (insertEvent(db, event, condition, s.next.level, notifiers, wallNow, startsAt)) queued.push({ event, condition, level: s.next.level, notifiers });
      }
      if (ack && !ended) {
        const allOk = CONDITIONS.every((c) => (levels.get(c) ?? states.get(stateKey(result.id, c))?.level ?? 'ok') === 'ok');
        if (allOk) ended = 'resolved';
      }
      if (ended) endAck(db, result.id, at, ended);
    }
    // Compared with the configured ids, not this cycle's results: `--only` checks a few, removes none.
    if (resolveGone) for (const r of resolveRemoved(db, config, now, wallNow)) queued.push({ ...r, level: 'ok' });
    return queued;
  }).immediate();
}

// Plain data of the alert stage: what the state machine reads and writes, and the event contract.
import type { ExpiryLevel, ProbeLevel, Rotation } from '../types.js';

export const CONDITIONS = ['expiry', 'probe'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** A condition's level: `ok` or how bad it is. Expiry and probe levels share one ladder per condition. */
export type Level = ExpiryLevel | ProbeLevel;
export type Severity = Exclude<Level, 'ok'>;

export type EventType = 'firing' | 'reminder' | 'resolved' | 'test';

/** The contract's event JSON (webhook body; other notifiers render the same fields). Exactly these keys. */
export interface AlertEvent {
  id: string;
  event: EventType;
  severity: Severity;
  credential: { id: string; kind: string; owner: string | null; runbook: string | null };
  expiresAt: string | null;
  daysLeft: number | null;
  renewBy: string | null;
  summary: string;
  reasons: string[];
  occurredAt: string;
  /** Only for a credential of a rotation pair: where the pair stood when the event occurred. */
  rotation?: Rotation;
}

/** What has been announced for one condition of one credential (a row of `alert_state`). */
export interface AlertState {
  /** The level last announced; `ok` when nothing is active. */
  level: Level;
  /** Part of every event id. A new episode starts after a resolve, a renewal or a de-escalation. */
  episode: number;
  /** Lowest `remindDays` mark already covered in this episode; null while above every mark. */
  mark: number | null;
  /** Repeat reminders sent in this episode. */
  repeats: number;
  /** When the last firing or reminder occurred (the repeat clock); ISO. */
  lastEventAt: string | null;
  /** Id of the last firing or reminder (what an Alertmanager re-post sends). */
  lastEventId: string | null;
  /** Last known expiry (kept while a check cannot read one), for renewal detection; ISO. */
  expiresAt: string | null;
  /** Certificate fingerprints last seen, for renewal detection. */
  fingerprints: string[];
}

/** What the state machine is told about one condition at one instant. */
export interface ConditionInput {
  level: Level;
  /** Expiry only; null when no expiry is known (could not inspect) and always for probes. */
  daysLeft: number | null;
  expiresAt: string | null;
  fingerprints: string[];
}

export interface MachineSettings {
  remindDays: readonly number[];
  repeatHours: number;
}

// Plain data of the alert stage: what the state machine reads and writes. The event contract
// itself is the leaf ../alert-event.ts, shared with the notifiers.
import type { Level } from '../alert-event.js';

export { CONDITIONS, type Condition, type Level, type Severity, type AlertEvent } from '../alert-event.js';

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

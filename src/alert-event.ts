// The event contract notifiers render and the alert stage produces: a leaf both import (notifiers
// never import the alert stage).
import type { ExpiryLevel, ProbeLevel, Rotation } from './types.js';

export const CONDITIONS = ['expiry', 'probe'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** A condition's level: `ok` or how bad it is. Expiry and probe levels share one ladder per condition. */
export type Level = ExpiryLevel | ProbeLevel;
export type Severity = Exclude<Level, 'ok'>;

type EventType = 'firing' | 'reminder' | 'resolved' | 'test';

/** The contract's event JSON (webhook body; other notifiers render the same fields). Exactly these keys. */
export interface AlertEvent {
  id: string;
  event: EventType;
  severity: Severity;
  /** `environment` only when the credential sets one. */
  credential: { id: string; kind: string; owner: string | null; runbook: string | null; environment?: string };
  expiresAt: string | null;
  daysLeft: number | null;
  renewBy: string | null;
  summary: string;
  reasons: string[];
  occurredAt: string;
  /** Only for a credential of a rotation pair: where the pair stood when the event occurred. */
  rotation?: Rotation;
}

/** An alert still open: its condition, level and the last event announcing it (refresh hooks re-post it). */
export interface ActiveAlert {
  credentialId: string;
  condition: Condition;
  level: Level;
  event: AlertEvent;
  /** When the level began, as evaluated; null for events queued before it was recorded. */
  startsAt: string | null;
}

// Pure helpers for acknowledgements: whether one is in force at an instant, and how it reads.
import type { Acknowledgement } from './types.js';

/** An acknowledgement holds until its `until` (exclusive), compared with the run's clock. */
export function ackInForce(ack: Acknowledgement | undefined | null, now: Date): ack is Acknowledgement {
  return ack != null && (ack.until === null || Date.parse(ack.until) > now.getTime());
}

/** "acknowledged by alice: renewal ordered" — the words every event and page use. */
export function ackText(ack: Acknowledgement): string {
  return `acknowledged by ${ack.by}${ack.note ? `: ${ack.note}` : ''}`;
}

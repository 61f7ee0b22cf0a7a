// SQL for acknowledgements (migrations/0003). One active row per credential at most (a partial
// unique index); ended rows stay as history.
import { prepared, type Db } from './db.js';
import type { Acknowledgement } from '../types.js';

export type AckEndReason = 'unack' | 'until' | 'firing' | 'escalation' | 'resolved';

interface AckRow {
  credential_id: string;
  acked_by: string;
  note: string | null;
  at: string;
  until: string | null;
}

const fromRow = (r: AckRow): Acknowledgement => ({ by: r.acked_by, note: r.note, at: r.at, until: r.until });

/** Active acknowledgements by credential (including ones whose `until` passed but no cycle ended yet). */
export function activeAcks(db: Db): Map<string, Acknowledgement> {
  const rows = prepared(db, 'SELECT credential_id, acked_by, note, at, until FROM acks WHERE ended_at IS NULL').all() as AckRow[];
  return new Map(rows.map((r) => [r.credential_id, fromRow(r)]));
}

/** Acknowledges a credential, replacing an active acknowledgement of it. */
export function putAck(db: Db, credentialId: string, ack: Acknowledgement): void {
  db.transaction(() => {
    endAck(db, credentialId, ack.at, 'unack');
    prepared(db, 'INSERT INTO acks (credential_id, acked_by, note, at, until) VALUES (?, ?, ?, ?, ?)').run(credentialId, ack.by, ack.note, ack.at, ack.until);
  }).immediate();
}

/** Ends the credential's active acknowledgement; false when there was none. */
export function endAck(db: Db, credentialId: string, at: string, reason: AckEndReason): boolean {
  return (
    prepared(db, 'UPDATE acks SET ended_at = ?, end_reason = ? WHERE credential_id = ? AND ended_at IS NULL').run(at, reason, credentialId).changes > 0
  );
}

/** Changes whenever an acknowledgement starts or ends (for caches of the recorded report). */
export function ackVersion(db: Db): string {
  const r = prepared(db, 'SELECT MAX(id) AS id, COUNT(ended_at) AS ended FROM acks').get() as { id: number | null; ended: number };
  return `${r.id ?? 0}.${r.ended}`;
}

/** Whether the credential has an alert that is not `ok` (what can be acknowledged). */
export function hasActiveAlert(db: Db, credentialId: string): boolean {
  return prepared(db, "SELECT 1 FROM alert_state WHERE credential_id = ? AND level <> 'ok' LIMIT 1").get(credentialId) !== undefined;
}

// SQL for probe request accounting (migrations/0003): what each credential's probes spent of a
// provider's billed monthly quota.
import type { Db } from './db.js';

type RequestType = 'token' | 'call';

/** Requests one probe made, by type. */
export interface RequestTally {
  token: number;
  call: number;
}

export const emptyTally = (): RequestTally => ({ token: 0, call: 0 });

/** The calendar month (UTC) of an instant: `2026-11`. The run's clock decides (`--at`). */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

/** Adds the requests this cycle's probes made to their credentials' month, in one transaction. */
export function addProbeRequests(db: Db, month: string, spent: Iterable<[credentialId: string, tally: RequestTally]>): void {
  const add = db.prepare(
    `INSERT INTO probe_requests (credential_id, month, type, count) VALUES (?, ?, ?, ?)
     ON CONFLICT (credential_id, month, type) DO UPDATE SET count = count + excluded.count`,
  );
  db.transaction(() => {
    for (const [id, tally] of spent) for (const type of ['token', 'call'] as const) if (tally[type] > 0) add.run(id, month, type, tally[type]);
  })();
}

/** Requests made in `month`, per credential (all types together). */
export function requestsInMonth(db: Db, month: string): Map<string, number> {
  const rows = db.prepare('SELECT credential_id, SUM(count) AS n FROM probe_requests WHERE month = ? GROUP BY credential_id').all(month) as {
    credential_id: string;
    n: number;
  }[];
  return new Map(rows.map((r) => [r.credential_id, r.n]));
}

/** For `credwatch_probe_requests_total{id,type}`: every month summed. */
export function probeRequestTotals(db: Db): { id: string; type: RequestType; count: number }[] {
  return db
    .prepare('SELECT credential_id AS id, type, SUM(count) AS count FROM probe_requests GROUP BY credential_id, type ORDER BY credential_id, type')
    .all() as { id: string; type: RequestType; count: number }[];
}

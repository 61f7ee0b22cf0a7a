import type { Db } from './db.js';
import { pruneHistory } from './results.js';
import { pruneOutbox } from './outbox.js';

/** Forgets what is stored from before `before` (wall clock): result history and finished outbox history. Returns rows deleted. */
export function pruneStored(db: Db, before: Date): number {
  return pruneHistory(db, before) + pruneOutbox(db, before);
}

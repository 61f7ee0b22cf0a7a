// A credential taken out of the config leaves its alerts open: Slack never hears it is over and
// Alertmanager keeps the alert until its endsAt. The cycle after the removal resolves each one,
// once, on every notifier that was told about it.
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { activeAlerts, loadStates, saveState, stateKey } from '../store/alert-state.js';
import { eventNotifiers, insertEvent } from '../store/outbox.js';
import type { AlertEvent, Condition, Severity } from './types.js';
import { parentIdOf } from '../config/derived-id.js';

const REMOVED_REASON = 'removed from the configuration';

interface RemovedResolution {
  event: AlertEvent;
  condition: Condition;
  notifiers: string[];
}

/**
 * Resolves the open alerts of credentials no longer configured. Call inside the transaction that
 * runs the state machine. `now` is the run's clock; `wallNow` stamps the outbox rows.
 */
export function resolveRemoved(db: Db, config: Pick<Config, 'credentials' | 'defaults'> & Partial<Pick<Config, 'notifiers'>>, now: Date, wallNow: Date): RemovedResolution[] {
  const configured = new Set(config.credentials.map((c) => c.id));
  const known = config.notifiers ? new Set(config.notifiers.map((n) => n.name)) : null;
  // A discovered credential (`PARENT/…`) belongs to its configured entry, which resolves a vanished file itself.
  const gone = activeAlerts(db).filter((a) => !configured.has(a.credentialId) && !configured.has(parentIdOf(a.credentialId) ?? ''));
  if (!gone.length) return [];
  const states = loadStates(db, [...new Set(gone.map((a) => a.credentialId))]);
  const out: RemovedResolution[] = [];
  for (const a of gone) {
    const state = states.get(stateKey(a.credentialId, a.condition))!;
    const severity = a.level as Severity;
    // The resolve belongs to the episode it ends (as the machine's own resolves do).
    const event: AlertEvent = {
      id: `${a.credentialId}:${a.condition}:${state.episode}:resolved`,
      event: 'resolved',
      severity,
      credential: a.event.credential,
      expiresAt: a.event.expiresAt,
      daysLeft: null,
      renewBy: a.event.renewBy,
      summary: `${a.credentialId}: resolved, ${REMOVED_REASON}`,
      reasons: [REMOVED_REASON],
      occurredAt: now.toISOString(),
    };
    // Whoever heard of the alert hears that it is over (if it is still configured).
    const told = eventNotifiers(db, a.event.id).filter((n) => known === null || known.has(n));
    const notifiers = told.length ? told : config.defaults.notify;
    // The row stays, as after any resolve: if the id comes back, its episodes go on and event ids stay unique.
    saveState(db, a.credentialId, a.condition, { ...state, level: 'ok', episode: state.episode + 1, mark: null, repeats: 0, lastEventAt: null, lastEventId: null }, now.toISOString());
    if (insertEvent(db, event, a.condition, 'ok', notifiers, wallNow)) out.push({ event, condition: a.condition, notifiers });
  }
  return out;
}

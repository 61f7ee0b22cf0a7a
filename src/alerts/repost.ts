// Alertmanager forgets an alert that is not re-sent (its endsAt passes): every cycle, post each
// active alert again to the Alertmanager notifiers it routes to. Best effort; the outbox still
// carries the state changes themselves.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { postAlerts, render, type AlertmanagerConfig, type PostableAlert } from '../notifiers/alertmanager.js';
import { isNotifyError } from '../notifiers/notifier.js';
import { configFor } from '../config/derived-id.js';
import { routeFor } from './process.js';
import { activeAlerts } from './store.js';

export interface RepostOptions {
  log: Logger;
  /** Wall clock. */
  now?: Date;
  /** How long each posted alert stays active without the next re-post; default one hour. */
  ttlMs?: number;
  timeoutMs?: number;
}

export interface RepostSummary {
  /** Per Alertmanager notifier: alerts posted, or the error. */
  notifiers: { name: string; alerts: number; error?: string }[];
}

export async function repostActiveAlerts(db: Db, config: Pick<Config, 'notifiers' | 'defaults' | 'credentials' | 'probe'> & { server?: Pick<Config['server'], 'publicUrl'> }, opts: RepostOptions): Promise<RepostSummary> {
  const targets = config.notifiers.filter((n) => n.type === 'alertmanager') as AlertmanagerConfig[];
  if (!targets.length) return { notifiers: [] };
  const now = opts.now ?? new Date();
  const creds = new Map(config.credentials.map((c) => [c.id, c]));
  const active = activeAlerts(db).filter((a) => configFor(creds, a.credentialId) !== undefined);
  const out: RepostSummary = { notifiers: [] };
  await Promise.all(
    targets.map(async (am) => {
      const alerts: PostableAlert[] = [];
      for (const a of active) {
        if (!routeFor(configFor(creds, a.credentialId), config).includes(am.name)) continue;
        // Only the firing alert: the resolves that go with an escalation were sent with it.
        const [firing] = render(a.event, { now, alert: { condition: a.condition, level: a.level, startsAt: a.startsAt }, ttlMs: opts.ttlMs, publicUrl: config.server?.publicUrl });
        if (firing) alerts.push(firing);
      }
      try {
        await postAlerts(am, alerts, opts.timeoutMs ?? config.probe.timeoutMs, (target, err) =>
          opts.log.warn({ notifier: am.name, err: err.message }, `${target}: alertmanager re-post failed`),
        );
        out.notifiers.push({ name: am.name, alerts: alerts.length });
      } catch (err) {
        const message = isNotifyError(err) ? err.message : (err as Error).message;
        opts.log.warn({ notifier: am.name, err: message }, 'alertmanager re-post failed');
        out.notifiers.push({ name: am.name, alerts: alerts.length, error: message });
      }
    }),
  );
  return out;
}

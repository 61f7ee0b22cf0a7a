// Some receivers forget an alert that is not sent again (Alertmanager: its endsAt passes): every
// cycle, hand each active alert to the notifiers with a `refresh` hook it routes to. Best effort;
// the outbox still carries the state changes themselves.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { notifiers as registry } from '../notifiers/index.js';
import { isNotifyError } from '../notifiers/notifier.js';
import { configFor } from '../config/derived-id.js';
import { notifyTimeoutMs } from '../config/effective.js';
import { routeFor } from './process.js';
import { activeAlerts } from '../store/alert-state.js';

interface RepostOptions {
  log: Logger;
  /** Wall clock. */
  now?: Date;
  /** How long each posted alert stays active without the next re-post; default one hour. */
  ttlMs?: number;
  timeoutMs?: number;
}

export interface RepostSummary {
  /** Per notifier with a `refresh` hook: alerts posted, or the error. */
  notifiers: { name: string; alerts: number; error?: string }[];
}

export async function repostActiveAlerts(db: Db, config: Pick<Config, 'notifiers' | 'defaults' | 'credentials' | 'probe'> & Partial<Pick<Config, 'notify'>> & { server?: Pick<Config['server'], 'publicUrl'> }, opts: RepostOptions): Promise<RepostSummary> {
  const targets = config.notifiers.flatMap((n) => {
    const plugin = registry.get(n.type);
    return plugin?.refresh ? [{ config: n, plugin, refresh: plugin.refresh.bind(plugin) }] : [];
  });
  if (!targets.length) return { notifiers: [] };
  const now = opts.now ?? new Date();
  const creds = new Map(config.credentials.map((c) => [c.id, c]));
  const active = activeAlerts(db).filter((a) => configFor(creds, a.credentialId) !== undefined);
  const out: RepostSummary = { notifiers: [] };
  await Promise.all(
    targets.map(async ({ config: n, plugin, refresh }) => {
      const routed = active.filter((a) => routeFor(configFor(creds, a.credentialId), config).includes(n.name));
      try {
        await refresh(routed, n, { log: opts.log, now, timeoutMs: opts.timeoutMs ?? notifyTimeoutMs(config), ttlMs: opts.ttlMs, publicUrl: config.server?.publicUrl });
        out.notifiers.push({ name: n.name, alerts: routed.length });
      } catch (err) {
        const message = isNotifyError(err) ? err.message : (err as Error).message;
        opts.log.warn({ notifier: n.name, err: message }, `${plugin.type} re-post failed`);
        out.notifiers.push({ name: n.name, alerts: routed.length, error: message });
      }
    }),
  );
  return out;
}

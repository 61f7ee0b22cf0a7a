// `credwatch notify test NAME`: one attempt through one notifier, recorded like any other.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { notifiers as registry } from '../notifiers/index.js';
import { NotifyError, isNotifyError } from '../notifiers/notifier.js';
import { buildTestEvent } from './event.js';
import { notifyTimeoutMs } from '../config/effective.js';
import { recordAttempt } from '../store/outbox.js';
import type { NotifierLookup } from './dispatch.js';
import type { AlertEvent } from './types.js';

type TestOutcome =
  | { status: 'delivered'; event: AlertEvent }
  | { status: 'failed'; event: AlertEvent; code: string; message: string; retryable: boolean }
  | { status: 'unknown_notifier'; message: string };

interface TestOptions {
  log: Logger;
  /** When given, the attempt is recorded (and counted for metrics). */
  db?: Db;
  now?: Date;
  timeoutMs?: number;
  plugins?: NotifierLookup;
}

/** Sends `event: "test"` through the notifier named `name`. Exit 0 for delivered, 2 failed, 3 unknown. */
export async function sendTestEvent(config: Pick<Config, 'notifiers' | 'defaults' | 'probe'> & Partial<Pick<Config, 'notify'>>, name: string, opts: TestOptions): Promise<TestOutcome> {
  const cfg = config.notifiers.find((n) => n.name === name);
  const plugin = cfg ? (opts.plugins ?? registry).get(cfg.type) : undefined;
  if (!cfg || !plugin) {
    const known = config.notifiers.map((n) => n.name).join(', ') || 'none configured';
    return { status: 'unknown_notifier', message: `no notifier named "${name}" (known: ${known})` };
  }
  const startedAt = new Date();
  const event = buildTestEvent(name, config, opts.now ?? startedAt);
  let error: NotifyError | null = null;
  try {
    await plugin.send(event, cfg, { log: opts.log.child({ notifier: name }), timeoutMs: opts.timeoutMs ?? notifyTimeoutMs(config), now: startedAt, alert: null });
  } catch (err) {
    error = isNotifyError(err) ? err : new NotifyError(`${name}: ${(err as Error)?.message ?? String(err)}`, { code: 'notifier_error', retryable: true });
  }
  opts.db &&
    recordAttempt(opts.db, {
      eventId: event.id,
      notifier: name,
      attempt: 1,
      startedAt,
      finishedAt: new Date(),
      outcome: error ? (error.retryable ? 'retry' : 'failed') : 'delivered',
      errorCode: error?.code,
      errorMessage: error?.message,
      retryAfterMs: error?.retryAfterMs,
    });
  if (!error) return { status: 'delivered', event };
  return { status: 'failed', event, code: error.code, message: error.message, retryable: error.retryable };
}

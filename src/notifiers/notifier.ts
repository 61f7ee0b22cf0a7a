import { z } from 'zod';
import type { Logger } from 'pino';
import type { SchemaHelpers } from '../config/helpers.js';
import type { NotifierConfig } from '../config/schema.js';
import type { ActiveAlert, AlertEvent, Condition, Level } from '../alert-event.js';
import { scrubSecrets } from '../secret.js';
import { CredwatchError } from '../errors.js';

/** What the dispatcher knows about an event beyond its JSON. */
export interface NotifyContext {
  log: Logger;
  /** Give up on this one attempt after this long (the dispatcher's deadline included). */
  timeoutMs: number;
  /** Wall clock for transport details (Alertmanager `endsAt`); the event carries its own `occurredAt`. */
  now: Date;
  /**
   * The alert the event belongs to; null for a test event. `previous` is the level announced
   * before this event, when known (Alertmanager ends that alert on an escalation).
   */
  alert: { condition: Condition; level: Level; previous?: Level | null; startsAt?: string | null } | null;
  /** `server.publicUrl`, when set: where the status page is, for links back to it. */
  publicUrl?: string;
}

/**
 * The status page under `server.publicUrl` (DESIGN: alerts link there): a credential's own page
 * (`/credentials/ID`), or the page itself for a digest or a test event. Null when it is not set.
 */
export function statusPageLink(publicUrl: string | undefined, credentialId?: string): string | null {
  if (!publicUrl) return null;
  const base = publicUrl.replace(/\/+$/, '');
  return credentialId ? `${base}/credentials/${encodeURIComponent(credentialId)}` : `${base}/`;
}

const TEST_CREDENTIAL = 'credwatch-test';

/** The link an event carries: its credential's page, or the status page for a test event (no such credential). */
export const eventLink = (e: AlertEvent, publicUrl: string | undefined) =>
  statusPageLink(publicUrl, e.event === 'test' || e.credential.id === TEST_CREDENTIAL ? undefined : e.credential.id);

/** What a `refresh` hook is handed each cycle. */
interface RefreshContext {
  log: Logger;
  /** Wall clock. */
  now: Date;
  /** Give up after this long. */
  timeoutMs: number;
  /** How long each re-posted alert stays active without the next refresh; the plugin's default when absent. */
  ttlMs?: number;
  /** `server.publicUrl`, when set. */
  publicUrl?: string;
}

/**
 * A notifier's config, inferred from its schema (`schema` below): `name`, the notifier's type, and
 * its own keys as the schema outputs them (secrets as Secret, files resolved).
 */
export type NotifierConfigOf<T extends string, S extends (h: SchemaHelpers) => z.ZodType> = NotifierConfig & { type: T } & z.output<ReturnType<S>>;

/**
 * A notifier plugin: one file each (schema, pure render, thin send), registered in `./index.ts`.
 * `send` resolves when the event was accepted and throws a NotifyError otherwise.
 */
export interface NotifierPlugin<C extends NotifierConfig = NotifierConfig> {
  readonly type: string;
  /** The notifier's own keys (`name` and `type` are merged in by the loader). */
  schema(h: SchemaHelpers): z.ZodObject<z.ZodRawShape>;
  send(event: AlertEvent, config: C, ctx: NotifyContext): Promise<void>;
  /**
   * Several events of one cycle as one message, worst first (see alerts/digest.ts). Notifiers that
   * group on their side (Alertmanager, PagerDuty) leave it out and get every event on its own.
   */
  sendDigest?(events: AlertEvent[], config: C, ctx: NotifyContext): Promise<void>;
  /**
   * For a receiver that forgets an alert not sent again (Alertmanager, by its `endsAt`): called
   * every cycle with each active alert routed to this notifier. Best effort (the outbox still
   * carries the state changes); throws a NotifyError when nothing was accepted.
   */
  refresh?(alerts: readonly ActiveAlert[], config: C, ctx: RefreshContext): Promise<void>;
}

/** More events than this for one digest-capable notifier in one cycle go out as one digest. */
export const DEFAULT_GROUP_ABOVE = 5;

/** The `groupAbove` key of a digest-capable notifier's schema (absent means DEFAULT_GROUP_ABOVE). */
export const groupAboveField = () =>
  z
    .number()
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(100000, 'must be at most 100000')
    .optional()
    .meta({ description: `more events than this in one cycle go out as one digest (default ${DEFAULT_GROUP_ABOVE})` });

interface NotifyErrorOptions {
  code: string;
  retryable: boolean;
  /** The server asked us to wait this long before trying again (Retry-After). */
  retryAfterMs?: number;
  status?: number;
}

/**
 * A failed delivery. `code` is stable (`http_404`, `smtp_auth`, `timeout`, …); `retryable` says
 * whether trying again can help. Messages are ours: never a URL with a token, never a password.
 */
export class NotifyError extends CredwatchError {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(message: string, o: NotifyErrorOptions) {
    // Messages may quote a server's reply: the one scrubber masks every configured secret in them.
    super(o.code, scrubSecrets(message));
    this.name = 'NotifyError';
    this.retryable = o.retryable;
    this.retryAfterMs = o.retryAfterMs;
    this.status = o.status;
  }
}

export const isNotifyError = (e: unknown): e is NotifyError => e instanceof NotifyError;

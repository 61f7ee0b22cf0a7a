// `alertmanager`: POST {url}/api/v2/alerts. An Alertmanager alert is a state, not a message: a
// firing alert is posted with an `endsAt` a little in the future and re-posted every cycle while
// active (the `refresh` hook, run by alerts/repost.ts); a resolve posts the same labels with `endsAt` now.
import { z } from 'zod';
import type { SchemaHelpers } from '../config/helpers.js';
import type { AlertEvent, Condition, Level, Severity } from '../alert-event.js';
import { NotifyError, isNotifyError, type NotifierConfigOf, type NotifierPlugin } from './notifier.js';
import { post } from './http.js';
import { rotationLine } from '../rotation.js';
import { readFailure, readRegularFile } from '../read-failure.js';

export type AlertmanagerConfig = NotifierConfigOf<'alertmanager', typeof schema>;

/** Alertmanager's PostableAlert. */
interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

const ALERTNAME: Readonly<Record<Condition, string>> = { expiry: 'CredentialExpiry', probe: 'CredentialProbeFailure' };

/** Prometheus convention: routes match `severity="warning"` or `"critical"`; credwatch's own level is `status`. */
const PROMETHEUS_SEVERITY: Readonly<Record<Severity, 'warning' | 'critical'>> = {
  warning: 'warning',
  critical: 'critical',
  expired: 'critical',
  failing: 'critical',
};

/** How long a posted firing alert stays active without a re-post; a few check cycles. */
const DEFAULT_ALERT_TTL_MS = 60 * 60 * 1000;

interface RenderOptions {
  /** Wall clock now (Alertmanager compares `endsAt` with its own clock). */
  now: Date;
  /**
   * The alert the event belongs to; `previous` is the level announced before this event (what
   * Alertmanager holds for it now), when the caller knows it; `startsAt`, when the level began as
   * evaluated (the same on every replica), else the event's occurredAt is used.
   */
  alert: { condition: Condition; level: Level; previous?: Level | null; startsAt?: string | null } | null;
  ttlMs?: number;
  /** `server.publicUrl`: the alert links back to the status page there. */
  publicUrl?: string;
}

const earlier = (iso: string, now: Date) => (Date.parse(iso) < now.getTime() ? iso : now.toISOString());

/** The alert's identity in Alertmanager: the same event level always gives the same labels. */
function labelsOf(e: AlertEvent, alertname: string, level: Severity): Record<string, string> {
  const labels: Record<string, string> = {
    alertname,
    credential: e.credential.id,
    kind: e.credential.kind,
    severity: PROMETHEUS_SEVERITY[level],
    status: level,
  };
  // An empty label value means "no label" to Alertmanager; say nothing rather than "".
  if (e.credential.owner) labels.owner = e.credential.owner;
  if (e.credential.environment) labels.environment = e.credential.environment;
  return labels;
}

function annotationsOf(e: AlertEvent): Record<string, string> {
  const a: Record<string, string> = { summary: e.summary };
  if (e.credential.runbook) a.runbook_url = e.credential.runbook;
  if (e.reasons.length) a.description = e.reasons.join('\n');
  // An annotation, not a label: the state changes during the rotation, and labels are the alert's identity.
  if (e.rotation) a.rotation = rotationLine(e.credential.id, e.rotation);
  return a;
}

const isSeverity = (l: Level | null | undefined): l is Severity => l !== undefined && l !== null && l !== 'ok';

/** Pure: the alerts to post for one event (none for a heads-up reminder that opens no alert). */
export function render(e: AlertEvent, o: RenderOptions): PostableAlert[] {
  const now = o.now;
  const ttl = o.ttlMs ?? DEFAULT_ALERT_TTL_MS;
  const nowIso = now.toISOString();
  const link = o.publicUrl ? { generatorURL: `${o.publicUrl.replace(/\/+$/, '')}/` } : {};
  if (e.event === 'test') {
    return [{ labels: labelsOf(e, 'CredwatchTest', e.severity), annotations: annotationsOf(e), startsAt: nowIso, endsAt: new Date(now.getTime() + 5 * 60_000).toISOString(), ...link }];
  }
  const condition: Condition = o.alert?.condition ?? (e.severity === 'failing' ? 'probe' : 'expiry');
  const alertname = ALERTNAME[condition];
  const resolvedAt = earlier(e.occurredAt, now);
  const resolve = (level: Severity): PostableAlert => ({ labels: labelsOf(e, alertname, level), annotations: annotationsOf(e), endsAt: resolvedAt, ...link });
  // A resolve ends exactly the alert that was firing: the event keeps the severity it resolves.
  if (e.event === 'resolved') return [resolve(e.severity)];
  if (o.alert?.level === 'ok') return []; // heads-up reminder at a remindDays mark: nothing is firing
  const firing: PostableAlert = {
    labels: labelsOf(e, alertname, e.severity),
    annotations: annotationsOf(e),
    startsAt: earlier(o.alert?.startsAt ?? e.occurredAt, now),
    endsAt: new Date(now.getTime() + ttl).toISOString(),
    ...link,
  };
  // An escalation or de-escalation changes the labels: end the alert it replaces, and only that
  // one (resolving levels that never fired shows up as phantom "resolved" alerts in real pages).
  const previous = o.alert?.previous;
  return isSeverity(previous) && previous !== e.severity ? [firing, resolve(previous)] : [firing];
}

const alertmanagerUrls = (config: Pick<AlertmanagerConfig, 'url'>): string[] => (Array.isArray(config.url) ? config.url : [config.url]);

function alertsUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v2/alerts`;
}

/** Names one Alertmanager in messages without what a URL may carry (user info, path, query). */
function where(config: AlertmanagerConfig, url: string): string {
  try {
    return `alertmanager ${config.name} at ${new URL(url).origin}`;
  } catch {
    return `alertmanager ${config.name}`;
  }
}

function authHeaders(config: AlertmanagerConfig): Record<string, string> {
  if (config.token) return { authorization: `Bearer ${config.token.reveal()}` };
  if (config.basicAuth) {
    const pair = `${config.basicAuth.username}:${config.basicAuth.password.reveal()}`;
    return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
  }
  return {};
}

interface PostOutcome {
  /** Per Alertmanager URL (origin only), null when it accepted the alerts. */
  results: { target: string; error: NotifyError | null }[];
}

/**
 * Posts to every configured Alertmanager. Accepted by at least one is delivered (an HA pair
 * covers for a member that is down; the next cycle's re-post brings it up to date); refused by
 * all throws the first error, retryable if any failure was.
 */
async function postAlerts(config: AlertmanagerConfig, alerts: PostableAlert[], timeoutMs: number, onPartial?: (target: string, err: NotifyError) => void): Promise<PostOutcome> {
  const urls = alertmanagerUrls(config);
  if (!alerts.length) return { results: [] };
  let ca: Buffer | undefined;
  if (config.ca) {
    try {
      // Regular files only, size-capped, as every file credwatch reads.
      ca = readRegularFile(config.ca);
    } catch (err) {
      throw new NotifyError(`alertmanager ${config.name}: ca ${config.ca} ${readFailure(err)}`, { code: 'ca_unreadable', retryable: true });
    }
  }
  // undici only when a private CA needs its own Agent: a daemon that never sends this stays without it.
  const dispatcher = ca ? new (await import('undici')).Agent({ connect: { ca, timeout: timeoutMs } }) : undefined;
  const body = JSON.stringify(alerts);
  const headers = { 'content-type': 'application/json', 'user-agent': 'credwatch', ...authHeaders(config) };
  try {
    const results = await Promise.all(
      urls.map(async (url) => {
        const target = where(config, url);
        try {
          await post(target, alertsUrl(url), body, headers, timeoutMs, dispatcher);
          return { target, error: null };
        } catch (err) {
          return { target, error: isNotifyError(err) ? err : new NotifyError(`${target}: ${(err as Error).message}`, { code: 'notifier_error', retryable: true }) };
        }
      }),
    );
    const failed = results.filter((r) => r.error !== null);
    if (failed.length === results.length) {
      const first = failed[0]!.error!;
      const retryable = failed.some((r) => r.error!.retryable);
      const message = failed.map((r) => r.error!.message).join('; ');
      throw new NotifyError(message, { code: first.code, retryable, retryAfterMs: first.retryAfterMs, status: first.status });
    }
    for (const f of failed) onPartial?.(f.target, f.error!);
    return { results };
  } finally {
    await dispatcher?.close();
  }
}

const schema = (h: SchemaHelpers) => {
  const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
  return z.object({
    /** One Alertmanager, or every member of an HA cluster (each gets every alert, as Prometheus does). */
    url: z.union([url, z.array(url).min(1, 'must list at least one URL')], { error: 'must be an http(s) URL or a list of them' }),
    basicAuth: z.strictObject({ username: z.string().min(1, 'must not be empty'), password: h.secret() }).optional(),
    /** Bearer token. */
    token: h.secret().optional(),
    /** Trust anchors for an HTTPS Alertmanager; replace the system roots. */
    ca: h.file().optional(),
  });
};

export const alertmanager: NotifierPlugin<AlertmanagerConfig> = {
  type: 'alertmanager',
  schema,
  async send(event, config, ctx) {
    const alerts = render(event, { now: ctx.now, alert: ctx.alert, publicUrl: ctx.publicUrl });
    await postAlerts(config, alerts, ctx.timeoutMs, (target, err) =>
      ctx.log.warn({ code: err.code, err: err.message }, `${target} refused the alerts; delivered to the others`),
    );
  },
  // Alertmanager forgets an alert whose endsAt passes: post every active one again, firing only
  // (the resolves that go with an escalation were sent with it).
  async refresh(active, config, ctx) {
    const alerts: PostableAlert[] = [];
    for (const a of active) {
      const [firing] = render(a.event, { now: ctx.now, alert: { condition: a.condition, level: a.level, startsAt: a.startsAt }, ttlMs: ctx.ttlMs, publicUrl: ctx.publicUrl });
      if (firing) alerts.push(firing);
    }
    await postAlerts(config, alerts, ctx.timeoutMs, (target, err) => ctx.log.warn({ notifier: config.name, err: err.message }, `${target}: alertmanager re-post failed`));
  },
};

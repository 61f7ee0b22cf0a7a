// `pagerduty`: PagerDuty Events API v2 (POST /v2/enqueue). One incident per credential and
// condition: `dedup_key` comes from the alert, so a reminder or an escalation updates the open
// incident instead of opening another, and a resolve closes it. The routing key is a secret.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SchemaHelpers } from '../config/helpers.js';
import type { AlertEvent, Condition, Level, Severity } from '../alert-event.js';
import type { NotifierConfigOf, NotifierPlugin } from './notifier.js';
import { NotifyError, eventLink } from './notifier.js';
import { post } from './http.js';
import { scrubSecrets } from '../secret.js';

const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export type PagerDutyConfig = NotifierConfigOf<'pagerduty', typeof schema>;

/** PagerDuty's four severities. credwatch's `expired` is `critical`; a failing probe is an `error`. */
const PD_SEVERITY: Readonly<Record<Severity, 'critical' | 'error' | 'warning' | 'info'>> = {
  warning: 'warning',
  critical: 'critical',
  expired: 'critical',
  failing: 'error',
};

/** The Events API v2 request body (only the fields credwatch sets). */
interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group?: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client: string;
}

const MAX_DEDUP = 255;
const MAX_SUMMARY = 1024;

/** `credwatch/<credential>/<condition>`: the same key for every event of one alert, across episodes. */
export function dedupKey(credentialId: string, condition: Condition | 'test', eventId?: string): string {
  const key = condition === 'test' ? `credwatch/test/${eventId ?? credentialId}` : `credwatch/${credentialId}/${condition}`;
  if (key.length <= MAX_DEDUP) return key;
  // Ids have no length limit; PagerDuty's key does. Keep it stable and unique.
  return `credwatch/${createHash('sha256').update(key).digest('hex')}`;
}

interface PagerDutyRenderOptions {
  alert: { condition: Condition; level: Level } | null;
  /** `server.publicUrl`: the incident links to the credential's page there. */
  publicUrl?: string;
}

/**
 * Pure: the request body for one event, or null when there is nothing to tell PagerDuty (a
 * heads-up reminder at a remindDays mark while nothing is firing opens no incident).
 */
export function render(e: AlertEvent, routingKey: string, o: PagerDutyRenderOptions): PagerDutyEvent | null {
  const condition: Condition | 'test' = e.event === 'test' ? 'test' : (o.alert?.condition ?? (e.severity === 'failing' ? 'probe' : 'expiry'));
  const dedup_key = dedupKey(e.credential.id, condition, e.id);
  if (e.event === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key, client: 'credwatch' };
  if (e.event !== 'test' && o.alert?.level === 'ok') return null;
  const page = eventLink(e, o.publicUrl);
  const all = [
    ...(e.credential.runbook && /^https?:\/\//.test(e.credential.runbook) ? [{ href: e.credential.runbook, text: 'runbook' }] : []),
    ...(page ? [{ href: page, text: 'credwatch status page' }] : []),
  ];
  const links = all.length ? all : undefined;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: e.summary.slice(0, MAX_SUMMARY),
      source: e.credential.id,
      severity: PD_SEVERITY[e.severity],
      timestamp: e.occurredAt,
      component: e.credential.kind,
      ...(e.credential.owner ? { group: e.credential.owner } : {}),
      class: condition,
      custom_details: {
        event: e.event,
        severity: e.severity,
        expiresAt: e.expiresAt,
        daysLeft: e.daysLeft,
        renewBy: e.renewBy,
        reasons: e.reasons,
        owner: e.credential.owner,
        runbook: e.credential.runbook,
        eventId: e.id,
      },
    },
    ...(links ? { links } : {}),
    client: 'credwatch',
  };
}

const schema = (h: SchemaHelpers) =>
  z.object({
    routingKey: h.secret(),
    /** The Events API endpoint; the EU service region uses https://events.eu.pagerduty.com/v2/enqueue. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(PAGERDUTY_EVENTS_URL),
  });

export const pagerduty: NotifierPlugin<PagerDutyConfig> = {
  type: 'pagerduty',
  schema,
  async send(event, config, ctx) {
    const key = config.routingKey.reveal();
    const body = render(event, key, { alert: ctx.alert, publicUrl: ctx.publicUrl });
    if (!body) return;
    try {
      // PagerDuty answers 202 Accepted; 400 is a malformed event or a bad key (permanent); 429 and 5xx are retried.
      await post(`pagerduty ${config.name}`, config.url, JSON.stringify(body), { 'content-type': 'application/json', 'user-agent': 'credwatch' }, ctx.timeoutMs);
    } catch (err) {
      if (err instanceof NotifyError && err.message.includes(key)) {
        throw new NotifyError(scrubSecrets(err.message, [key]), { code: err.code, retryable: err.retryable, retryAfterMs: err.retryAfterMs, status: err.status });
      }
      throw err;
    }
  },
};

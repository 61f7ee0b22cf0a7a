// `alertmanager`: POST {url}/api/v2/alerts. An Alertmanager alert is a state, not a message: a
// firing alert is posted with an `endsAt` a little in the future and re-posted every cycle while
// active (see `repostActiveAlerts`); a resolve posts the same labels with `endsAt` now.
import { z } from 'zod';
import type { NotifierConfig } from '../config/schema.js';
import type { AlertEvent, Condition, Level } from '../alerts/types.js';
import type { NotifierPlugin } from './notifier.js';
import { post } from './http.js';
import { rotationLine } from '../rotation.js';

export interface AlertmanagerConfig extends NotifierConfig {
  type: 'alertmanager';
  url: string;
}

/** Alertmanager's PostableAlert. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export const ALERTNAME: Readonly<Record<Condition, string>> = { expiry: 'CredentialExpiry', probe: 'CredentialProbeFailure' };
const SEVERITIES: Readonly<Record<Condition, readonly string[]>> = { expiry: ['warning', 'critical', 'expired'], probe: ['failing'] };

/** How long a posted firing alert stays active without a re-post; a few check cycles. */
export const DEFAULT_ALERT_TTL_MS = 60 * 60 * 1000;

export interface RenderOptions {
  /** Wall clock now (Alertmanager compares `endsAt` with its own clock). */
  now: Date;
  alert: { condition: Condition; level: Level } | null;
  ttlMs?: number;
}

const earlier = (iso: string, now: Date) => (Date.parse(iso) < now.getTime() ? iso : now.toISOString());

function labelsOf(e: AlertEvent, alertname: string, severity: string): Record<string, string> {
  const labels: Record<string, string> = { alertname, credential: e.credential.id, kind: e.credential.kind, severity };
  // An empty label value means "no label" to Alertmanager; say nothing rather than "".
  if (e.credential.owner) labels.owner = e.credential.owner;
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

/** Pure: the alerts to post for one event (none for a heads-up reminder that opens no alert). */
export function render(e: AlertEvent, o: RenderOptions): PostableAlert[] {
  const now = o.now;
  const ttl = o.ttlMs ?? DEFAULT_ALERT_TTL_MS;
  const nowIso = now.toISOString();
  if (e.event === 'test') {
    return [{ labels: labelsOf(e, 'CredwatchTest', e.severity), annotations: annotationsOf(e), startsAt: nowIso, endsAt: new Date(now.getTime() + 5 * 60_000).toISOString() }];
  }
  const condition: Condition = o.alert?.condition ?? (e.severity === 'failing' ? 'probe' : 'expiry');
  const alertname = ALERTNAME[condition];
  const resolvedAt = earlier(e.occurredAt, now);
  // Resolve every severity of the condition: after an escalation the lower one must go too.
  const resolveOthers = (keep: string | null) =>
    SEVERITIES[condition].filter((s) => s !== keep).map((s) => ({ labels: labelsOf(e, alertname, s), annotations: annotationsOf(e), endsAt: resolvedAt }));
  if (e.event === 'resolved') return resolveOthers(null);
  if (o.alert?.level === 'ok') return []; // heads-up reminder at a remindDays mark: nothing is firing
  const firing: PostableAlert = {
    labels: labelsOf(e, alertname, e.severity),
    annotations: annotationsOf(e),
    startsAt: earlier(e.occurredAt, now),
    endsAt: new Date(now.getTime() + ttl).toISOString(),
  };
  return [firing, ...resolveOthers(e.severity)];
}

export function alertsUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v2/alerts`;
}

export async function postAlerts(config: AlertmanagerConfig, alerts: PostableAlert[], timeoutMs: number): Promise<void> {
  if (!alerts.length) return;
  await post(`alertmanager ${config.name}`, alertsUrl(config.url), JSON.stringify(alerts), { 'content-type': 'application/json', 'user-agent': 'credwatch' }, timeoutMs);
}

export const alertmanager: NotifierPlugin<AlertmanagerConfig> = {
  type: 'alertmanager',
  schema: () => z.object({ url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }) }),
  async send(event, config, ctx) {
    await postAlerts(config, render(event, { now: ctx.now, alert: ctx.alert }), ctx.timeoutMs);
  },
};

// `slack`: an incoming webhook (@slack/webhook) with a Block Kit message.
// Types only at load time: @slack/webhook (and axios under it) is imported when a message is sent,
// so a `check` without --notify does not pay for it.
import type { IncomingWebhookDefaultArguments, IncomingWebhookSendArguments } from '@slack/webhook';
import type { KnownBlock } from '@slack/types';
import { z } from 'zod';
import type { SchemaHelpers } from '../config/helpers.js';
import type { AlertEvent } from '../alert-event.js';
import { groupAboveField, type NotifierConfigOf, type NotifierPlugin, type NotifyContext, eventLink, statusPageLink } from './notifier.js';
import { byEventUrgency as byUrgency, dateOf, digestCounts, headline } from './event-text.js';
import { networkError, statusError } from './http.js';
import { scrubSecrets, urlSecretParts } from '../secret.js';
import { rotationLine } from '../rotation.js';

export type SlackConfig = NotifierConfigOf<'slack', typeof schema>;

const ICON: Record<string, string> = {
  warning: ':warning:',
  critical: ':red_circle:',
  expired: ':no_entry:',
  failing: ':x:',
  resolved: ':white_check_mark:',
  test: ':information_source:',
};

/** Slack's mrkdwn treats these three as markup; everything else is literal. */
const escapeMrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack rejects a section text over 3000 characters (and a field over 2000). */
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

const orDash = (v: string | number | null) => (v === null || v === '' ? '—' : String(v));

/** Pure: the exact message posted. */
export function render(e: AlertEvent, publicUrl?: string): IncomingWebhookSendArguments {
  const link = eventLink(e, publicUrl);
  const icon = ICON[e.event === 'resolved' || e.event === 'test' ? e.event : e.severity]!;
  const field = (label: string, value: string) => ({ type: 'mrkdwn' as const, text: clip(`*${label}*\n${value}`, FIELD_MAX) });
  const runbook = e.credential.runbook ? `<${escapeMrkdwn(e.credential.runbook)}|runbook>` : '—';
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `${icon} ${headline(e)}: ${e.credential.id}`.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(e.summary), SECTION_MAX) } },
    {
      type: 'section',
      fields: [
        field('Severity', e.severity),
        field('Credential', `${escapeMrkdwn(e.credential.id)} (${escapeMrkdwn(e.credential.kind)})`),
        field('Days left', orDash(e.daysLeft)),
        field('Expires', orDash(dateOf(e.expiresAt))),
        field('Renew by', orDash(dateOf(e.renewBy))),
        field('Owner', escapeMrkdwn(orDash(e.credential.owner))),
        field('Runbook', runbook),
        ...(e.rotation ? [field('Rotation', escapeMrkdwn(rotationLine(e.credential.id, e.rotation)))] : []),
        ...(link ? [field('Status page', `<${escapeMrkdwn(link)}|${escapeMrkdwn(e.credential.id)}>`)] : []),
      ],
    },
  ];
  if (e.reasons.length) {
    const reasons = `*Reasons*\n${e.reasons.map((r) => `• ${escapeMrkdwn(r)}`).join('\n')}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(reasons, SECTION_MAX) } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${e.event} · ${e.occurredAt} · ${escapeMrkdwn(e.id)}` }] });
  return { text: e.summary, blocks };
}

/** Pure: several events as one message, worst first; one line each, packed into sections Slack accepts. */
export function renderDigest(events: readonly AlertEvent[], publicUrl?: string): IncomingWebhookSendArguments {
  const link = statusPageLink(publicUrl);
  const sorted = [...events].sort(byUrgency);
  const counts = digestCounts(sorted);
  const title = `credwatch: ${sorted.length} alerts (${counts})`;
  const lines = sorted.map((e) => {
    const icon = ICON[e.event === 'resolved' || e.event === 'test' ? e.event : e.severity]!;
    const runbook = e.credential.runbook ? ` · <${escapeMrkdwn(e.credential.runbook)}|runbook>` : '';
    const owner = e.credential.owner ? ` · ${escapeMrkdwn(e.credential.owner)}` : '';
    return clip(`${icon} *${headline(e)}* \`${escapeMrkdwn(e.credential.id)}\` ${escapeMrkdwn(e.summary)}${owner}${runbook}`, SECTION_MAX);
  });
  // Slack allows 50 blocks: pack lines into sections of at most 3000 characters, 45 sections at most.
  const sections: string[] = [];
  let shown = 0;
  for (const line of lines) {
    const last = sections.length - 1;
    if (last >= 0 && sections[last]!.length + 1 + line.length <= SECTION_MAX) sections[last] += `\n${line}`;
    else if (sections.length < DIGEST_SECTIONS) sections.push(line);
    else break;
    shown++;
  }
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    ...sections.map((text) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } })),
  ];
  if (shown < lines.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${lines.length - shown} more: see the status page or \`credwatch status\`` } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `digest · ${sorted[0]?.occurredAt ?? ''}${link ? ` · <${escapeMrkdwn(link)}|status page>` : ''}` }] });
  return { text: title, blocks };
}

const DIGEST_SECTIONS = 45;

/** POSTs one message to the webhook; failures classified, the URL never in an error. */
async function postMessage(message: IncomingWebhookSendArguments, config: SlackConfig, ctx: NotifyContext): Promise<void> {
  const defaults: IncomingWebhookDefaultArguments = { timeout: ctx.timeoutMs };
  const { IncomingWebhook } = await import('@slack/webhook');
  const hook = new IncomingWebhook(config.url.reveal(), defaults);
  // The client keeps `defaults` by reference and merges it into every payload; its HTTP client
  // already holds the timeout, so drop it from what Slack receives.
  delete defaults.timeout;
  try {
    await hook.send(message);
  } catch (err) {
    // Never pass `err` on: its `original` carries the request config, webhook URL included.
    const e = err as { code?: string; original?: { response?: { status: number; headers?: Record<string, string>; data?: unknown } } };
    const res = e.original?.response;
    if (e.code === 'slack_webhook_http_error' && res) {
      const detail = typeof res.data === 'string' ? scrubSecrets(res.data, urlSecretParts(config.url.reveal())) : undefined;
      throw statusError(`slack ${config.name}`, res.status, res.headers?.['retry-after'], detail);
    }
    throw networkError(`slack ${config.name}`, e.original ?? err);
  }
}

const schema = (h: SchemaHelpers) =>
  z.object({
    // The value is never echoed in the message: it is the webhook's credential.
    url: h.secret().refine((u) => /^https?:\/\/[^\s/]+\/\S*$/i.test(u.reveal()), 'must be an http(s) webhook URL'),
    groupAbove: groupAboveField(),
  });

export const slack: NotifierPlugin<SlackConfig> = {
  type: 'slack',
  schema,
  send: (event, config, ctx) => postMessage(render(event, ctx.publicUrl), config, ctx),
  sendDigest: (events, config, ctx) => postMessage(renderDigest(events, ctx.publicUrl), config, ctx),
};

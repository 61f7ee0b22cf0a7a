// `email`: nodemailer over SMTP. STARTTLS required by default, implicit TLS, or none for a local relay.
import { createHash } from 'node:crypto';
import { readRegularFile } from '../read-failure.js';
// nodemailer is imported when a mail is sent, so a `check` without --notify does not pay for it.
import { z } from 'zod';
import type { SchemaHelpers } from '../config/helpers.js';
import { registerSecret, type Secret } from '../secret.js';
import type { AlertEvent } from '../alert-event.js';
import { NotifyError, groupAboveField, type NotifierConfigOf, type NotifierPlugin, type NotifyContext, eventLink, statusPageLink } from './notifier.js';
import { byEventUrgency, dateOf, digestCounts, headline } from './event-text.js';
import { readFailure } from '../read-failure.js';
import { esc } from '../html.js';
import { scrubSecrets } from '../secret.js';
import { rotationLine } from '../rotation.js';

export type EmailConfig = NotifierConfigOf<'email', typeof schema>;

interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
}


/** The facts every rendering shows, in order. */
export function facts(e: AlertEvent, publicUrl?: string): [label: string, value: string | null][] {
  const link = eventLink(e, publicUrl);
  return [
    ['Severity', e.severity],
    ['Event', e.event],
    ['Credential', `${e.credential.id} (${e.credential.kind})`],
    ['Days left', e.daysLeft === null ? null : String(e.daysLeft)],
    ['Expires', dateOf(e.expiresAt)],
    ['Renew by', dateOf(e.renewBy)],
    ['Owner', e.credential.owner],
    ['Runbook', e.credential.runbook],
    ...(e.rotation ? [['Rotation', rotationLine(e.credential.id, e.rotation)] as [string, string]] : []),
    ...(link ? [['Status page', link] as [string, string]] : []),
  ];
}


function textBody(e: AlertEvent, publicUrl?: string): string {
  const rows = facts(e, publicUrl).map(([k, v]) => `${`${k}:`.padEnd(12)}${v ?? '-'}`);
  const reasons = e.reasons.length ? ['', 'Reasons:', ...e.reasons.map((r) => `- ${r}`)] : [];
  return [e.summary, '', ...rows, ...reasons, '', `Event id: ${e.id}`, `Occurred: ${e.occurredAt}`, ''].join('\n');
}

function htmlBody(e: AlertEvent, publicUrl?: string): string {
  const cell = (label: string, value: string | null) => {
    const shown =
      value === null ? '-' : (label === 'Runbook' || label === 'Status page') && /^https?:\/\//i.test(value) ? `<a href="${esc(value)}">${esc(value)}</a>` : esc(value);
    return `<tr><th align="left">${esc(label)}</th><td>${shown}</td></tr>`;
  };
  const reasons = e.reasons.length ? `<p><strong>Reasons</strong></p>\n<ul>${e.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>\n` : '';
  return (
    `<!doctype html>\n<html><body>\n<p>${esc(e.summary)}</p>\n` +
    `<table>${facts(e, publicUrl).map(([k, v]) => cell(k, v)).join('')}</table>\n` +
    reasons +
    `<p style="color:#666">Event id ${esc(e.id)} &middot; occurred ${esc(e.occurredAt)}</p>\n</body></html>\n`
  );
}

/** Pure: the message sent. The Message-ID is derived from the event id, so a retry is recognisably the same mail. */
export function render(e: AlertEvent, config: Pick<EmailConfig, 'from' | 'to'>, publicUrl?: string): EmailMessage {
  return {
    from: config.from,
    to: Array.isArray(config.to) ? config.to : [config.to],
    subject: `[credwatch] ${headline(e)}: ${e.credential.id}`,
    text: textBody(e, publicUrl),
    html: htmlBody(e, publicUrl),
    messageId: `<${createHash('sha256').update(e.id).digest('hex').slice(0, 32)}@credwatch>`,
    headers: { 'X-Credwatch-Event-Id': e.id },
  };
}

/** Pure: several events as one mail, worst first. Its Message-ID comes from the event ids, so a retry is the same mail. */
export function renderDigest(events: readonly AlertEvent[], config: Pick<EmailConfig, 'from' | 'to'>, publicUrl?: string): EmailMessage {
  const page = statusPageLink(publicUrl);
  const sorted = [...events].sort(byEventUrgency);
  const counts = digestCounts(sorted);
  const line = (e: AlertEvent) => `${headline(e)}: ${e.summary}`;
  const text = [
    `${sorted.length} credwatch alerts (${counts}), worst first:`,
    '',
    ...sorted.flatMap((e, i) => [
      `${i + 1}. ${line(e)}`,
      ...facts(e)
        .filter(([k, v]) => v !== null && k !== 'Severity' && k !== 'Event')
        .map(([k, v]) => `   ${`${k}:`.padEnd(12)}${v}`),
      `   Event id:   ${e.id}`,
      '',
    ]),
    ...(page ? [`Status page: ${page}`, ''] : []),
  ].join('\n');
  const row = (e: AlertEvent) => {
    const runbook = e.credential.runbook && /^https?:\/\//i.test(e.credential.runbook) ? `<a href="${esc(e.credential.runbook)}">runbook</a>` : esc(e.credential.runbook ?? '-');
    return (
      `<tr><td><strong>${esc(headline(e))}</strong></td><td>${esc(e.credential.id)} (${esc(e.credential.kind)})</td>` +
      `<td>${esc(e.summary)}</td><td>${e.daysLeft === null ? '-' : esc(String(e.daysLeft))}</td>` +
      `<td>${esc(e.credential.owner ?? '-')}</td><td>${runbook}</td></tr>`
    );
  };
  const html =
    `<!doctype html>\n<html><body>\n<p>${esc(`${sorted.length} credwatch alerts (${counts}), worst first:`)}</p>\n` +
    `<table>\n<tr><th align="left">Event</th><th align="left">Credential</th><th align="left">Summary</th><th align="left">Days left</th><th align="left">Owner</th><th align="left">Runbook</th></tr>\n` +
    sorted.map(row).join('\n') +
    `\n</table>\n` +
    (page ? `<p><a href="${esc(page)}">Status page</a></p>\n` : '') +
    `</body></html>\n`;
  const ids = sorted.map((e) => e.id);
  return {
    from: config.from,
    to: Array.isArray(config.to) ? config.to : [config.to],
    subject: `[credwatch] ${sorted.length} alerts: ${counts}`,
    text,
    html,
    messageId: `<${createHash('sha256').update([...ids].sort().join('\n')).digest('hex').slice(0, 32)}@credwatch>`,
    headers: { 'X-Credwatch-Digest': String(ids.length) },
  };
}

/** SMTP failures: authentication, rejected addresses or message, and TLS set-up need a person. */
function classifySmtpError(err: unknown, name: string, password?: Secret): NotifyError {
  const e = err as { code?: string; responseCode?: number; message?: string };
  // Belt and braces: a server that echoes what it got must not put the password in our logs.
  const pw = password?.reveal();
  const message = scrubSecrets(`email ${name}: ${e.message ?? 'send failed'}`, pw ? [pw] : []);
  const code = e.code ?? '';
  if (code === 'EAUTH') return new NotifyError(message, { code: 'smtp_auth', retryable: false });
  if (code === 'ETLS' || code === 'EREQUIRETLS') return new NotifyError(message, { code: 'smtp_tls', retryable: false });
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return new NotifyError(message, { code: 'smtp_rejected', retryable: false });
  if (code === 'ETIMEDOUT') return new NotifyError(message, { code: 'timeout', retryable: true });
  if (typeof e.responseCode === 'number') {
    const permanent = e.responseCode >= 500;
    return new NotifyError(message, { code: `smtp_${e.responseCode}`, retryable: !permanent, status: e.responseCode });
  }
  return new NotifyError(message, { code: 'connection', retryable: true });
}

const DEFAULT_PORT = { starttls: 587, implicit: 465, none: 25 } as const;

const schema = (h: SchemaHelpers) =>
  z.object({
    from: z.string().min(1, 'must not be empty'),
    to: z.union([z.string().min(1, 'must not be empty'), z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one address')]),
    smtp: z
      .strictObject({
        host: z.string().min(1, 'must not be empty'),
        port: z.number().int('must be a whole number').min(1, 'must be at least 1').max(65535, 'must be at most 65535').optional(),
        tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
        user: z.string().min(1, 'must not be empty').optional(),
        password: h.secret().optional(),
        /** Extra CA (PEM file) for a relay with a private certificate. */
        ca: h.file().optional(),
      })
      .superRefine((s, ctx) => {
        if (s.user && !s.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required with user (or passwordFile)' });
        if (s.password && !s.user) ctx.addIssue({ code: 'custom', path: ['user'], message: 'is required with password' });
      }),
    groupAbove: groupAboveField(),
  });

export const email: NotifierPlugin<EmailConfig> = {
  type: 'email',
  schema,
  send: (event, config, ctx) => deliver(render(event, config, ctx.publicUrl), config, ctx),
  sendDigest: (events, config, ctx) => deliver(renderDigest(events, config, ctx.publicUrl), config, ctx),
};

/** Sends one message over SMTP within the attempt's time; failures classified, the password never in an error. */
async function deliver(message: EmailMessage, config: EmailConfig, ctx: NotifyContext): Promise<void> {
  const s = config.smtp;
  let ca: Buffer | undefined;
  if (s.ca) {
    try {
      ca = readRegularFile(s.ca);
    } catch (err) {
      throw new NotifyError(`email ${config.name}: smtp.ca ${s.ca} ${readFailure(err)}`, { code: 'config', retryable: false });
    }
  }
  // AUTH PLAIN sends base64("\0user\0password"); a server that echoes it must not put it in a log.
  if (s.user && s.password) registerSecret(`\u0000${s.user}\u0000${s.password.reveal()}`);
  const nodemailer = (await import('nodemailer')).default;
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port ?? DEFAULT_PORT[s.tls],
    secure: s.tls === 'implicit',
    requireTLS: s.tls === 'starttls',
    ignoreTLS: s.tls === 'none',
    auth: s.user && s.password ? { user: s.user, pass: s.password.reveal() } : undefined,
    tls: ca ? { ca } : undefined,
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })), ctx.timeoutMs);
    });
    await Promise.race([transport.sendMail(message), timeout]);
  } catch (err) {
    throw classifySmtpError(err, config.name, s.password);
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}

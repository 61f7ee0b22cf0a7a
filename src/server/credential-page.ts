// Pure: one credential's page (`/credentials/ID`): its recorded state, its last 90 days as an
// inline SVG, and its events with where each went. No script; inline CSS only.
import type { Config } from '../config/schema.js';
import type { StoredResult, DailyHistory } from '../store/results.js';
import type { CredentialEventRow } from '../store/outbox.js';
import { credentialRef } from '../alerts/event.js';
import { daysLeft } from '../evaluate.js';
import { effectiveThresholds } from '../config/effective.js';
import { esc, safeHref } from '../html.js';
import { COLOURS, CSS } from './status-page.js';
import type { PageStatus } from './status-view.js';
import { CHART_CSS, renderHistoryChart } from './credential-chart.js';
import { isoDay } from '../iso-day.js';

const HISTORY_DAYS = 90;
const DAY_MS = 86_400_000;

interface CredentialPageInput {
  config: Config;
  id: string;
  /** The latest recorded result; undefined before the first check. */
  result: StoredResult | undefined;
  history: DailyHistory[];
  events: CredentialEventRow[];
  now: Date;
}

/** The first day the chart shows: HISTORY_DAYS days ending today (UTC). */
export function historyStart(now: Date, days = HISTORY_DAYS): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - (days - 1) * DAY_MS);
}

const day = (iso: string | null | undefined) => (iso ? isoDay(iso) : '—');
const when = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

const PAGE_CSS = `
.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:0}
.facts dt{color:var(--muted);font-size:13px}
.facts dd{margin:0;word-break:break-word}
.back{font-size:14px}
table.events td,table.events th{font-size:14px}
.deliv{display:inline-block;margin:0 6px 2px 0;padding:0 6px;border-radius:4px;border:1px solid var(--line);font-size:12px;white-space:nowrap}
.deliv.delivered{border-color:#1f883d}.deliv.failed{border-color:#cf222e;color:#cf222e}
@media (max-width:760px){.facts{grid-template-columns:1fr}.facts dt{margin-top:6px}table.events tr{border-left-color:var(--line)}}
`;

function eventRows(rows: CredentialEventRow[]): string {
  if (!rows.length) return '<p class="empty timeline">No alert events in this period.</p>';
  const body = rows
    .map((r) => {
      const e = r.event;
      const colour = e.event === 'resolved' ? COLOURS.ok : COLOURS[e.severity as PageStatus] ?? COLOURS.error;
      const deliveries = r.deliveries
        .map((d) => `<span class="deliv ${esc(d.status)}" title="${esc(d.lastErrorCode ?? '')}">${esc(d.notifier)}: ${esc(d.status)}${d.attempts > 1 ? ` ×${esc(d.attempts)}` : ''}</span>`)
        .join('');
      return `<tr data-event="${esc(e.id)}" style="--c:${colour}">
<td class="status" data-label="When"><span class="num">${esc(when(e.occurredAt))}</span></td>
<td data-label="Event"><span class="badge" style="background:${colour}">${esc(e.event === 'resolved' ? `resolved ${e.severity}` : `${e.event} ${e.severity}`)}</span></td>
<td class="main" data-label="Summary">${esc(e.summary)}</td>
<td data-label="Sent to">${deliveries || '<span class="muted">—</span>'}</td>
</tr>`;
    })
    .join('\n');
  return `<table class="events"><thead><tr><th>When</th><th>Event</th><th>Summary</th><th>Sent to</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function renderCredentialPage(p: CredentialPageInput): string {
  const cred = p.config.credentials.find((c) => c.id === p.id)!;
  const r = p.result;
  const status: PageStatus = r?.status ?? 'pending';
  const colour = COLOURS[status];
  const ref = credentialRef(cred, { id: cred.id, kind: cred.kind }, p.config);
  const left = r?.expiresAt ? daysLeft(new Date(r.expiresAt), p.now) : null;
  const overdue = r?.renewBy ? Date.parse(r.renewBy) <= p.now.getTime() : false;
  const runbook = safeHref(ref.runbook);
  const probe = r?.probe;
  const probeText = !probe
    ? 'no probe'
    : probe.ok
      ? `ok · HTTP ${probe.httpStatus ?? '—'} · ${Math.round(probe.latencyMs)} ms`
      : `failed at ${probe.stage}${probe.error ? `: ${probe.error.code} — ${probe.error.message}` : ''}`;
  const facts: [string, string][] = [
    ['Status', `<span class="badge" style="background:${colour}">${esc(status)}</span>`],
    ['Kind', esc(cred.kind)],
    ...(cred.environment ? ([['Environment', `<span class="env">${esc(cred.environment)}</span>`]] as [string, string][]) : []),
    ['Owner', ref.owner ? esc(ref.owner) : '<span class="muted">—</span>'],
    ['Runbook', runbook ? `<a href="${esc(runbook)}" rel="noopener noreferrer">${esc(ref.runbook)}</a>` : ref.runbook ? esc(ref.runbook) : '<span class="muted">—</span>'],
    ['Days left', left === null ? '—' : `<b class="num">${esc(left)}</b>`],
    ['Expires', `<span class="num">${esc(day(r?.expiresAt))}</span>`],
    ['Renew by', overdue ? `<span class="num overdue">${esc(day(r?.renewBy))} <small>overdue</small></span>` : `<span class="num">${esc(day(r?.renewBy))}</span>`],
    ['Last check', esc(when(r?.checkedAt))],
    ['Last probe', esc(probeText)],
    ...((r?.expiries ?? []).map((e) => [`Expiry: ${esc(e.source)}`, `<span class="num">${esc(day(e.expiresAt))}</span>`]) as [string, string][]),
    ...((r?.certificates ?? []).map((c) => [`Certificate: ${esc(c.source)}`, `${esc(c.subject || '(empty subject)')}<br><span class="muted small">issuer ${esc(c.issuer)} · serial ${esc(c.serial)} · ${esc(day(c.notBefore))} → ${esc(day(c.notAfter))}</span>`]) as [string, string][]),
  ];
  const reasons = (r?.reasons ?? ['not checked yet']).map((x) => `<li>${esc(x)}</li>`).join('');
  const from = historyStart(p.now);
  const chart = renderHistoryChart({
    from: isoDay(from),
    days: HISTORY_DAYS,
    history: p.history,
    ...effectiveThresholds(p.config, cred),
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.id)} · credwatch</title>
<style>${CSS}${CHART_CSS}${PAGE_CSS}</style>
</head>
<body>
<main data-credential="${esc(p.id)}">
<p class="back"><a href="/">← all credentials</a></p>
<header><h1>${esc(p.id)}</h1>${cred.description ? `<span class="muted">${esc(cred.description)}</span>` : ''}</header>
<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<h2>Reasons</h2>
<ul class="reasons" style="font-size:15px">${reasons}</ul>
<h2>Last ${HISTORY_DAYS} days</h2>
<div class="chart-wrap">${chart}</div>
<h2>Events</h2>
${eventRows(p.events)}
<p class="muted small">Badge: <a href="/badge/${encodeURIComponent(p.id)}.svg">/badge/${esc(p.id)}.svg</a> · page generated ${esc(when(p.now.toISOString()))}</p>
</main>
</body>
</html>
`;
}

// Pure: StatusView → one self-contained HTML document (inline CSS, no scripts, no external assets).
import { STATUSES } from '../types.js';
import { esc, safeHref } from '../html.js';
import { ackText } from '../ack.js';
import type { PageCredential, PageStatus, StatusView, TimelineEntry, ViewFilter } from './status-view.js';
import { DEFAULT_REFRESH_SECONDS as DEFAULT_REFRESH, refreshTags } from './refresh.js';
import { isoDay } from '../iso-day.js';

export const COLOURS: Record<PageStatus, string> = {
  ok: '#1f883d',
  warning: '#b07800',
  critical: '#e0580e',
  expired: '#cf222e',
  failing: '#8250df',
  error: '#57606a',
  pending: '#8c959f',
};

export const CSS = `
:root{color-scheme:light dark;--bg:#f6f8fa;--card:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1180px;margin:0 auto;padding:20px 16px 40px}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 16px;margin-bottom:14px}
h1{font-size:22px;margin:0}
h2{font-size:16px;margin:26px 0 10px}
.muted{color:var(--muted)}
.small{font-size:13px}
.pills{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 4px}
.pill{display:inline-flex;align-items:center;gap:6px;padding:3px 10px;border-radius:999px;background:var(--card);border:1px solid var(--line);font-size:13px}
.dot{width:10px;height:10px;border-radius:50%;display:inline-block;flex:none}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;color:#fff;font-size:12px;font-weight:600;letter-spacing:.02em;text-transform:uppercase}
table{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{padding:9px 10px;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:var(--bg)}
tbody tr:last-child td{border-bottom:0}
td.status{border-left:5px solid var(--c)}
.id{font-weight:600;word-break:break-all}
.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
.tab{font-variant-numeric:tabular-nums}
.days{font-size:17px;font-weight:700;color:var(--c)}
.reasons{margin:4px 0 0;padding:0;list-style:none;font-size:13px;color:var(--muted)}
.rotation,.next{margin-top:4px}
.ok{color:#1f883d}.bad{color:#cf222e}
.ack{margin-top:4px;color:#0969da}
a{color:#0969da}
@media (prefers-color-scheme:dark){a{color:#4493f8}}
.timeline{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 12px}
.tl{display:grid;grid-template-columns:7.5em 1fr;gap:4px 12px;align-items:center;padding:7px 0;border-bottom:1px solid var(--line)}
.tl:last-child{border-bottom:0}
.bar{height:8px;border-radius:4px;background:var(--c);min-width:6px}
.tl .what{grid-column:2;font-size:13px}
.empty{padding:14px;color:var(--muted)}
.env{display:inline-block;padding:0 7px;border-radius:4px;border:1px solid var(--line);font-size:12px;color:var(--muted);white-space:nowrap}
.overdue{display:inline-block;padding:1px 6px;border-radius:4px;background:#cf222e;color:#fff;font-weight:700}
.overdue small{font-weight:600;text-transform:uppercase;letter-spacing:.03em}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin:6px 0 0;font-size:13px}
.filters a,.filters b{padding:2px 9px;border-radius:999px;border:1px solid var(--line);text-decoration:none}
.filters b{background:var(--fg);color:var(--bg);border-color:var(--fg)}
a.id{color:inherit;text-decoration:none}a.id:hover{text-decoration:underline}
.bar.beyond{background:repeating-linear-gradient(90deg,var(--c) 0 10px,transparent 10px 14px)}
.stale-note{display:none;color:#cf222e;font-weight:600}
html.stale .stale-note{display:inline}
@media (max-width:760px){
  main{padding:14px 10px 30px}
  table,tbody{display:block;width:100%}
  thead{display:none}
  table{border:0;background:none}
  tr{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);background:var(--card);border:1px solid var(--line);border-left:6px solid var(--c);border-radius:8px;margin-bottom:10px;overflow:hidden}
  td{display:block;border:0;padding:6px 12px}
  td.status,td.main{grid-column:1/-1}
  td.status{border-left:0;padding:10px 12px 0}
  td.main{padding-top:4px;border-bottom:1px solid var(--line);padding-bottom:10px}
  td[data-label]::before{content:attr(data-label);display:block;color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em}
  td.status::before{display:none}
  .tl{grid-template-columns:6.5em 1fr}
}
`;

const day = (iso: string | null) => (iso ? isoDay(iso) : '—');
const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

function daysText(d: number | null): string {
  if (d === null) return '—';
  if (d < 0) return `${-d} d ago`;
  return `${d} d`;
}

function probeCell(c: PageCredential): string {
  const p = c.probe;
  if (!p) return '<span class="muted">no probe</span>';
  const verdict = p.ok ? '<span class="ok nowrap">✓ ok</span>' : `<span class="bad nowrap">✗ ${esc(p.error?.code ?? `stopped at ${p.stage}`)}</span>`;
  const http = p.httpStatus !== null ? ` · HTTP&nbsp;${esc(p.httpStatus)}` : '';
  const skipped = p.skipped === 'budget' ? '<br><span class="bad small">skipped: over budget</span>' : '';
  const spent = p.requestsThisMonth !== undefined ? `<br><span class="muted small tab">${esc(p.requestsThisMonth)} request${p.requestsThisMonth === 1 ? '' : 's'} this month</span>` : '';
  return `<div>${verdict}<span class="muted small tab"> · ${esc(Math.round(p.latencyMs))}&nbsp;ms${http}</span><br><span class="muted small tab">${esc(when(p.probedAt ?? c.checkedAt))}</span>${skipped}${spent}</div>`;
}

function runbookCell(url: string | null): string {
  if (!url) return '<span class="muted">—</span>';
  const href = safeHref(url);
  return href ? `<a href="${esc(href)}" rel="noopener noreferrer">runbook</a>` : `<span>${esc(url)}</span>`;
}

function envTag(c: PageCredential): string {
  return c.environment ? ` <span class="env" title="environment">${esc(c.environment)}</span>` : '';
}

/** A renew-by date that has passed stands out: renewal should already be under way. */
function renewByCell(c: PageCredential): string {
  if (!c.renewOverdue) return `<span class="num">${esc(day(c.renewBy))}</span>`;
  return `<span class="num overdue" title="renew-by date passed">${esc(day(c.renewBy))} <small>overdue</small></span>`;
}

const query = (f: ViewFilter, refresh?: number) => {
  const p = new URLSearchParams();
  if (f.environment) p.set('environment', f.environment);
  if (f.owner) p.set('owner', f.owner);
  if (refresh !== undefined) p.set('refresh', String(refresh));
  const q = p.toString();
  return q ? `?${q}` : '/';
};

/** Links that filter by environment and by owner; the current choice is shown, not linked. */
function filters(v: StatusView, refresh?: number): string {
  const group = (label: string, key: keyof ViewFilter, values: string[]) => {
    if (!values.length) return '';
    const current = v.filter[key];
    const item = (value: string | undefined, text: string) =>
      current === value ? `<b>${esc(text)}</b>` : `<a href="${esc(query({ ...v.filter, [key]: value }, refresh))}">${esc(text)}</a>`;
    return `<div class="filters" data-filter="${key}"><span class="muted">${esc(label)}:</span>${item(undefined, 'all')}${values.map((x) => item(x, x)).join('')}</div>`;
  };
  return group('Environment', 'environment', v.environments) + group('Owner', 'owner', v.owners);
}

/** The rotation pair and the next renewal step (`credwatch plan`), overdue marked. */
function renewalLines(c: PageCredential): string {
  const out: string[] = [];
  if (c.rotation) {
    const r = c.rotation;
    const pair = r.role === 'predecessor' ? `successor ${esc(r.peer)}` : `replaces ${esc(r.peer)}`;
    const overlap = r.overlapDaysLeft !== null ? ` · ${esc(r.overlapDaysLeft)} d overlap left` : '';
    out.push(`<div class="rotation small">rotation: ${pair} · <b>${esc(r.state)}</b>${overlap}</div>`);
  }
  if (c.next) {
    const overdue = c.next.overdue ? ' <b class="bad">overdue</b>' : '';
    out.push(`<div class="next small" data-overdue="${c.next.overdue}">next step: ${esc(c.next.step)} by ${esc(day(c.next.due))}${overdue}</div>`);
  }
  return out.join('');
}

function row(c: PageCredential): string {
  const colour = COLOURS[c.status];
  const reasons = c.reasons.length ? `<ul class="reasons">${c.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  const desc = c.description ? ` <span class="muted small">— ${esc(c.description)}</span>` : '';
  const ack = c.ack
    ? `<div class="ack small" data-ack>✓ ${esc(ackText(c.ack))} <span class="muted">(since ${esc(when(c.ack.at))}${c.ack.until ? `, until ${esc(when(c.ack.until))}` : ''})</span></div>`
    : '';
  return `<tr data-credential="${esc(c.id)}" style="--c:${colour}">
<td class="status" data-label="Status"><span class="badge" style="background:${colour}">${esc(c.status)}</span></td>
<td class="main"><div><a class="id" href="/credentials/${encodeURIComponent(c.id)}">${esc(c.id)}</a> <span class="muted small">${esc(c.kind)}</span>${envTag(c)}${desc}</div>${reasons}${ack}${renewalLines(c)}</td>
<td data-label="Days left"><span class="days num">${esc(daysText(c.daysLeft))}</span></td>
<td data-label="Expires"><span class="num">${esc(day(c.expiresAt))}</span></td>
<td data-label="Renew by">${renewByCell(c)}</td>
<td data-label="Last probe">${probeCell(c)}</td>
<td data-label="Owner"><span class="nowrap">${c.owner ? esc(c.owner) : '<span class="muted">—</span>'}</span></td>
<td data-label="Runbook"><span>${runbookCell(c.runbook)}</span></td>
</tr>`;
}

/** The timeline's scale ends here (a bit over a year: Clara projects and public certificates live less); anything later is drawn full width, dashed. */
const TIMELINE_CAP_DAYS = 400;

function timeline(entries: TimelineEntry[]): string {
  if (!entries.length) return '<div class="timeline"><div class="empty">No upcoming expiries recorded.</div></div>';
  // Capped: a ten-year root must not flatten the bars of what expires this quarter.
  const horizon = Math.min(TIMELINE_CAP_DAYS, Math.max(30, ...entries.map((e) => e.daysLeft)));
  const items = entries
    .map((e) => {
      const beyond = e.daysLeft > horizon;
      const width = beyond ? 100 : Math.max(1, Math.round((Math.max(e.daysLeft, 0) / horizon) * 100));
      return `<div class="tl" style="--c:${COLOURS[e.status]}"><span class="num">${esc(day(e.expiresAt))}</span><div class="bar${beyond ? ' beyond' : ''}" style="width:${width}%"${beyond ? ` title="beyond ${TIMELINE_CAP_DAYS} days"` : ''}></div>
<span class="what"><b>${esc(e.id)}</b> <span class="muted">${esc(e.source)} · in ${esc(e.daysLeft)} day${e.daysLeft === 1 ? '' : 's'}</span></span></div>`;
    })
    .join('\n');
  return `<div class="timeline">${items}</div>`;
}

interface StatusPageOptions {
  /** Seconds between in-place refreshes; 0 or absent: none. */
  refreshSeconds?: number;
}

export function renderStatusPage(v: StatusView, opts: StatusPageOptions = {}): string {
  const pills = STATUSES.map(
    (s) => `<span class="pill"><span class="dot" style="background:${COLOURS[s]}"></span>${esc(s)} <b>${esc(v.summary[s])}</b></span>`,
  ).join('');
  const pending = v.pending ? `<span class="pill"><span class="dot" style="background:${COLOURS.pending}"></span>not checked yet <b>${esc(v.pending)}</b></span>` : '';
  const rows = v.credentials.map(row).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>credwatch status</title>
<style>${CSS}</style>
${refreshTags(opts.refreshSeconds ?? 0)}
</head>
<body>
<main>
<header><h1>credwatch</h1><span class="muted small">last check ${esc(when(v.checkedAt))} · page generated ${esc(when(v.now))}</span><span class="stale-note small">· refresh failed, showing older data</span></header>
<div class="pills">${pills}${pending}</div>
${filters(v, opts.refreshSeconds === undefined || opts.refreshSeconds === DEFAULT_REFRESH ? undefined : opts.refreshSeconds)}
<h2>Credentials, most urgent first</h2>
<table>
<thead><tr><th>Status</th><th>Credential</th><th>Days left</th><th>Expires</th><th>Renew by</th><th>Last probe</th><th>Owner</th><th>Runbook</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Next expiries</h2>
${timeline(v.timeline)}
</main>
</body>
</html>
`;
}

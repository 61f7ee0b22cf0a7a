// Pure: StatusView → one self-contained HTML document (inline CSS, no scripts, no external assets).
import { STATUSES } from '../types.js';
import { esc, safeHref } from './html.js';
import { ackText } from '../ack.js';
import type { PageCredential, PageStatus, StatusView, TimelineEntry } from './status-view.js';

const COLOURS: Record<PageStatus, string> = {
  ok: '#1f883d',
  warning: '#b07800',
  critical: '#e0580e',
  expired: '#cf222e',
  failing: '#8250df',
  error: '#57606a',
  pending: '#8c959f',
};

const CSS = `
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

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');
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
<td class="main"><div><span class="id">${esc(c.id)}</span> <span class="muted small">${esc(c.kind)}</span>${desc}</div>${reasons}${ack}${renewalLines(c)}</td>
<td data-label="Days left"><span class="days num">${esc(daysText(c.daysLeft))}</span></td>
<td data-label="Expires"><span class="num">${esc(day(c.expiresAt))}</span></td>
<td data-label="Renew by"><span class="num">${esc(day(c.renewBy))}</span></td>
<td data-label="Last probe">${probeCell(c)}</td>
<td data-label="Owner"><span class="nowrap">${c.owner ? esc(c.owner) : '<span class="muted">—</span>'}</span></td>
<td data-label="Runbook"><span>${runbookCell(c.runbook)}</span></td>
</tr>`;
}

function timeline(entries: TimelineEntry[]): string {
  if (!entries.length) return '<div class="timeline"><div class="empty">No upcoming expiries recorded.</div></div>';
  const horizon = Math.max(30, ...entries.map((e) => e.daysLeft));
  const items = entries
    .map((e) => {
      const width = Math.max(1, Math.round((Math.max(e.daysLeft, 0) / horizon) * 100));
      return `<div class="tl" style="--c:${COLOURS[e.status]}"><span class="num">${esc(day(e.expiresAt))}</span><div class="bar" style="width:${width}%"></div>
<span class="what"><b>${esc(e.id)}</b> <span class="muted">${esc(e.source)} · in ${esc(e.daysLeft)} day${e.daysLeft === 1 ? '' : 's'}</span></span></div>`;
    })
    .join('\n');
  return `<div class="timeline">${items}</div>`;
}

export function renderStatusPage(v: StatusView): string {
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
</head>
<body>
<main>
<header><h1>credwatch</h1><span class="muted small">last check ${esc(when(v.checkedAt))} · page generated ${esc(when(v.now))}</span></header>
<div class="pills">${pills}${pending}</div>
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

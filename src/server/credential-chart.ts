// Pure: a credential's daily history → one inline SVG (no script, no external assets) with three
// panels on a shared day axis: days left, probe success, probe latency. Colours come from CSS
// variables of the page, so the chart follows light and dark mode.
import { esc } from '../html.js';
import type { DailyHistory } from '../store/results.js';
import { isoDay } from '../iso-day.js';

const W = 900;
const LEFT = 56;
const RIGHT = 12;
const PANEL = 84;
const GAP = 26;
const TOP = 18;
const DAY_MS = 86_400_000;

interface ChartInput {
  /** Oldest day shown (YYYY-MM-DD) and the number of days. */
  from: string;
  days: number;
  history: DailyHistory[];
  warningDays: number;
  criticalDays: number;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));

export function renderHistoryChart(c: ChartInput): string {
  const plotW = W - LEFT - RIGHT;
  const step = plotW / c.days;
  const start = Date.parse(`${c.from}T00:00:00Z`);
  const xOf = (day: string) => LEFT + Math.round(((Date.parse(`${day}T00:00:00Z`) - start) / DAY_MS) * step * 10) / 10;
  const inRange = c.history.filter((h) => {
    const i = (Date.parse(`${h.day}T00:00:00Z`) - start) / DAY_MS;
    return i >= 0 && i < c.days;
  });
  const panels: string[] = [];
  const panelTop = (i: number) => TOP + i * (PANEL + GAP);

  // 1. Days left: a step line, with the warning and critical thresholds.
  {
    const y0 = panelTop(0);
    const points = inRange.filter((h) => h.daysLeft !== null) as (DailyHistory & { daysLeft: number })[];
    const max = Math.max(c.warningDays + 5, ...points.map((p) => p.daysLeft));
    const min = Math.min(0, ...points.map((p) => p.daysLeft));
    const yOf = (v: number) => Math.round((y0 + PANEL - ((v - min) / (max - min || 1)) * PANEL) * 10) / 10;
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${xOf(p.day)},${yOf(p.daysLeft)}h${Math.max(1, Math.round(step * 10) / 10)}`).join('');
    const threshold = (v: number, cls: string, label: string) =>
      v <= max && v >= min ? `<line class="${cls}" x1="${LEFT}" x2="${W - RIGHT}" y1="${yOf(v)}" y2="${yOf(v)}"/><text class="axis" x="${W - RIGHT - 2}" y="${yOf(v) - 3}" text-anchor="end">${esc(label)}</text>` : '';
    panels.push(
      `<g class="panel" data-panel="days-left"><text class="label" x="${LEFT}" y="${y0 - 5}">days left</text>` +
        `<text class="axis" x="${LEFT - 6}" y="${y0 + 8}" text-anchor="end">${fmt(max)}</text><text class="axis" x="${LEFT - 6}" y="${y0 + PANEL}" text-anchor="end">${fmt(min)}</text>` +
        `<rect class="frame" x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL}"/>` +
        threshold(c.warningDays, 'warn', `warning ${c.warningDays}`) +
        threshold(c.criticalDays, 'crit', `critical ${c.criticalDays}`) +
        (path ? `<path class="days" d="${path}"/>` : `<text class="axis" x="${LEFT + 8}" y="${y0 + PANEL / 2}">no expiry recorded</text>`) +
        '</g>',
    );
  }

  // 2. Probe success: one bar per day, its height the share of probes that passed; red where any failed.
  {
    const y0 = panelTop(1);
    const bars = inRange
      .filter((h) => h.probes > 0)
      .map((h) => {
        // Green up to the share that passed, red above it for the share that failed.
        const okH = Math.round((h.probesOk / h.probes) * PANEL);
        const x = xOf(h.day);
        const w = Math.max(1, Math.round((step - 1) * 10) / 10);
        const tip = `<title>${esc(`${h.day}: ${h.probesOk} of ${h.probes} probes passed`)}</title>`;
        return (
          `<g data-day="${esc(h.day)}">${tip}` +
          (okH > 0 ? `<rect class="ok" x="${x}" y="${y0 + PANEL - okH}" width="${w}" height="${okH}"/>` : '') +
          (okH < PANEL ? `<rect class="bad" x="${x}" y="${y0}" width="${w}" height="${PANEL - okH}"/>` : '') +
          '</g>'
        );
      })
      .join('');
    panels.push(
      `<g class="panel" data-panel="probe-success"><text class="label" x="${LEFT}" y="${y0 - 5}">probe success</text>` +
        `<text class="axis" x="${LEFT - 6}" y="${y0 + 8}" text-anchor="end">100%</text><text class="axis" x="${LEFT - 6}" y="${y0 + PANEL}" text-anchor="end">0</text>` +
        `<rect class="frame" x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL}"/>` +
        (bars || `<text class="axis" x="${LEFT + 8}" y="${y0 + PANEL / 2}">no probes recorded</text>`) +
        '</g>',
    );
  }

  // 3. Latency: the day's mean, as a line.
  {
    const y0 = panelTop(2);
    const points = inRange.filter((h) => h.latencyMs !== null) as (DailyHistory & { latencyMs: number })[];
    const max = Math.max(10, ...points.map((p) => p.latencyMs));
    const yOf = (v: number) => Math.round((y0 + PANEL - (v / max) * PANEL) * 10) / 10;
    const half = Math.round((step / 2) * 10) / 10;
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${xOf(p.day) + half},${yOf(p.latencyMs)}`).join('');
    panels.push(
      `<g class="panel" data-panel="latency"><text class="label" x="${LEFT}" y="${y0 - 5}">probe latency (daily mean)</text>` +
        `<text class="axis" x="${LEFT - 6}" y="${y0 + 8}" text-anchor="end">${fmt(max)} ms</text><text class="axis" x="${LEFT - 6}" y="${y0 + PANEL}" text-anchor="end">0</text>` +
        `<rect class="frame" x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL}"/>` +
        (path ? `<path class="latency" d="${path}"/>` : `<text class="axis" x="${LEFT + 8}" y="${y0 + PANEL / 2}">no probes recorded</text>`) +
        '</g>',
    );
  }

  const height = panelTop(3) - GAP + 22;
  const lastDay = isoDay(new Date(start + (c.days - 1) * DAY_MS));
  const axis = `<text class="axis" x="${LEFT}" y="${height - 4}">${esc(c.from)}</text><text class="axis" x="${W - RIGHT}" y="${height - 4}" text-anchor="end">${esc(lastDay)}</text>`;
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-labelledby="chart-title" data-days="${c.days}" data-recorded-days="${inRange.length}" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="chart-title">${esc(`Last ${c.days} days: days left, probe success and latency`)}</title>` +
    panels.join('') +
    axis +
    '</svg>'
  );
}

/** The chart's styles, for the page's <style>. */
export const CHART_CSS = `
.chart-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px;background:var(--card)}
.chart{display:block;width:100%;height:auto}
@media (max-width:760px){.chart{min-width:680px}}
.chart text{font:11px system-ui,sans-serif;fill:var(--muted)}
.chart .label{fill:var(--fg);font-weight:600}
.chart .frame{fill:none;stroke:var(--line)}
.chart .days{fill:none;stroke:#0969da;stroke-width:2}
.chart .latency{fill:none;stroke:#8250df;stroke-width:2}
.chart .warn{stroke:#b07800;stroke-dasharray:4 3}
.chart .crit{stroke:#cf222e;stroke-dasharray:4 3}
.chart rect.ok{fill:#1f883d}
.chart rect.bad{fill:#cf222e}
@media (prefers-color-scheme:dark){.chart .days{stroke:#4493f8}.chart .latency{stroke:#ab7df8}}
`;

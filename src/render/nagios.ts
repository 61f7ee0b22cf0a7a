// Nagios / Icinga plugin output: one status line with perfdata; the exit code stays the usual one
// (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), which is already Nagios's convention.
import { byUrgency } from '../evaluate.js';
import { exitCodeFor, type CheckReport, type CredentialResult, type Status } from '../types.js';

const STATE = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

/** Thresholds as the credential is evaluated with them, for the perfdata's warn and crit. */
export type ThresholdsFor = (id: string) => { warningDays: number; criticalDays: number };

// A label is quoted; a quote inside it is doubled (plugin guidelines). `=` and `|` never occur in ids.
const label = (s: string) => `'${s.replace(/'/g, "''")}'`;
// The text part must not hold `|` (it starts perfdata) or a newline (the first line is the status).
const clean = (s: string) => s.replace(/\|/g, '/').replace(/[\r\n]+/g, ' ');

function perfdata(r: CredentialResult, thresholds: ThresholdsFor): string[] {
  const out: string[] = [];
  if (r.daysLeft !== null) {
    const t = thresholds(r.id);
    // Ranges are "alert when below": warning from daysLeft ≤ warningDays on, i.e. OK from warningDays + 1.
    out.push(`${label(`${r.id} days_left`)}=${r.daysLeft};${t.warningDays + 1}:;${t.criticalDays + 1}:`);
  }
  if (r.probe) {
    out.push(`${label(`${r.id} probe_ok`)}=${r.probe.ok ? 1 : 0};;1:;0;1`);
    out.push(`${label(`${r.id} probe_latency`)}=${(r.probe.latencyMs / 1000).toFixed(3)}s`);
  }
  return out;
}

/** One line: `CREDWATCH WARNING - 1 warning, 3 ok: soon: certificate expires in 19 days | perfdata`. */
export function renderNagios(report: CheckReport, thresholds: ThresholdsFor): string {
  const code = report.credentials.length ? exitCodeFor(report.credentials) : 3;
  const sorted = [...report.credentials].sort(byUrgency);
  const s = report.summary;
  const counts = (Object.keys(s) as Status[])
    .filter((k) => s[k] > 0)
    .reverse()
    .map((k) => `${s[k]} ${k}`)
    .join(', ');
  const bad = sorted.filter((r) => r.status !== 'ok').map((r) => `${r.id}: ${r.reasons[0] ?? r.status}`);
  const text = report.credentials.length
    ? `${counts}${bad.length ? `: ${bad.join('; ')}` : ''}`
    : 'no credential checked';
  const perf = sorted.flatMap((r) => perfdata(r, thresholds));
  return `CREDWATCH ${STATE[code]} - ${clean(text)}${perf.length ? ` | ${perf.join(' ')}` : ''}\n`;
}

import type { CheckReport, CredentialResult, Status } from '../types.js';
import { byUrgency } from '../evaluate.js';
import { isoDay } from '../iso-day.js';

const COLOURS: Record<Status, string> = {
  ok: '\x1b[32m',
  warning: '\x1b[33m',
  critical: '\x1b[31m',
  expired: '\x1b[1;31m',
  failing: '\x1b[35m',
  error: '\x1b[1;35m',
};
const RESET = '\x1b[0m';

const day = (iso: string | null) => (iso ? isoDay(iso) : '-');

function probeCell(r: CredentialResult): string {
  if (!r.probe) return '-';
  if (r.probe.skipped === 'budget') return 'skipped: budget';
  if (r.probe.ok) return `ok ${r.probe.latencyMs}ms`;
  return r.probe.error?.code ?? `failed at ${r.probe.stage}`;
}

/** "ready → clara-new", "switched ← clara-old": the pair's state and which way it goes. */
function rotationCell(r: CredentialResult): string {
  if (!r.rotation) return '-';
  return `${r.rotation.state} ${r.rotation.role === 'predecessor' ? '→' : '←'} ${r.rotation.peer}`;
}

/** A plain-text table, worst first; colours only when writing to a terminal. */
export function renderTable(report: CheckReport, colour: boolean): string {
  // The rotation column appears only when some credential is part of a rotation.
  const rotating = report.credentials.some((r) => r.rotation);
  const rows = [...report.credentials].sort(byUrgency).map((r) => [
    r.status,
    r.id,
    r.kind,
    day(r.expiresAt),
    r.daysLeft === null ? '-' : String(r.daysLeft),
    day(r.renewBy),
    probeCell(r),
    ...(rotating ? [rotationCell(r)] : []),
    r.reasons[0] ?? '',
  ]);
  const header = ['STATUS', 'CREDENTIAL', 'KIND', 'EXPIRES', 'DAYS', 'RENEW BY', 'PROBE', ...(rotating ? ['ROTATION'] : []), 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[], status?: Status) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        return i === 0 && status && colour ? COLOURS[status] + padded + RESET : padded;
      })
      .join('  ')
      .trimEnd();
  const s = report.summary;
  const counts = (Object.keys(s) as Status[]).filter((k) => s[k] > 0).map((k) => `${s[k]} ${k}`).join(', ');
  return [
    line(header),
    ...rows.map((r) => line(r, r[0] as Status)),
    '',
    `${report.credentials.length} credential${report.credentials.length === 1 ? '' : 's'} checked at ${report.checkedAt}: ${counts || 'none'}`,
    '',
  ].join('\n');
}

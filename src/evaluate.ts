// Pure: observations + thresholds + now → a credential's result. No I/O, no clock of its own.
import {
  STATUS_RANK,
  worstStatus,
  type CredentialResult,
  type ExpiryLevel,
  type Observation,
  type ProbeResult,
  type Status,
} from './types.js';
import { isoDay } from './iso-day.js';

export const DAY_MS = 86_400_000;

/** Every probe reason starts with this; the alert events split reasons by condition on it. */
export const PROBE_REASON_PREFIX = 'probe ';

export interface EvaluateInput {
  id: string;
  kind: string;
  observation: Observation;
  /** This cycle's probe, or null when none ran (kind without probe, `--no-probe`). */
  probe: ProbeResult | null;
  /** Consecutive failed probes recorded before this cycle. */
  previousProbeFailures: number;
  /**
   * The probe is an earlier cycle's result kept (`probe.interval`, `--no-probe`, budget): it is
   * shown and still explains the status, but is not a new success or failure for the streak.
   */
  probeKept?: boolean;
  /** This cycle's probe was not made: it would have passed `probe.budget`. */
  budgetSkip?: { used: number; budget: number } | null;
  warningDays: number;
  criticalDays: number;
  renewalLeadDays: number;
  failuresBeforeAlert: number;
  now: Date;
}

/** floor((expiresAt − now) / 24 h): 1 s before expiry is 0, 1 s after is −1. */
export function daysLeft(expiresAt: Date, now: Date): number {
  return Math.floor((expiresAt.getTime() - now.getTime()) / DAY_MS);
}

export function expiryLevel(expiresAt: Date, now: Date, warningDays: number, criticalDays: number): ExpiryLevel {
  if (now.getTime() >= expiresAt.getTime()) return 'expired';
  const left = daysLeft(expiresAt, now);
  if (left <= criticalDays) return 'critical';
  if (left <= warningDays) return 'warning';
  return 'ok';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * "expires in 12 days (2026-12-04)", "expires within 24 hours (…)", "expired 3 days ago (…)".
 * `expired` is passed separately because at the very instant of expiry daysLeft is still 0.
 */
export function describeExpiry(expiresAt: Date, left: number, expired = left < 0): string {
  const day = isoDay(expiresAt);
  if (expired) {
    // The same rounding as daysLeft (the table's DAYS column): −4 reads "expired 4 days ago".
    // Only the exact instant of expiry, where daysLeft is still 0, has no whole day to count.
    return left >= 0 ? `expired less than a day ago (${day})` : `expired ${plural(-left, 'day')} ago (${day})`;
  }
  if (left === 0) return `expires within 24 hours (${expiresAt.toISOString()})`;
  return `expires in ${plural(left, 'day')} (${day})`;
}

function expiryReason(source: string, expiresAt: Date, now: Date): string {
  return `${source} ${describeExpiry(expiresAt, daysLeft(expiresAt, now), now.getTime() >= expiresAt.getTime())}`;
}

/**
 * A reason and the status it sets (`ok` when it only explains, e.g. a later expiry that is fine,
 * or one failed probe below the alert threshold). Every stage that adds reasons says which level
 * each one is behind; `headlineFirst` then puts the one behind the final status first.
 */
interface Reason {
  status: Status;
  text: string;
}

/**
 * Reasons as the result carries them: worst status first, found order among equals. So
 * `reasons[0]` is the headline (table, alert summary) and it is the cause of the status.
 */
export function headlineFirst(reasons: readonly Reason[]): string[] {
  return reasons
    .map((r, i) => ({ r, i }))
    .sort((a, b) => STATUS_RANK[b.r.status] - STATUS_RANK[a.r.status] || a.i - b.i)
    .map(({ r }) => r.text);
}

const LEVEL_STATUS: Record<ExpiryLevel, Status> = { ok: 'ok', warning: 'warning', critical: 'critical', expired: 'expired' };
const worstLevel = (a: ExpiryLevel, b: ExpiryLevel): ExpiryLevel => (STATUS_RANK[a] >= STATUS_RANK[b] ? a : b);

export function evaluate(input: EvaluateInput): CredentialResult {
  const { observation: obs, now } = input;
  const reasons: Reason[] = [];

  // Expiries, earliest first: the earliest is the credential's expiry.
  const sorted = [...obs.expiries].sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
  let level: ExpiryLevel = 'ok';
  sorted.forEach((e, i) => {
    const l = expiryLevel(e.expiresAt, now, input.warningDays, input.criticalDays);
    level = worstLevel(level, l);
    // The earliest always explains the date; later ones only when they need attention themselves.
    if (i === 0 || l !== 'ok') reasons.push({ status: LEVEL_STATUS[l], text: expiryReason(e.label ?? e.source, e.expiresAt, now) });
  });
  const earliest = sorted[0];

  // Facts that are not dates.
  const labels = new Map(obs.expiries.map((e) => [e.source, e.label ?? e.source]));
  for (const c of obs.certificates) {
    const notBefore = new Date(c.notBefore);
    if (notBefore.getTime() > now.getTime()) {
      level = worstLevel(level, 'critical');
      reasons.push({ status: 'critical', text: `${labels.get(c.source) ?? c.source} is not valid until ${notBefore.toISOString()}` });
    }
  }
  for (const f of obs.findings) {
    level = worstLevel(level, f.level);
    reasons.push({ status: f.level, text: f.reason });
  }

  let status: Status = LEVEL_STATUS[level];
  if (obs.error) {
    status = 'error';
    // Not being able to look is itself something to act on.
    level = worstLevel(level, 'critical');
    reasons.push({ status: 'error', text: `could not inspect: ${obs.error.message}` });
  }

  // Probe: one blip is recorded; failuresBeforeAlert in a row makes the credential failing.
  let probeFailures = input.previousProbeFailures;
  const probe = input.probe;
  if (probe) {
    if (!input.probeKept) probeFailures = probe.ok ? 0 : input.previousProbeFailures + 1;
    if (!probe.ok) {
      const what = probe.error ? `${probe.error.code}: ${probe.error.message}` : `ended at stage ${probe.stage}`;
      if (probeFailures >= input.failuresBeforeAlert) {
        status = worstStatus(status, 'failing');
        reasons.push({ status: 'failing', text: `${PROBE_REASON_PREFIX}failing for ${probeFailures} consecutive check${probeFailures === 1 ? '' : 's'}: ${what}` });
      } else {
        reasons.push({ status: 'ok', text: `${PROBE_REASON_PREFIX}failed (${probeFailures} of ${input.failuresBeforeAlert} before alert): ${what}` });
      }
    }
  }

  // Never silent: a skipped probe makes the credential at least warning, and says why first when that is the status.
  if (input.budgetSkip) {
    const reason = `${PROBE_REASON_PREFIX}skipped: ${input.budgetSkip.used} of ${input.budgetSkip.budget} requests used this month`;
    status = worstStatus(status, 'warning');
    reasons.push({ status: 'warning', text: reason });
  }

  return {
    id: input.id,
    kind: input.kind,
    status,
    expiresAt: earliest ? earliest.expiresAt.toISOString() : null,
    daysLeft: earliest ? daysLeft(earliest.expiresAt, now) : null,
    renewBy: earliest ? new Date(earliest.expiresAt.getTime() - input.renewalLeadDays * DAY_MS).toISOString() : null,
    expiries: sorted.map((e) => ({ source: e.source, expiresAt: e.expiresAt.toISOString(), daysLeft: daysLeft(e.expiresAt, now) })),
    probe,
    reasons: headlineFirst(reasons),
    certificates: obs.certificates,
    levels: { expiry: level, probe: probeFailures >= input.failuresBeforeAlert ? 'failing' : 'ok' },
    probeFailures,
  };
}

/** Orders results worst first, then soonest expiry, then id: the order a person should read them. */
export function byUrgency(a: CredentialResult, b: CredentialResult): number {
  return (
    STATUS_RANK[b.status] - STATUS_RANK[a.status] ||
    (a.expiresAt ?? '9999').localeCompare(b.expiresAt ?? '9999') ||
    a.id.localeCompare(b.id)
  );
}

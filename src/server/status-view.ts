// Pure: config + recorded results + now → what the status page shows. No I/O.
import type { Config } from '../config/schema.js';
import { configFor } from '../config/derived-id.js';
import { byUrgency, daysLeft } from '../evaluate.js';
import { credentialRef } from '../alerts/event.js';
import type { Acknowledgement } from '../types.js';
import type { CheckReport, CredentialResult, ProbeResult, Rotation, Status, Summary } from '../types.js';
import { buildPlan, isOverdue, nextStep, type PlanStep } from '../plan.js';

export type PageStatus = Status | 'pending';

export interface PageCredential {
  id: string;
  kind: string;
  description: string | null;
  status: PageStatus;
  daysLeft: number | null;
  expiresAt: string | null;
  renewBy: string | null;
  checkedAt: string | null;
  probe: ProbeResult | null;
  owner: string | null;
  runbook: string | null;
  reasons: string[];
  /** Someone is on it (`credwatch ack`). */
  ack: Acknowledgement | null;
  rotation: Rotation | null;
  /** The credential's next renewal step (`credwatch plan`), null when all are done. */
  next: (PlanStep & { overdue: boolean }) | null;
}

export interface TimelineEntry {
  id: string;
  source: string;
  expiresAt: string;
  daysLeft: number;
  status: PageStatus;
}

export interface StatusView {
  now: string;
  checkedAt: string | null;
  summary: Summary;
  pending: number;
  credentials: PageCredential[];
  timeline: TimelineEntry[];
}

export const TIMELINE_LENGTH = 12;

type Recorded = CredentialResult & { checkedAt?: string };

function nextOf(plan: Parameters<typeof nextStep>[0] | undefined, now: Date): PageCredential['next'] {
  const step = plan ? nextStep(plan) : null;
  return step ? { ...step, overdue: isOverdue(step, now) } : null;
}

export function buildStatusView(config: Config, report: CheckReport, now: Date): StatusView {
  const byId = new Map<string, Recorded>(report.credentials.map((r) => [r.id, r as Recorded]));
  const checked = [...report.credentials].sort(byUrgency).map((r) => r.id);
  const unchecked = config.credentials.filter((c) => !byId.has(c.id)).map((c) => c.id);
  const configById = new Map(config.credentials.map((c) => [c.id, c]));
  const plans = new Map(buildPlan(config, report.credentials, now).credentials.map((p) => [p.id, p]));

  const credentials: PageCredential[] = [...checked, ...unchecked].map((id) => {
    const cred = configFor(configById, id)!;
    const r = byId.get(id);
    const ref = credentialRef(cred, { id, kind: cred.kind }, config);
    return {
      id,
      kind: cred.kind,
      description: cred.description ?? null,
      status: r?.status ?? 'pending',
      // Recomputed against `now` so an old recording still reads right between cycles.
      daysLeft: r?.expiresAt ? daysLeft(new Date(r.expiresAt), now) : null,
      expiresAt: r?.expiresAt ?? null,
      renewBy: r?.renewBy ?? null,
      checkedAt: r?.checkedAt ?? null,
      probe: r?.probe ?? null,
      // The same owner fallback (defaults.owner) as the alerts carry.
      owner: ref.owner,
      runbook: ref.runbook,
      reasons: r?.reasons ?? ['not checked yet'],
      ack: r?.ack ?? null,
      rotation: r?.rotation ?? null,
      next: nextOf(plans.get(id), now),
    };
  });

  const timeline: TimelineEntry[] = report.credentials
    .flatMap((r) =>
      r.expiries
        .filter((e) => Date.parse(e.expiresAt) > now.getTime())
        .map((e) => ({ id: r.id, source: e.source, expiresAt: e.expiresAt, daysLeft: daysLeft(new Date(e.expiresAt), now), status: r.status })),
    )
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id))
    .slice(0, TIMELINE_LENGTH);

  return {
    now: now.toISOString(),
    checkedAt: report.credentials.length ? report.checkedAt : null,
    summary: report.summary,
    pending: unchecked.length,
    credentials,
    timeline,
  };
}

// Pure: config + recorded results + now → what the status page shows. No I/O.
import type { Config } from '../config/schema.js';
import { configFor } from '../config/derived-id.js';
import { byUrgency, daysLeft } from '../evaluate.js';
import { credentialRef } from '../alerts/event.js';
import type { Acknowledgement } from '../types.js';
import { summarize, type CheckReport, type CredentialResult, type ProbeResult, type Rotation, type Status, type Summary } from '../types.js';
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
  environment: string | null;
  /** The renew-by date has passed (renewal should have started). */
  renewOverdue: boolean;
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
  /** The filters in force (`?environment=`, `?owner=`) and the values there are to choose from. */
  filter: ViewFilter;
  environments: string[];
  owners: string[];
}

export interface ViewFilter {
  environment?: string;
  owner?: string;
}

/** `?environment=production&owner=payments-team` → the filter; empty values mean no filter. */
export function parseViewFilter(params: URLSearchParams): ViewFilter {
  const f: ViewFilter = {};
  const env = params.get('environment');
  const owner = params.get('owner');
  if (env) f.environment = env;
  if (owner) f.owner = owner;
  return f;
}

const TIMELINE_LENGTH = 12;

type Recorded = CredentialResult & { checkedAt?: string };

function nextOf(plan: Parameters<typeof nextStep>[0] | undefined, now: Date): PageCredential['next'] {
  const step = plan ? nextStep(plan) : null;
  return step ? { ...step, overdue: isOverdue(step, now) } : null;
}

export function buildStatusView(config: Config, report: CheckReport, now: Date, filter: ViewFilter = {}): StatusView {
  const byId = new Map<string, Recorded>(report.credentials.map((r) => [r.id, r as Recorded]));
  const checked = [...report.credentials].sort(byUrgency).map((r) => r.id);
  const unchecked = config.credentials.filter((c) => !byId.has(c.id)).map((c) => c.id);
  const configById = new Map(config.credentials.map((c) => [c.id, c]));
  const plans = new Map(buildPlan(config, report.credentials, now).credentials.map((p) => [p.id, p]));

  const all: PageCredential[] = [...checked, ...unchecked].map((id) => {
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
      environment: cred.environment ?? null,
      // Past renew-by with no successor configured (a predecessor's successor is the renewal).
      renewOverdue: r?.renewBy ? Date.parse(r.renewBy) <= now.getTime() && r.rotation?.role !== 'predecessor' : false,
    };
  });
  const environments = [...new Set(all.flatMap((c) => (c.environment ? [c.environment] : [])))].sort();
  const owners = [...new Set(all.flatMap((c) => (c.owner ? [c.owner] : [])))].sort();
  const credentials = all.filter(
    (c) => (!filter.environment || c.environment === filter.environment) && (!filter.owner || c.owner === filter.owner),
  );
  const shown = new Set(credentials.map((c) => c.id));
  const filtered = filter.environment || filter.owner;
  const shownResults = filtered ? report.credentials.filter((r) => shown.has(r.id)) : report.credentials;

  const timeline: TimelineEntry[] = shownResults
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
    summary: filtered ? summarize(shownResults) : report.summary,
    pending: credentials.filter((c) => c.status === 'pending').length,
    credentials,
    timeline,
    filter,
    environments,
    owners,
  };
}

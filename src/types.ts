// Plain data that flows between the stages: inspect → evaluate → store → alerts → notifiers.
// Nothing here holds a secret; secrets live in config objects wrapped in `Secret`.
import type { ErrorInfo, InspectErrorCode, ProbeErrorCode } from './errors.js';

export const STATUSES = ['ok', 'warning', 'critical', 'expired', 'failing', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/** Worst wins: a credential's status is the highest-ranked of its findings. */
export const STATUS_RANK: Readonly<Record<Status, number>> = {
  ok: 0,
  warning: 1,
  critical: 2,
  expired: 3,
  failing: 4,
  error: 5,
};

export function worstStatus(a: Status, b: Status): Status {
  return STATUS_RANK[a] >= STATUS_RANK[b] ? a : b;
}

/** One instant at which something about a credential stops working. */
export interface Expiry {
  /** `project`, `certificate`, `token`, `secret`, `chain[1]`, … */
  source: string;
  expiresAt: Date;
  /** How reasons name it when `source` alone is not enough ("certificate 2 of 3 (CN=…)"). */
  label?: string;
}

/** What we keep of a certificate: identity and dates, never key material. */
export interface CertificateSummary {
  source: string;
  subject: string;
  issuer: string;
  serial: string;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
}

/** A fact about a credential that is not a date (key mismatch, loose permissions, …). */
export interface Finding {
  level: 'warning' | 'critical';
  reason: string;
}

export type ProbeErrorInfo = ErrorInfo<ProbeErrorCode>;

export type ProbeStage = 'tls' | 'token' | 'call';

export interface ProbeEntity {
  taxIdentifier: string;
  ok: boolean;
  httpStatus: number | null;
  error: ProbeErrorInfo | null;
}

/** Outcome of one live test call. Serialised as the contract's `probe` object. */
export interface ProbeResult {
  ok: boolean;
  stage: ProbeStage;
  httpStatus: number | null;
  latencyMs: number;
  tokenExpiresAt: string | null;
  error: ProbeErrorInfo | null;
  entities?: ProbeEntity[];
  /** Set when the server asked us to back off (429 Retry-After): no probe before this instant. */
  retryAfter?: string;
  /** When this probe ran (the run's clock); kept results keep theirs. Set by the cycle. */
  probedAt?: string;
  /** Set when this cycle's probe was not made because it would pass `probe.budget`. */
  skipped?: 'budget';
  /** Requests this credential's probes made in the calendar month (UTC) of the run's clock. */
  requestsThisMonth?: number;
}

/** `credwatch ack`: someone is on it; reminders stop until it ends. */
export interface Acknowledgement {
  by: string;
  note: string | null;
  at: string;
  until: string | null;
}

/** What a kind learned by looking at a credential. */
export interface Observation {
  expiries: Expiry[];
  findings: Finding[];
  certificates: CertificateSummary[];
  /** Set when the credential could not be inspected at all (missing file, bad PEM, bad JSON). */
  error?: ErrorInfo<InspectErrorCode>;
}

export const emptyObservation = (): Observation => ({ expiries: [], findings: [], certificates: [] });

/** A pair's rotation state (contract v2), from both credentials' results of the same cycle. */
const ROTATION_STATES = ['blocked', 'ready', 'switched', 'retired'] as const;
export type RotationState = (typeof ROTATION_STATES)[number];

/** The contract's `rotation` object: which side of a pair this credential is, and where the pair stands. */
export interface Rotation {
  role: 'predecessor' | 'successor';
  peer: string;
  state: RotationState;
  /** The predecessor's daysLeft while both are valid, else null. */
  overlapDaysLeft: number | null;
  switchedAt: string | null;
}

/** The per-condition levels the alert state machine works on. */
export type ExpiryLevel = 'ok' | 'warning' | 'critical' | 'expired';
export type ProbeLevel = 'ok' | 'failing';

/** A credential's evaluated state at one instant; the contract's result JSON plus internals. */
export interface CredentialResult {
  id: string;
  kind: string;
  status: Status;
  expiresAt: string | null;
  daysLeft: number | null;
  renewBy: string | null;
  expiries: { source: string; expiresAt: string; daysLeft: number }[];
  probe: ProbeResult | null;
  reasons: string[];
  /** Not part of the JSON contract: stored for history and rotation detection. */
  certificates: CertificateSummary[];
  /** Not part of the JSON contract: what the alert state machine reads. */
  levels: { expiry: ExpiryLevel; probe: ProbeLevel };
  /** Consecutive failed probes up to and including this one (0 when the last probe passed). */
  probeFailures: number;
  /** Set on both credentials of a rotation pair (src/rotation.ts); absent or null for the others. */
  rotation?: Rotation | null;
  /** Not part of the JSON contract: the rotation or renewal reason that raised the expiry level (the alert's summary). */
  expiryLead?: string;
  /** The active acknowledgement, read from the store (not part of evaluation). */
  ack?: Acknowledgement | null;
}

export interface Summary {
  ok: number;
  warning: number;
  critical: number;
  expired: number;
  failing: number;
  error: number;
}

export interface CheckReport {
  checkedAt: string;
  summary: Summary;
  credentials: CredentialResult[];
}

/** The contract's JSON for one credential (drops internals). */
function resultJson(r: CredentialResult) {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    expiresAt: r.expiresAt,
    daysLeft: r.daysLeft,
    renewBy: r.renewBy,
    expiries: r.expiries,
    probe: r.probe,
    reasons: r.reasons,
    rotation: r.rotation ?? null,
    ack: r.ack ?? null,
  };
}

export function reportJson(rep: CheckReport) {
  return { checkedAt: rep.checkedAt, summary: rep.summary, credentials: rep.credentials.map(resultJson) };
}

export function summarize(results: readonly { status: Status }[]): Summary {
  const s: Summary = { ok: 0, warning: 0, critical: 0, expired: 0, failing: 0, error: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** Exit code for a set of statuses: 0 ok, 1 warning, 2 anything worse. */
export function exitCodeFor(results: readonly { status: Status }[]): number {
  let code = 0;
  for (const r of results) {
    if (r.status === 'warning') code = Math.max(code, 1);
    else if (r.status !== 'ok') return 2;
  }
  return code;
}

// Pure: a machine decision + the credential's result → the contract's event JSON.
import type { Config, CredentialConfig } from '../config/schema.js';
import type { Acknowledgement, CredentialResult } from '../types.js';
import { ackText } from '../ack.js';
import { isRemovalReason } from '../config/derived-id.js';
import { describeExpiry, PROBE_REASON_PREFIX } from '../evaluate.js';
import type { EventDraft } from './machine.js';
import type { AlertEvent, Condition } from './types.js';
import { isoDay } from '../iso-day.js';

/** The credential's earliest expiry in words, as evaluation phrases it. */
function expiryPhrase(r: Pick<CredentialResult, 'expiresAt' | 'daysLeft'>): string | null {
  if (!r.expiresAt || r.daysLeft === null) return null;
  return describeExpiry(new Date(r.expiresAt), r.daysLeft);
}

// Each condition's events carry their own reasons; evaluation marks the probe's.
const isProbeReason = (reason: string) => reason.startsWith(PROBE_REASON_PREFIX);

function probeProblem(r: CredentialResult): string {
  const p = r.probe;
  if (!p || p.ok) return 'probe failing';
  return p.error ? `${p.error.code}: ${p.error.message}` : `probe ended at stage ${p.stage}`;
}

/** Why a condition resolved, in words: "renewed: now expires 2027-11-02". */
function resolvedWhy(draft: EventDraft, condition: Condition, r: CredentialResult): string {
  const rot = r.rotation;
  if (rot?.role === 'predecessor' && (rot.state === 'switched' || rot.state === 'retired')) return `rotated to ${rot.peer}`;
  if (condition === 'probe') return 'probe passes again';
  // A discovered file that is gone: nothing left to act on, and that is the news.
  const removal = r.reasons.find(isRemovalReason);
  if (removal) return removal;
  const expires = r.expiresAt ? `now expires ${isoDay(r.expiresAt)}` : null;
  if (draft.renewed === 'certificate') return `renewed (new certificate)${expires ? `: ${expires}` : ''}`;
  if (draft.renewed === 'expiry') return `renewed${expires ? `: ${expires}` : ''}`;
  return `no longer needs action${expires ? `: ${expires}` : ''}`;
}

/**
 * The expiry condition's headline: its first reason (evaluation puts the cause of the status
 * first), phrased as the expiry alone when that reason is the earliest expiry itself.
 */
function headline(r: CredentialResult): string {
  const first = r.reasons.find((x) => !isProbeReason(x));
  const phrase = expiryPhrase(r);
  if (first === undefined) return phrase ?? 'expiry unknown';
  return phrase !== null && first.endsWith(phrase) ? phrase : first;
}

function summaryFor(draft: EventDraft, condition: Condition, r: CredentialResult): string {
  const id = r.id;
  if (draft.event === 'resolved') return `${id}: resolved, ${resolvedWhy(draft, condition, r)}`;
  if (condition === 'probe') {
    const what = probeProblem(r);
    return draft.event === 'firing' ? `${id}: probe failing: ${what}` : `${id}: probe still failing: ${what}`;
  }
  // A blocked rotation or a missed renewal that raised the expiry level is the news; else the headline.
  const phrase = r.expiryLead ?? headline(r);
  if (draft.event === 'reminder') {
    return draft.mark !== null ? `${id}: reminder, ${phrase}${readyNote(r)}` : `${id}: still ${draft.severity}, ${phrase}${readyNote(r)}`;
  }
  if (draft.deescalated) {
    const how = draft.renewed ? 'renewed, but still' : 'better, now';
    return `${id}: ${how} ${draft.severity} (was ${draft.previous}), ${phrase}${readyNote(r)}`;
  }
  return `${id}: ${draft.severity}, ${phrase}${readyNote(r)}`;
}

/** While the predecessor is still in use, its expiry alerts say which successor is ready to take over. */
const readyNote = (r: CredentialResult) =>
  r.rotation?.role === 'predecessor' && r.rotation.state === 'ready' ? `; successor ${r.rotation.peer} is ready` : '';

function reasonsFor(draft: EventDraft, condition: Condition, r: CredentialResult): string[] {
  const own = r.reasons.filter((x) => (condition === 'probe' ? isProbeReason(x) : !isProbeReason(x)));
  if (draft.event === 'resolved') {
    const why = resolvedWhy(draft, condition, r);
    return [why, ...own.filter((x) => x !== why)];
  }
  if (condition === 'probe' && own.length === 0) return [probeProblem(r)];
  return own;
}

export function credentialRef(cred: Pick<CredentialConfig, 'owner' | 'runbook' | 'environment'> | undefined, r: { id: string; kind: string }, config: Pick<Config, 'defaults'>): AlertEvent['credential'] {
  const ref: AlertEvent['credential'] = {
    id: r.id,
    kind: r.kind,
    owner: cred?.owner ?? config.defaults.owner ?? null,
    runbook: cred?.runbook ?? null,
  };
  // Only when set: Alertmanager's `environment` label comes from here, so a resolve carries it too.
  if (cred?.environment) ref.environment = cred.environment;
  return ref;
}

interface BuildInput {
  draft: EventDraft;
  condition: Condition;
  result: CredentialResult;
  credential: CredentialConfig | undefined;
  config: Pick<Config, 'defaults'>;
  now: Date;
  /** The acknowledgement in force when this event happened: its words go with the event. */
  ack?: Acknowledgement | null;
}

/** The contract's event, exactly its keys, in its order. */
export function buildEvent({ draft, condition, result, credential, config, now, ack }: BuildInput): AlertEvent {
  const reasons = reasonsFor(draft, condition, result);
  return {
    id: draft.key,
    event: draft.event,
    severity: draft.severity,
    credential: credentialRef(credential, result, config),
    expiresAt: result.expiresAt,
    daysLeft: result.daysLeft,
    renewBy: result.renewBy,
    summary: summaryFor(draft, condition, result),
    reasons: ack ? [...reasons, ackText(ack)] : reasons,
    occurredAt: now.toISOString(),
    ...(result.rotation ? { rotation: result.rotation } : {}),
  };
}

/** `credwatch notify test NAME`: an event that is plainly a test, through the same render path. */
export function buildTestEvent(notifier: string, config: Pick<Config, 'defaults'>, now: Date): AlertEvent {
  return {
    id: `test:${notifier}:${now.toISOString()}`,
    event: 'test',
    severity: 'warning',
    credential: { id: 'credwatch-test', kind: 'test', owner: config.defaults.owner ?? null, runbook: null },
    expiresAt: null,
    daysLeft: null,
    renewBy: null,
    summary: `credwatch test notification through ${notifier}`,
    reasons: ['sent by `credwatch notify test`; no credential needs action'],
    occurredAt: now.toISOString(),
  };
}

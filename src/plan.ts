// Pure: config + recorded results + now → each credential's renewal as dated steps (contract v2).
// What `credwatch plan`, `GET /plan` and the status page show. No I/O.
import type { Config } from './config/schema.js';
import { credentialRef } from './alerts/event.js';
import { DAY_MS } from './evaluate.js';
import { rotationPairs } from './rotation.js';
import type { CredentialResult } from './types.js';
import { isoDay } from './iso-day.js';

const PLAN_STEPS = ['create-successor', 'verify-successor', 'switch', 'retire'] as const;
type PlanStepName = (typeof PLAN_STEPS)[number];

export interface PlanStep {
  step: PlanStepName;
  due: string | null;
  done: boolean;
}

interface PlanCredential {
  id: string;
  kind: string;
  owner: string | null;
  runbook: string | null;
  expiresAt: string | null;
  renewBy: string | null;
  successor: string | null;
  steps: PlanStep[];
}

interface Plan {
  generatedAt: string;
  credentials: PlanCredential[];
}

const DEFAULT_CRITICAL_DAYS = 7;

type Recorded = Pick<CredentialResult, 'id' | 'status' | 'expiresAt' | 'renewBy' | 'probe'>;

/** Verified: its latest probe passed; one without a probe once it is ok or warning. */
function verified(r: Recorded | undefined): boolean {
  if (!r) return false;
  if (r.probe) return r.probe.ok;
  return r.status === 'ok' || r.status === 'warning';
}

/** The first step not done, or null when all are. */
export function nextStep(c: PlanCredential): PlanStep | null {
  return c.steps.find((s) => !s.done) ?? null;
}

/** Not done and its due instant has come. */
export const isOverdue = (s: PlanStep, now: Date) => !s.done && s.due !== null && Date.parse(s.due) <= now.getTime();

// Code-unit order: ISO instants sort by time, and '~' after every digit (a locale would not).
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// Ordered by the first undone step's due; unknown dates after known ones, fully done last.
function orderKey(c: PlanCredential): string {
  const next = nextStep(c);
  if (!next) return '~';
  return next.due ?? '9999';
}

export function buildPlan(
  config: Pick<Config, 'credentials' | 'defaults' | 'thresholds'>,
  results: readonly Recorded[],
  now: Date,
  only?: readonly string[],
): Plan {
  const byId = new Map(results.map((r) => [r.id, r]));
  const pairs = rotationPairs(config);
  const successorOf = new Map(pairs.map((p) => [p.predecessor, p]));
  const wanted = only?.length ? new Set(only) : null;
  const t = now.getTime();

  const credentials = config.credentials
    .filter((c) => !wanted || wanted.has(c.id))
    .map((cred): PlanCredential => {
      const r = byId.get(cred.id);
      const pair = successorOf.get(cred.id);
      const expiresAt = r?.expiresAt ?? null;
      const renewBy = r?.renewBy ?? null;
      // Views built from a partial config (tests, old callers) fall back to the schema's default.
      const criticalDays = cred.thresholds?.criticalDays ?? config.thresholds?.criticalDays ?? DEFAULT_CRITICAL_DAYS;
      const switched = pair?.switchedAt ? pair.switchedAt.getTime() <= t : false;
      const ref = credentialRef(cred, { id: cred.id, kind: cred.kind }, config);
      return {
        id: cred.id,
        kind: cred.kind,
        owner: ref.owner,
        runbook: ref.runbook,
        expiresAt,
        renewBy,
        successor: pair?.successor ?? null,
        steps: [
          { step: 'create-successor', due: renewBy, done: pair !== undefined },
          { step: 'verify-successor', due: renewBy, done: pair !== undefined && verified(byId.get(pair.successor)) },
          { step: 'switch', due: expiresAt ? new Date(Date.parse(expiresAt) - criticalDays * DAY_MS).toISOString() : null, done: switched },
          { step: 'retire', due: expiresAt, done: switched && expiresAt !== null && t >= Date.parse(expiresAt) },
        ],
      };
    })
    .sort((a, b) => compare(orderKey(a), orderKey(b)) || compare(a.id, b.id));
  return { generatedAt: now.toISOString(), credentials };
}

const day = (iso: string | null) => (iso ? isoDay(iso) : '-');

/** The plan as text: one block per credential, a line per step, overdue ones marked. */
export function renderPlan(plan: Plan): string {
  const now = new Date(plan.generatedAt);
  const width = Math.max(...PLAN_STEPS.map((s) => s.length));
  const blocks = plan.credentials.map((c) => {
    const facts = [`expires ${day(c.expiresAt)}`, `renew by ${day(c.renewBy)}`, `successor ${c.successor ?? '-'}`];
    if (c.owner) facts.push(`owner ${c.owner}`);
    const lines = c.steps.map((s) => {
      const mark = s.done ? 'done' : isOverdue(s, now) ? 'OVERDUE' : 'todo';
      return `  ${mark.padEnd(7)}  ${s.step.padEnd(width)}  ${day(s.due)}`;
    });
    return [`${c.id} (${c.kind}): ${facts.join(', ')}`, ...lines].join('\n');
  });
  const overdue = plan.credentials.filter((c) => c.steps.some((s) => isOverdue(s, now))).length;
  const footer = `${plan.credentials.length} credential${plan.credentials.length === 1 ? '' : 's'} planned at ${plan.generatedAt}: ${overdue} with overdue steps`;
  return `${[...blocks, footer].join('\n\n')}\n`;
}

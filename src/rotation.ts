// Pure: a cycle's results + the rotation pairs + now → the same results with rotation applied.
// Follows the Clara renewal dance (create the successor, switch, let the old one expire) and the
// renewal-overdue rule. No I/O, no clock of its own: tested as a truth table.
import type { Config } from './config/schema.js';
import { daysLeft, PROBE_REASON_PREFIX } from './evaluate.js';
import { STATUS_RANK, worstStatus, type CredentialResult, type Rotation, type RotationState, type Status } from './types.js';
import { isoDay } from './iso-day.js';

/** One `replaces` link: the successor names its predecessor. */
export interface RotationPair {
  predecessor: string;
  successor: string;
  /** When the integration moved to the successor (its `switchedAt`), or null. */
  switchedAt: Date | null;
}

export function rotationPairs(config: Pick<Config, 'credentials'>): RotationPair[] {
  return config.credentials
    .filter((c) => c.replaces !== undefined)
    .map((c) => ({ predecessor: c.replaces!, successor: c.id, switchedAt: c.switchedAt ?? null }));
}

const at = (iso: string | null) => (iso === null ? null : Date.parse(iso));

const HEALTHY: ReadonlySet<Status> = new Set(['ok', 'warning']);

/** The reason behind a failing status is the probe's, wherever evaluation listed it. */
function statusReason(r: CredentialResult): string {
  const probe = r.status === 'failing' ? r.reasons.find((x) => x.startsWith(`${PROBE_REASON_PREFIX}failing`)) : undefined;
  return probe ?? r.reasons[0] ?? 'no reason recorded';
}

/** Why a successor cannot take over yet, in words; null when it is healthy. */
function blockedBecause(pred: Pick<CredentialResult, 'id' | 'expiresAt'> | undefined, succ: CredentialResult | undefined): string | null {
  if (!succ) return `it has not been checked yet`;
  if (!HEALTHY.has(succ.status)) return `it is ${succ.status}: ${statusReason(succ)}`;
  if (succ.probe && !succ.probe.ok) {
    const what = succ.probe.error ? `${succ.probe.error.code}: ${succ.probe.error.message}` : `ended at stage ${succ.probe.stage}`;
    return `its latest probe failed: ${what}`;
  }
  const pe = at(pred?.expiresAt ?? null);
  const se = at(succ.expiresAt);
  if (pe !== null && se !== null && se <= pe) return `it expires ${isoDay(succ.expiresAt!)}, no later than ${pred!.id} (${isoDay(pred!.expiresAt!)})`;
  return null;
}

interface PairOutcome {
  state: RotationState;
  /** Why the pair is blocked (null otherwise). */
  cause: string | null;
  /** switchedAt ≤ now. */
  switched: boolean;
  overlapDaysLeft: number | null;
}

/**
 * The pair's state from both results of the same cycle. A predecessor past its expiry after the
 * switch is retired whatever the successor does (it is never paged `expired`); otherwise an
 * unhealthy successor blocks, and a healthy one is ready until `switchedAt` has come.
 */
export function pairState(
  pred: Pick<CredentialResult, 'id' | 'expiresAt'> | undefined,
  succ: CredentialResult | undefined,
  pair: RotationPair,
  now: Date,
): PairOutcome {
  const t = now.getTime();
  const switched = pair.switchedAt !== null && pair.switchedAt.getTime() <= t;
  const pe = at(pred?.expiresAt ?? null);
  const se = at(succ?.expiresAt ?? null);
  const overlapDaysLeft = pe !== null && se !== null && t < pe && t < se ? daysLeft(new Date(pe), now) : null;
  const cause = blockedBecause(pred, succ);
  let state: RotationState;
  if (switched && pe !== null && t >= pe) state = 'retired';
  else if (cause !== null) state = 'blocked';
  else state = switched ? 'switched' : 'ready';
  return { state, cause: state === 'blocked' ? cause : null, switched, overlapDaysLeft };
}

// Reasons this module writes. The alert summary and the table lead with them when they set the status.
const blockedReason = (pred: string, cause: string) => `rotation of ${pred} blocked: ${cause}`;
const readyReason = (succ: string) => `successor ${succ} ready: switch the integration, then set switchedAt`;
const supersededReason = (succ: string, switchedAt: Date, expiresAt: string | null) =>
  `superseded by ${succ} (switched ${isoDay(switchedAt)})${expiresAt ? `, retires ${isoDay(expiresAt)}` : ''}`;
const retiredReason = (succ: string) => `retired: replaced by ${succ}`;
const overdueReason = (renewBy: string) => `renewal overdue since ${isoDay(renewBy)}: no successor configured`;

/** At least `warning`: the reason leads when it is what raised the status, and heads the expiry alert when it raised that. */
function atLeastWarning(r: CredentialResult, reason: string): CredentialResult {
  const raisesStatus = r.status === 'ok';
  const raisesLevel = STATUS_RANK[r.levels.expiry] < STATUS_RANK.warning;
  return {
    ...r,
    status: worstStatus(r.status, 'warning'),
    reasons: raisesStatus ? [reason, ...r.reasons] : [...r.reasons, reason],
    levels: raisesLevel ? { ...r.levels, expiry: 'warning' } : r.levels,
    ...(raisesLevel ? { expiryLead: reason } : {}),
  };
}

/**
 * Applies rotation and renewal-overdue to this cycle's results. `peers` holds the last recorded
 * result of credentials not in this cycle (`check --only` one side of a pair), so the pair's
 * state is still computed from both sides. States are computed from the results as evaluated,
 * before any of them is adjusted. Returns new objects; the inputs are not changed.
 */
export function applyRotation(
  results: readonly CredentialResult[],
  pairs: readonly RotationPair[],
  peers: ReadonlyMap<string, CredentialResult>,
  now: Date,
): CredentialResult[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  const lookup = (id: string) => byId.get(id) ?? peers.get(id);
  const asSuccessor = new Map<string, [RotationPair, PairOutcome]>();
  const asPredecessor = new Map<string, [RotationPair, PairOutcome]>();
  for (const pair of pairs) {
    if (!byId.has(pair.predecessor) && !byId.has(pair.successor)) continue;
    const outcome = pairState(lookup(pair.predecessor), lookup(pair.successor), pair, now);
    asSuccessor.set(pair.successor, [pair, outcome]);
    asPredecessor.set(pair.predecessor, [pair, outcome]);
  }
  const rotation = (pair: RotationPair, o: PairOutcome, role: Rotation['role']): Rotation => ({
    role,
    peer: role === 'predecessor' ? pair.successor : pair.predecessor,
    state: o.state,
    overlapDaysLeft: o.overlapDaysLeft,
    switchedAt: pair.switchedAt ? pair.switchedAt.toISOString() : null,
  });

  return results.map((original) => {
    let r: CredentialResult = { ...original, rotation: null };
    const s = asSuccessor.get(r.id);
    if (s) {
      const [pair, o] = s;
      r = { ...r, rotation: rotation(pair, o, 'successor') };
      // Before the switch a sick successor blocks the rotation; after it, it is the credential in use
      // and alerts as any credential does.
      if (o.state === 'blocked' && !o.switched) r = atLeastWarning(r, blockedReason(pair.predecessor, o.cause!));
    }
    const p = asPredecessor.get(r.id);
    if (p) {
      const [pair, o] = p;
      r = { ...r, rotation: rotation(pair, o, 'predecessor') };
      if (o.state === 'ready') r = { ...r, reasons: [...r.reasons, readyReason(pair.successor)] };
      if (o.state === 'switched' || o.state === 'retired') {
        // Out of use: nothing about it needs action any more, so every alert of it resolves.
        const lead = o.state === 'retired' ? retiredReason(pair.successor) : supersededReason(pair.successor, pair.switchedAt!, r.expiresAt);
        r = { ...r, status: 'ok', reasons: [lead, ...r.reasons], levels: { expiry: 'ok', probe: 'ok' } };
      }
    } else if (r.renewBy !== null && now.getTime() >= Date.parse(r.renewBy)) {
      r = atLeastWarning(r, overdueReason(r.renewBy));
    }
    return r;
  });
}

/** One line for notifiers: "clara-old → clara-new: ready, 12 days of overlap left". */
export function rotationLine(id: string, rot: Rotation): string {
  const [from, to] = rot.role === 'predecessor' ? [id, rot.peer] : [rot.peer, id];
  const parts = [`${from} → ${to}: ${rot.state}`];
  if (rot.switchedAt) parts.push(`switched ${isoDay(rot.switchedAt)}`);
  if (rot.overlapDaysLeft !== null) parts.push(`${rot.overlapDaysLeft} day${rot.overlapDaysLeft === 1 ? '' : 's'} of overlap left`);
  return parts.join(', ');
}

// The alert state machine: pure, `now` injected. One call per credential, condition and cycle,
// so at most one event each. Read DECISIONS top to bottom: the first row that matches decides.
import type { AlertState, ConditionInput, Level, MachineSettings, Severity } from './types.js';

type Decision = 'track' | 'fire' | 'resolve' | 'remind' | 'repeat' | 'silence' | 'none';

/** How a renewal was noticed: a later expiry, or a certificate fingerprint not seen before. */
type Renewal = 'expiry' | 'certificate';

/** Everything a row may look at, computed once from the previous state, the input and the clock. */
export interface Situation {
  /** No state yet: the first time this condition of this credential is seen. */
  first: boolean;
  /** Level last announced (`ok` when first). */
  was: Level;
  /** Level now. */
  level: Level;
  renewed: Renewal | null;
  /** The lowest `remindDays` mark passed since the last cycle (none after a renewal: no catch-up). */
  crossedMark: number | null;
  /** Still critical, expired or failing and `repeatHours` have passed since the last event. */
  repeatDue: boolean;
  /** Someone acknowledged the credential (`credwatch ack`) and it is still in force now. */
  acked?: boolean;
}

const RANK: Readonly<Record<Level, number>> = { ok: 0, warning: 1, failing: 1, critical: 2, expired: 3 };
const REPEATING: ReadonlySet<Level> = new Set(['critical', 'expired', 'failing']);
/** Anything but `ok` still asks someone to act (renew, or fix the probe). */
const needsAction = (level: Level) => level !== 'ok';
const worse = (s: Situation) => RANK[s.level] > RANK[s.was];
const better = (s: Situation) => RANK[s.level] < RANK[s.was];

export interface Row {
  when: string;
  test: (s: Situation) => boolean;
  then: Decision;
}

export const DECISIONS: readonly Row[] = [
  { when: 'first sight, nothing to act on',          test: (s) => s.first && !needsAction(s.level),     then: 'track' },
  { when: 'first sight, needs action (no catch-up)', test: (s) => s.first,                              then: 'fire' },
  { when: 'back to ok (renewed or fixed)',           test: (s) => needsAction(s.was) && !needsAction(s.level), then: 'resolve' },
  { when: 'worse than announced',                    test: (s) => worse(s),                             then: 'fire' },
  { when: 'better, but still needs action',          test: (s) => better(s) && needsAction(s.level),    then: 'fire' },
  // Acknowledged: reminders stay quiet, but the mark still counts as passed (no late reminder for it).
  { when: 'acknowledged, crossed a mark: silenced',   test: (s) => s.acked === true && s.crossedMark !== null, then: 'silence' },
  { when: 'acknowledged, repeat due: silenced',       test: (s) => s.acked === true && s.repeatDue,      then: 'silence' },
  { when: 'crossed a remindDays mark, same level',   test: (s) => s.crossedMark !== null,               then: 'remind' },
  { when: 'still critical/expired/failing, repeatHours passed', test: (s) => s.repeatDue,              then: 'repeat' },
  { when: 'nothing new',                             test: () => true,                                  then: 'none' },
];

export function decide(s: Situation): Row {
  return DECISIONS.find((row) => row.test(s))!;
}

/** What the event builder needs to know about the event the machine chose. */
export interface EventDraft {
  /** The event id: `<credential>:<condition>:<episode>:<what>`. Stable across restarts. */
  key: string;
  event: 'firing' | 'reminder' | 'resolved';
  severity: Severity;
  /** The level announced before this event. */
  previous: Level;
  renewed: Renewal | null;
  /** A firing at a lower level than announced (partial fix). */
  deescalated: boolean;
  /** The mark a reminder is for, or null for a repeat. */
  mark: number | null;
}

interface Step {
  row: Row;
  situation: Situation;
  next: AlertState;
  event: EventDraft | null;
}

/** The lowest mark at or above daysLeft: every mark from it up has been passed. */
export function coveredMark(daysLeft: number | null, remindDays: readonly number[]): number | null {
  if (daysLeft === null) return null;
  let covered: number | null = null;
  for (const m of remindDays) if (daysLeft <= m && (covered === null || m < covered)) covered = m;
  return covered;
}

function detectRenewal(prev: AlertState, input: ConditionInput): Renewal | null {
  if (prev.expiresAt && input.expiresAt && Date.parse(input.expiresAt) > Date.parse(prev.expiresAt)) return 'expiry';
  if (prev.fingerprints.length && input.fingerprints.some((f) => !prev.fingerprints.includes(f))) return 'certificate';
  return null;
}

const minMark = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

export function situation(prev: AlertState | null, input: ConditionInput, settings: MachineSettings, now: Date, acked = false): Situation {
  if (!prev) return { first: true, was: 'ok', level: input.level, renewed: null, crossedMark: null, repeatDue: false, acked };
  const renewed = detectRenewal(prev, input);
  const covered = coveredMark(input.daysLeft, settings.remindDays);
  const crossedMark = !renewed && covered !== null && (prev.mark === null || covered < prev.mark) ? covered : null;
  const since = prev.lastEventAt ? now.getTime() - Date.parse(prev.lastEventAt) : Infinity;
  const repeatDue = REPEATING.has(input.level) && input.level === prev.level && since >= settings.repeatHours * 3_600_000;
  return { first: false, was: prev.level, level: input.level, renewed, crossedMark, repeatDue, acked };
}

/**
 * One cycle for one condition: the next state and at most one event.
 * `idPrefix` (`<credential>:<condition>:`) makes the event ids global. `acked`: an acknowledgement
 * is in force (reminders and repeats are silenced; firings still go out).
 */
export function step(prev: AlertState | null, input: ConditionInput, settings: MachineSettings, now: Date, idPrefix = '', acked = false): Step {
  const s = situation(prev, input, settings, now, acked);
  const row = decide(s);
  const at = now.toISOString();
  const covered = coveredMark(input.daysLeft, settings.remindDays);
  const deescalated = !s.first && better(s);

  // A renewal or a de-escalation opens a new episode: marks and repeats start over, ids stay unique.
  const prevEpisode = prev?.episode ?? 0;
  const episode = prev ? prevEpisode + (s.renewed || (row.then === 'fire' && deescalated) ? 1 : 0) : 1;
  const sameEpisode = prev !== null && episode === prevEpisode;
  const base: AlertState = {
    level: input.level,
    episode,
    // Marks only go down within an episode; a fresh episode covers what is already passed.
    mark: sameEpisode ? minMark(prev.mark, covered) : covered,
    repeats: sameEpisode ? prev.repeats : 0,
    lastEventAt: prev?.lastEventAt ?? null,
    lastEventId: prev?.lastEventId ?? null,
    expiresAt: input.expiresAt ?? prev?.expiresAt ?? null,
    fingerprints: input.fingerprints.length ? input.fingerprints : (prev?.fingerprints ?? []),
  };
  const draft = (key: string, event: EventDraft['event'], severity: Severity, mark: number | null = null): EventDraft => ({
    key,
    event,
    severity,
    previous: s.was,
    renewed: s.renewed,
    deescalated,
    mark,
  });

  switch (row.then) {
    case 'track':
    case 'silence':
    case 'none':
      return { row, situation: s, next: base, event: null };
    case 'fire': {
      const severity = input.level as Severity;
      const key = `${idPrefix}${episode}:firing-${severity}`;
      return { row, situation: s, next: { ...base, lastEventAt: at, lastEventId: key }, event: draft(key, 'firing', severity) };
    }
    case 'resolve': {
      // The resolve belongs to the episode it ends; the next trouble starts a new one.
      const key = `${idPrefix}${prevEpisode}:resolved`;
      const next: AlertState = { ...base, level: 'ok', episode: prevEpisode + 1, mark: covered, repeats: 0, lastEventAt: null, lastEventId: null };
      return { row, situation: s, next, event: draft(key, 'resolved', s.was as Severity) };
    }
    case 'remind': {
      const mark = s.crossedMark!;
      const key = `${idPrefix}${episode}:reminder-${mark}d`;
      // A mark passed while still ok is a heads-up: it warns, but opens no alert.
      const severity: Severity = input.level === 'ok' ? 'warning' : (input.level as Severity);
      const next = input.level === 'ok' ? base : { ...base, lastEventAt: at, lastEventId: key };
      return { row, situation: s, next, event: draft(key, 'reminder', severity, mark) };
    }
    case 'repeat': {
      const repeats = base.repeats + 1;
      const key = `${idPrefix}${episode}:repeat-${input.level}-${repeats}`;
      return {
        row,
        situation: s,
        next: { ...base, repeats, lastEventAt: at, lastEventId: key },
        event: draft(key, 'reminder', input.level as Severity),
      };
    }
  }
}

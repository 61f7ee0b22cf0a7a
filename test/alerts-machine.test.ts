// The alert state machine as tables: one step per row, then whole lives of a credential.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coveredMark, decide, DECISIONS, step, type Situation } from '../src/alerts/machine.js';
import type { AlertState, ConditionInput, Level } from '../src/alerts/types.js';
import { daysLeft, expiryLevel } from '../src/evaluate.js';

const DAY = 86_400_000;
const T0 = new Date('2026-11-22T10:00:00.000Z');
const SETTINGS = { remindDays: [60, 30, 14, 7, 3, 1], repeatHours: 24 };
const iso = (d: Date) => d.toISOString();
const plus = (ms: number, from = T0) => new Date(from.getTime() + ms);

/** Expiry input for an expiry `left` days (exactly) after `now`. */
function expiry(left: number | null, o: { now?: Date; fps?: string[]; level?: Level; exp?: Date } = {}): ConditionInput {
  const now = o.now ?? T0;
  if (left === null) return { level: o.level ?? 'critical', daysLeft: null, expiresAt: null, fingerprints: o.fps ?? [] };
  const exp = o.exp ?? plus(left * DAY, now);
  return { level: o.level ?? expiryLevel(exp, now, 30, 7), daysLeft: daysLeft(exp, now), expiresAt: iso(exp), fingerprints: o.fps ?? [] };
}
const probe = (level: 'ok' | 'failing'): ConditionInput => ({ level, daysLeft: null, expiresAt: null, fingerprints: [] });

function state(o: Partial<AlertState> & { level: Level }): AlertState {
  return { episode: 1, mark: null, repeats: 0, lastEventAt: iso(plus(-DAY)), lastEventId: 'x', expiresAt: null, fingerprints: [], ...o };
}

const EXP20 = iso(plus(20 * DAY));
/** SETTINGS with the 14-day mark removed (a config edit between two cycles). */
const WITHOUT_14 = { ...SETTINGS, remindDays: SETTINGS.remindDays.filter((d) => d !== 14) };

// ---- One step per row: previous state, what is seen now, what must happen. ----
interface Row {
  name: string;
  prev: AlertState | null;
  input: ConditionInput;
  now?: Date;
  /** Settings of this step when they differ from SETTINGS. */
  settings?: typeof SETTINGS;
  decision: string;
  /** Event id suffix after `c:expiry:` and event type/severity, or null for no event. */
  event: [id: string, type: string, severity: string] | null;
  next?: Partial<AlertState>;
}

const ROWS: Row[] = [
  // first sight
  { name: 'first sight, ok: remember, say nothing', prev: null, input: expiry(100), decision: 'track', event: null, next: { level: 'ok', episode: 1, mark: null } },
  { name: 'first sight, ok but past 60: no catch-up reminder', prev: null, input: expiry(45), decision: 'track', event: null, next: { mark: 60 } },
  { name: 'first sight, warning: one firing, marks 60 and 30 covered', prev: null, input: expiry(20), decision: 'fire', event: ['1:firing-warning', 'firing', 'warning'], next: { level: 'warning', mark: 30 } },
  { name: 'first sight, critical: one firing, marks down to 7 covered', prev: null, input: expiry(5), decision: 'fire', event: ['1:firing-critical', 'firing', 'critical'], next: { mark: 7 } },
  { name: 'first sight, expired', prev: null, input: expiry(-2), decision: 'fire', event: ['1:firing-expired', 'firing', 'expired'], next: { mark: 1 } },
  { name: 'first sight, could not inspect (critical, no date)', prev: null, input: expiry(null), decision: 'fire', event: ['1:firing-critical', 'firing', 'critical'], next: { mark: null } },

  // escalation
  { name: 'ok → warning at 30 days', prev: state({ level: 'ok', mark: 60, expiresAt: iso(plus(30 * DAY)) }), input: expiry(30), decision: 'fire', event: ['1:firing-warning', 'firing', 'warning'], next: { mark: 30 } },
  { name: 'warning → critical', prev: state({ level: 'warning', mark: 14 }), input: expiry(7), decision: 'fire', event: ['1:firing-critical', 'firing', 'critical'], next: { mark: 7 } },
  { name: 'critical → expired', prev: state({ level: 'critical', mark: 1 }), input: expiry(-1), decision: 'fire', event: ['1:firing-expired', 'firing', 'expired'] },
  { name: 'warning → expired in one step', prev: state({ level: 'warning', mark: 14 }), input: expiry(-3), decision: 'fire', event: ['1:firing-expired', 'firing', 'expired'], next: { mark: 1 } },
  { name: 'ok → failing', prev: state({ level: 'ok', lastEventAt: null, lastEventId: null }), input: probe('failing'), decision: 'fire', event: ['1:firing-failing', 'firing', 'failing'] },

  // reminders at marks
  { name: 'ok, crossing 60: heads-up reminder, still no alert', prev: state({ level: 'ok', mark: null, lastEventAt: null, lastEventId: null }), input: expiry(60), decision: 'remind', event: ['1:reminder-60d', 'reminder', 'warning'], next: { level: 'ok', mark: 60, lastEventAt: null, lastEventId: null } },
  { name: 'warning, crossing 14', prev: state({ level: 'warning', mark: 30 }), input: expiry(14), decision: 'remind', event: ['1:reminder-14d', 'reminder', 'warning'], next: { mark: 14, lastEventAt: iso(T0) } },
  { name: 'critical, crossing 3', prev: state({ level: 'critical', mark: 7, lastEventAt: iso(plus(-3 * 3_600_000)) }), input: expiry(3), decision: 'remind', event: ['1:reminder-3d', 'reminder', 'critical'] },
  { name: 'critical, crossing 1', prev: state({ level: 'critical', mark: 3 }), input: expiry(1), decision: 'remind', event: ['1:reminder-1d', 'reminder', 'critical'] },
  { name: 'critical, crossing 3 with a repeat due too: one event, the mark', prev: state({ level: 'critical', mark: 7, lastEventAt: iso(plus(-48 * 3_600_000)) }), input: expiry(3), decision: 'remind', event: ['1:reminder-3d', 'reminder', 'critical'], next: { repeats: 0 } },
  { name: 'warning, 30 → 12 (a week without checks): one reminder, for 14', prev: state({ level: 'warning', mark: 30 }), input: expiry(12), decision: 'remind', event: ['1:reminder-14d', 'reminder', 'warning'], next: { mark: 14 } },
  { name: 'warning, no new mark', prev: state({ level: 'warning', mark: 14 }), input: expiry(12), decision: 'none', event: null, next: { mark: 14 } },
  // 14 removed from remindDays between two cycles: the covered mark is now 30, but a passed mark stays passed.
  { name: 'a mark dropped from config does not move marks up', prev: state({ level: 'warning', mark: 14 }), input: expiry(12), settings: WITHOUT_14, decision: 'none', event: null, next: { mark: 14 } },
  { name: 'a dropped mark sends no reminder when its day passes', prev: state({ level: 'warning', mark: 30 }), input: expiry(12), settings: WITHOUT_14, decision: 'none', event: null, next: { mark: 30 } },

  // repeats
  { name: 'warning does not repeat', prev: state({ level: 'warning', mark: 14, lastEventAt: iso(plus(-72 * 3_600_000)) }), input: expiry(12), decision: 'none', event: null },
  { name: 'critical, 23 h since the last event: wait', prev: state({ level: 'critical', mark: 7, lastEventAt: iso(plus(-23 * 3_600_000)) }), input: expiry(6), decision: 'none', event: null },
  { name: 'critical, 24 h since the last event: repeat', prev: state({ level: 'critical', mark: 7, lastEventAt: iso(plus(-24 * 3_600_000)) }), input: expiry(6), decision: 'repeat', event: ['1:repeat-critical-1', 'reminder', 'critical'], next: { repeats: 1, lastEventAt: iso(T0) } },
  { name: 'expired, 24 h: repeat (numbered on)', prev: state({ level: 'expired', mark: 1, repeats: 4 }), input: expiry(-2), decision: 'repeat', event: ['1:repeat-expired-5', 'reminder', 'expired'], next: { repeats: 5 } },
  { name: 'failing, 24 h: repeat', prev: state({ level: 'failing' }), input: probe('failing'), decision: 'repeat', event: ['1:repeat-failing-1', 'reminder', 'failing'] },
  { name: 'failing, 1 h: wait', prev: state({ level: 'failing', lastEventAt: iso(plus(-3_600_000)) }), input: probe('failing'), decision: 'none', event: null },

  // resolve
  { name: 'warning → ok by a later expiry: resolved (renewed), new episode', prev: state({ level: 'warning', mark: 14, expiresAt: EXP20 }), input: expiry(300), decision: 'resolve', event: ['1:resolved', 'resolved', 'warning'], next: { level: 'ok', episode: 2, mark: null, repeats: 0, lastEventAt: null, lastEventId: null } },
  { name: 'critical → ok by a new certificate (same date): resolved, keeps severity', prev: state({ level: 'critical', mark: 7, expiresAt: iso(plus(40 * DAY)), fingerprints: ['AA'] }), input: expiry(40, { fps: ['BB'] }), decision: 'resolve', event: ['1:resolved', 'resolved', 'critical'], next: { fingerprints: ['BB'], episode: 2 } },
  { name: 'expired → ok renewed', prev: state({ level: 'expired', mark: 1, expiresAt: iso(plus(-DAY)) }), input: expiry(365), decision: 'resolve', event: ['1:resolved', 'resolved', 'expired'] },
  { name: 'failing → ok: resolved, severity failing', prev: state({ level: 'failing' }), input: probe('ok'), decision: 'resolve', event: ['1:resolved', 'resolved', 'failing'], next: { episode: 2 } },
  { name: 'could not inspect → readable and fine: resolved', prev: state({ level: 'critical', expiresAt: null }), input: expiry(200), decision: 'resolve', event: ['1:resolved', 'resolved', 'critical'] },

  // de-escalation
  { name: 'critical → warning by a partial renewal: firing at warning, new episode', prev: state({ level: 'critical', mark: 7, repeats: 2, expiresAt: iso(plus(5 * DAY)) }), input: expiry(20), decision: 'fire', event: ['2:firing-warning', 'firing', 'warning'], next: { episode: 2, mark: 30, repeats: 0 } },
  { name: 'critical (could not inspect) → warning once readable: firing at warning', prev: state({ level: 'critical', expiresAt: null }), input: expiry(20), decision: 'fire', event: ['2:firing-warning', 'firing', 'warning'], next: { episode: 2 } },
  { name: 'expired → critical by a short renewal', prev: state({ level: 'expired', mark: 1, expiresAt: iso(plus(-DAY)) }), input: expiry(5), decision: 'fire', event: ['2:firing-critical', 'firing', 'critical'], next: { mark: 7 } },

  // renewal without a level change
  { name: 'warning → warning by a renewal to 25 days: no event, marks start over', prev: state({ level: 'warning', mark: 14, expiresAt: iso(plus(12 * DAY)) }), input: expiry(25), decision: 'none', event: null, next: { episode: 2, mark: 30 } },
  { name: 'ok → ok renewed: new episode, marks start over', prev: state({ level: 'ok', mark: 60, expiresAt: iso(plus(50 * DAY)) }), input: expiry(400), decision: 'none', event: null, next: { episode: 2, mark: null } },
  { name: 'no date this time (could not inspect) keeps the last known expiry', prev: state({ level: 'critical', mark: 7, expiresAt: iso(plus(5 * DAY)), fingerprints: ['AA'], lastEventAt: iso(T0) }), input: expiry(null), decision: 'none', event: null, next: { expiresAt: iso(plus(5 * DAY)), fingerprints: ['AA'], mark: 7 } },
];

for (const row of ROWS) {
  test(`machine: ${row.name}`, () => {
    const s = step(row.prev, row.input, row.settings ?? SETTINGS, row.now ?? T0, 'c:expiry:');
    assert.equal(s.row.then, row.decision, `decided by row "${s.row.when}"`);
    if (row.event === null) assert.equal(s.event, null);
    else {
      assert.ok(s.event, 'an event');
      assert.deepEqual([s.event.key, s.event.event, s.event.severity], [`c:expiry:${row.event[0]}`, row.event[1], row.event[2]]);
    }
    for (const [k, v] of Object.entries(row.next ?? {})) assert.deepEqual(s.next[k as keyof AlertState], v, `next.${k}`);
  });
}

test('machine: the decision table is read top to bottom and always decides', () => {
  const base: Situation = { first: false, was: 'warning', level: 'warning', renewed: null, crossedMark: null, repeatDue: false };
  assert.equal(decide(base).then, 'none');
  assert.equal(decide({ ...base, crossedMark: 14, repeatDue: true }).then, 'remind');
  assert.equal(decide({ ...base, level: 'ok', crossedMark: 60 }).then, 'resolve');
  assert.equal(DECISIONS.at(-1)!.then, 'none');
});

test('machine: a mark dropped from the settings between two cycles moves no mark up and is never sent', () => {
  const at = (days: number) => plus(days * DAY);
  const exp = at(20);
  const inputAt = (now: Date) => expiry(0, { now, exp });
  // Day 6 (14 left) with 14 configured: its reminder goes out and 14 is the mark.
  const first = step(state({ level: 'warning', mark: 30, expiresAt: iso(exp) }), inputAt(at(6)), SETTINGS, at(6), 'c:expiry:');
  assert.equal(first.event?.key, 'c:expiry:1:reminder-14d');
  assert.equal(first.next.mark, 14);
  // 14 is dropped; day 8 (12 left) now covers 30 only: the mark stays at 14, nothing is sent.
  const second = step(JSON.parse(JSON.stringify(first.next)) as AlertState, inputAt(at(8)), WITHOUT_14, at(8), 'c:expiry:');
  assert.equal(coveredMark(12, WITHOUT_14.remindDays), 30);
  assert.equal(second.row.then, 'none');
  assert.equal(second.event, null);
  assert.equal(second.next.mark, 14);
  // Day 13 (7 left): the next configured mark fires exactly once, as critical, in the same episode.
  const third = step(second.next, inputAt(at(13)), WITHOUT_14, at(13), 'c:expiry:');
  assert.equal(third.event?.key, 'c:expiry:1:firing-critical');
  assert.equal(third.next.mark, 7);
  // A life walked with 14 dropped from the start never sends reminder-14d.
  const days = Array.from({ length: 21 }, (_, i) => at(i));
  const ids = walk(days, inputAt, WITHOUT_14).map((e) => e.id);
  assert.ok(!ids.includes('1:reminder-14d'), ids.join(' '));
  assert.ok(walk(days, inputAt).some((e) => e.id === '1:reminder-14d'), 'with 14 configured, reminder-14d is sent');
});

test('machine: coveredMark is the lowest mark at or above days left', () => {
  const table: [number | null, number | null][] = [[null, null], [61, null], [60, 60], [59, 60], [30, 30], [8, 14], [7, 7], [0, 1], [-5, 1]];
  for (const [left, mark] of table) assert.equal(coveredMark(left, SETTINGS.remindDays), mark, `daysLeft ${left}`);
});

// ---- Whole lives: one cycle per instant, the state carried over as JSON (a restart every cycle). ----

function walk(instants: Date[], inputAt: (now: Date) => ConditionInput, settings = SETTINGS): { at: Date; id: string }[] {
  let prev: AlertState | null = null;
  const out: { at: Date; id: string }[] = [];
  for (const now of instants) {
    const s = step(prev, inputAt(now), settings, now, 'c:expiry:');
    if (s.event) out.push({ at: now, id: s.event.key.slice('c:expiry:'.length) });
    prev = JSON.parse(JSON.stringify(s.next)) as AlertState;
  }
  return out;
}

const EXPIRY = plus(65 * DAY); // 65 days after T0, at 10:00
const life = (now: Date) => expiry(0, { now, exp: EXPIRY });

test('machine: a credential\'s life, one check a day: every mark once, repeats while critical/expired', () => {
  const days = Array.from({ length: 68 }, (_, k) => plus(k * DAY));
  const got = walk(days, life).map((e) => `${Math.round((e.at.getTime() - T0.getTime()) / DAY)} ${e.id}`);
  assert.deepEqual(got, [
    '5 1:reminder-60d', // heads-up while still ok
    '35 1:firing-warning', // 30 days left
    '51 1:reminder-14d',
    '58 1:firing-critical', // 7 days left
    '59 1:repeat-critical-1',
    '60 1:repeat-critical-2',
    '61 1:repeat-critical-3',
    '62 1:reminder-3d',
    '63 1:repeat-critical-4',
    '64 1:reminder-1d',
    '65 1:firing-expired',
    '66 1:repeat-expired-5',
    '67 1:repeat-expired-6',
  ]);
});

test('machine: checking every 15 minutes sends exactly what checking once a day does', () => {
  // Days left round down, so "60 days left" starts just after 61 days remain: daily checks at 10:15 see each flip first.
  const daily = walk(Array.from({ length: 68 }, (_, k) => plus(k * DAY + 15 * 60_000)), life);
  const frequent = walk(Array.from({ length: 68 * 96 }, (_, k) => plus(k * 15 * 60_000)), life);
  const ids = [
    '1:reminder-60d', '1:firing-warning', '1:reminder-14d', '1:firing-critical', '1:repeat-critical-1', '1:repeat-critical-2',
    '1:repeat-critical-3', '1:reminder-3d', '1:repeat-critical-4', '1:reminder-1d', '1:repeat-critical-5', '1:firing-expired',
    '1:repeat-expired-6', '1:repeat-expired-7',
  ];
  assert.deepEqual(daily.map((e) => e.id), ids);
  assert.deepEqual(frequent.map((e) => e.id), ids);
  // …each at the first check after its flip (one quarter hour past the day), expiry exactly on time,
  // repeats 24 h after the event before them.
  const days = frequent.map((e) => (e.at.getTime() - T0.getTime()) / DAY);
  const q = 1 / 96;
  assert.deepEqual(days, [4 + q, 34 + q, 50 + q, 57 + q, 58 + q, 59 + q, 60 + q, 61 + q, 62 + q, 63 + q, 64 + q, 65, 66, 67]);
});

test('machine: renewed while critical, resolved, then the new expiry is walked fresh', () => {
  const renewedTo = plus(200 * DAY);
  const input = (now: Date) => (now.getTime() < plus(60 * DAY).getTime() ? expiry(0, { now, exp: EXPIRY }) : expiry(0, { now, exp: renewedTo }));
  const days = Array.from({ length: 200 }, (_, k) => plus(k * DAY));
  const got = walk(days, input).map((e) => `${Math.round((e.at.getTime() - T0.getTime()) / DAY)} ${e.id}`);
  assert.deepEqual(got, [
    '5 1:reminder-60d',
    '35 1:firing-warning',
    '51 1:reminder-14d',
    '58 1:firing-critical',
    '59 1:repeat-critical-1',
    '60 1:resolved', // renewed: 140 days left
    '140 2:reminder-60d',
    '170 2:firing-warning',
    '186 2:reminder-14d',
    '193 2:firing-critical',
    '194 2:repeat-critical-1',
    '195 2:repeat-critical-2',
    '196 2:repeat-critical-3',
    '197 2:reminder-3d',
    '198 2:repeat-critical-4',
    '199 2:reminder-1d',
  ]);
});

test('machine: a flapping probe resolves and re-fires in new episodes, never reusing an id', () => {
  const pattern: ('ok' | 'failing')[] = ['ok', 'failing', 'failing', 'ok', 'failing', 'ok', 'ok', 'failing'];
  let prev: AlertState | null = null;
  const ids: string[] = [];
  pattern.forEach((level, k) => {
    const s = step(prev, probe(level), SETTINGS, plus(k * 3_600_000), 'c:probe:');
    if (s.event) ids.push(s.event.key);
    prev = s.next;
  });
  assert.deepEqual(ids, ['c:probe:1:firing-failing', 'c:probe:1:resolved', 'c:probe:2:firing-failing', 'c:probe:2:resolved', 'c:probe:3:firing-failing']);
});

test('machine: a random walk of expiries, renewals and gaps never repeats an event id and sends at most one per cycle', () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let run = 0; run < 50; run++) {
    let prev: AlertState | null = null;
    let now = T0;
    let exp = plus(Math.floor(rand() * 90) * DAY);
    let fps = ['A0'];
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      now = plus(Math.floor(rand() * 48) * 3_600_000, now);
      const r = rand();
      if (r < 0.03) exp = plus(Math.floor(rand() * 120) * DAY, now); // renewal (or a replacement that expires sooner)
      else if (r < 0.05) fps = [`F${i}`];
      const input = rand() < 0.05 ? expiry(null, { now }) : expiry(0, { now, exp, fps });
      const s = step(prev, input, SETTINGS, now, 'c:expiry:');
      if (s.event) {
        assert.ok(!seen.has(s.event.key), `run ${run}: ${s.event.key} sent twice`);
        seen.add(s.event.key);
      }
      prev = JSON.parse(JSON.stringify(s.next)) as AlertState;
    }
  }
});

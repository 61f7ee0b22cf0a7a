import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, openDatabase, readMigrations } from '../src/store/db.js';
import { lastCheck, latestCheckId, latestResults, pruneHistory, recordCheck, recordCheckInSlices, resultHistory } from '../src/store/results.js';
import { summarize, type CheckReport, type CredentialResult } from '../src/types.js';
import { tempDir } from './helpers/cli.js';

function result(id: string, status: CredentialResult['status'], expiresAt = '2027-01-05T00:00:00.000Z'): CredentialResult {
  return {
    id,
    kind: 'x509',
    status,
    expiresAt,
    daysLeft: 44,
    renewBy: '2026-12-22T00:00:00.000Z',
    expiries: [{ source: 'certificate', expiresAt, daysLeft: 44 }],
    probe: null,
    reasons: ['certificate expires in 44 days (2027-01-05)'],
    certificates: [{ source: 'certificate', subject: 'CN=x', issuer: 'CN=ca', serial: '0A', fingerprint256: 'AB:CD', notBefore: '2026-01-01T00:00:00.000Z', notAfter: expiresAt }],
    levels: { expiry: status === 'warning' ? 'warning' : 'ok', probe: 'ok' },
    probeFailures: 0,
  };
}

const report = (checkedAt: string, results: CredentialResult[]): CheckReport => ({ checkedAt, summary: summarize(results), credentials: results });

test('migrations on a fresh file: folder created, WAL mode, every migration recorded once', () => {
  const t = tempDir();
  try {
    const file = t.path('nested', 'dir', 'credwatch.db');
    const db = openDatabase(file);
    const versions = readMigrations().map((m) => m.version);
    assert.deepEqual(versions.slice(0, 1), [1]);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    assert.deepEqual(applied.map((r) => r.version), versions);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    for (const name of ['checks', 'latest_results', 'results', 'schema_migrations']) assert.ok(tables.includes(name), name);
    db.close();
    // Reopening applies nothing again.
    const again = new Database(file);
    assert.deepEqual(migrate(again), []);
    again.close();
  } finally {
    t.cleanup();
  }
});

test('every foreign key\'s child column leads an index: deleting a parent row never scans the child table', () => {
  // Retention deletes checks and results rows every cycle; SQLite finds the rows that reference each
  // one by the child's column (ON DELETE CASCADE, the integrity check, the "none left" test).
  const db = openDatabase(':memory:');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  const keys: string[] = [];
  for (const table of tables) {
    const leading = new Set(
      (db.prepare(`PRAGMA index_list(${table})`).all() as { name: string }[]).map((i) => (db.prepare(`PRAGMA index_info(${i.name})`).all() as { name: string }[])[0]!.name),
    );
    for (const fk of db.prepare(`PRAGMA foreign_key_list(${table})`).all() as { from: string; table: string }[]) {
      keys.push(`${table}.${fk.from} -> ${fk.table}: ${leading.has(fk.from) ? 'indexed' : 'not indexed'}`);
    }
  }
  assert.deepEqual(keys.sort(), [
    'deliveries.event_seq -> alert_events: indexed',
    'latest_results.result_id -> results: indexed',
    'results.check_id -> checks: indexed',
  ]);
  db.close();
});

test('a failing migration rolls back whole and is not recorded', () => {
  const db = new Database(':memory:');
  const bad = [{ version: 1, name: 'init', sql: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);' }];
  assert.throws(() => migrate(db, bad), /already exists/);
  assert.equal((db.prepare("SELECT count(*) n FROM sqlite_master WHERE name = 'a'").get() as { n: number }).n, 0);
  assert.equal((db.prepare('SELECT count(*) n FROM schema_migrations').get() as { n: number }).n, 0);
  db.close();
});

test('results are recorded per check and read back as the latest per credential', () => {
  const t = tempDir();
  try {
    const db = openDatabase(t.path('c.db'));
    recordCheck(db, report('2026-11-20T00:00:00.000Z', [result('a', 'ok'), result('b', 'ok')]), { startedAt: new Date(), durationMs: 5 });
    recordCheck(db, report('2026-11-21T00:00:00.000Z', [result('a', 'warning')]), { startedAt: new Date(), durationMs: 5 });
    const latest = latestResults(db);
    assert.equal(latest.get('a')!.status, 'warning');
    assert.equal(latest.get('a')!.checkedAt, '2026-11-21T00:00:00.000Z');
    assert.equal(latest.get('b')!.checkedAt, '2026-11-20T00:00:00.000Z');
    assert.deepEqual(latest.get('a')!.certificates[0], result('a', 'ok').certificates[0]);
    assert.deepEqual([...latestResults(db, ['b']).keys()], ['b']);
    assert.deepEqual(resultHistory(db, 'a').map((r) => r.status), ['warning', 'ok']);
    db.close();
  } finally {
    t.cleanup();
  }
});

test('retention prunes old history but never a credential\'s latest result', () => {
  const t = tempDir();
  try {
    const db = openDatabase(t.path('c.db'));
    recordCheck(db, report('2025-01-01T00:00:00.000Z', [result('a', 'ok'), result('gone', 'ok')]), { startedAt: new Date(), durationMs: 1 });
    recordCheck(db, report('2026-11-20T00:00:00.000Z', [result('a', 'ok')]), { startedAt: new Date(), durationMs: 1 });
    assert.equal(pruneHistory(db, new Date('2025-10-16T00:00:00.000Z')), 1);
    assert.deepEqual(resultHistory(db, 'a').length, 1);
    assert.equal(latestResults(db).get('gone')!.checkedAt, '2025-01-01T00:00:00.000Z');
    db.close();
  } finally {
    t.cleanup();
  }
});

test('a large cycle recorded in slices: readers see the previous check until the last slice, then all of it', async () => {
  const t = tempDir();
  try {
    const db = openDatabase(t.path('c.db'));
    const ids = Array.from({ length: 2500 }, (_, i) => `c${i}`);
    const firstId = await recordCheckInSlices(db, report('2026-11-20T00:00:00.000Z', ids.map((id) => result(id, 'ok'))), { startedAt: new Date(), durationMs: 5 }, () => undefined);
    assert.equal(latestCheckId(db), firstId);
    const seen: { check: number; checkedAt: string | undefined; warning: number }[] = [];
    let calls = 0;
    const pause = () => {
      // Every 250 results (two slices are in by the end), what a reader (the /status cache, `credwatch status`) would see.
      if (++calls % 250 === 0) {
        const warning = [...latestResults(db).values()].filter((r) => r.status === 'warning').length;
        seen.push({ check: latestCheckId(db), checkedAt: lastCheck(db)?.checkedAt, warning });
      }
      return Promise.resolve();
    };
    const secondId = await recordCheckInSlices(db, report('2026-11-21T00:00:00.000Z', ids.map((id) => result(id, 'warning'))), { startedAt: new Date(), durationMs: 5 }, pause);
    assert.equal(seen.length, 10);
    assert.ok(seen.every((s) => s.check === firstId && s.checkedAt === '2026-11-20T00:00:00.000Z' && s.warning === 0), JSON.stringify(seen.find((s) => s.check !== firstId || s.warning !== 0)));
    assert.equal(latestCheckId(db), secondId);
    assert.equal(lastCheck(db)?.checkedAt, '2026-11-21T00:00:00.000Z');
    const latest = latestResults(db);
    assert.equal(latest.size, 2500);
    assert.ok([...latest.values()].every((r) => r.status === 'warning' && r.checkedAt === '2026-11-21T00:00:00.000Z'));
    assert.deepEqual(resultHistory(db, 'c2499').map((r) => r.status), ['warning', 'ok']);
    db.close();
  } finally {
    t.cleanup();
  }
});

// The HTTP layer against a real socket with a stub context: status codes, headers, 503 reasons,
// and the database write probe on a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger } from '../src/log.js';
import { openDatabase } from '../src/store/db.js';
import { Secret } from '../src/secret.js';
import { assessHealth, type HealthReport } from '../src/server/health.js';
import { probeDatabaseWrite } from '../src/store/db.js';
import { startServer, type ServerContext } from '../src/server/server.js';

test('database write probe: passes on the real database, fails on a read-only connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-health-'));
  try {
    const file = join(dir, 'cw.db');
    const db = openDatabase(file);
    assert.equal(probeDatabaseWrite(db), null);
    assert.equal(db.inTransaction, false, 'the probe rolls back');
    const ro = new Database(file, { readonly: true });
    assert.match(probeDatabaseWrite(ro) ?? '', /readonly/);
    ro.close();
    db.close();
    assert.equal(probeDatabaseWrite(db), 'database is closed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('routes: 503 with reasons, 401/200 with a token, 404, 405, page headers', async () => {
  let health: HealthReport = assessHealth({ schedulerRunning: true, deadline: Date.now() + 60_000, lastCycleFinishedAt: null, databaseError: null, now: Date.now() });
  const config = {
    server: { listen: '127.0.0.1:0', token: new Secret('tkn') },
    defaults: { notify: [] },
    credentials: [{ id: 'a', kind: 'static', renewalLeadDays: 14 }],
  } as any;
  const ctx: ServerContext = {
    config: () => config,
    report: () => ({ checkedAt: new Date(0).toISOString(), summary: { ok: 0, warning: 0, critical: 0, expired: 0, failing: 0, error: 0 }, credentials: [] }),
    health: () => health,
    metrics: () => ({ credentials: [], notifications: [], outboxBacklog: 0, lastCycle: null, cycles: { ok: 0, failed: 0 } }),
    log: createLogger({ destination: process.stderr, pretty: false, level: 'silent' }),
  };
  const server = await startServer(ctx, '127.0.0.1:0');
  const base = `http://127.0.0.1:${server.address.port}`;
  const bearer = { authorization: 'Bearer tkn' };
  try {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    health = assessHealth({ schedulerRunning: false, deadline: 0, lastCycleFinishedAt: null, databaseError: 'disk I/O error', now: 1 });
    const r = await fetch(`${base}/healthz`);
    assert.equal(r.status, 503);
    const body = (await r.json()) as HealthReport;
    assert.equal(body.status, 'unhealthy');
    assert.equal(body.reasons.length, 3);
    assert.ok(body.reasons.some((x) => x.includes('disk I/O error')));

    assert.equal((await fetch(`${base}/status`)).status, 401);
    assert.equal((await fetch(`${base}/status`, { headers: bearer })).status, 200);
    assert.equal((await fetch(`${base}/metrics`, { headers: bearer })).status, 200);
    assert.equal((await fetch(`${base}/nope`, { headers: bearer })).status, 404);
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const page = await fetch(`${base}/`, { headers: bearer });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.ok((await page.text()).includes('data-credential="a"'));
  } finally {
    await server.close();
  }
});

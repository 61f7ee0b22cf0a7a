// The wall-screen status page, the credential page and the badge, served by the real HTTP server
// from a real SQLite history, checked in headless Chromium at 1280 and 390 px, light and dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { openDatabase, type Db } from '../src/store/db.js';
import { dailyHistory, recordCheck } from '../src/store/results.js';
import { eventsForCredential } from '../src/store/outbox.js';
import { processResults } from '../src/alerts/process.js';
import { dispatchPending } from '../src/alerts/dispatch.js';
import { recordedReport } from '../src/commands/status.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { assessHealth } from '../src/server/health.js';
import { summarize, type CredentialResult } from '../src/types.js';
import { result, silentLog, DAY_MS } from './helpers/alerts-fixtures.js';
import { startHttpServer, type TestServer } from './helpers/notify-http.js';
import { ROOT, tempDir } from './helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const t = tempDir();
const NOW = new Date();
const days = (n: number, from = NOW) => new Date(from.getTime() + n * DAY_MS);
let config: Config;
let db: Db;
let server: RunningServer;
let hook: TestServer;
let base = '';

// id → [kind, days left now, environment, owner]
const CREDS: [string, string, number, string, string][] = [
  ['pay-api-key', 'static', 3, 'production', 'payments-team'],
  ['partner-oauth', 'oauth2', 20, 'production', 'erp-team'],
  ['staging-key', 'static', 100, 'staging', 'erp-team'],
  ['root-ca', 'static', 3650, 'production', 'platform-team'],
  ['old-key', 'static', -2, 'staging', 'payments-team'],
  ...Array.from({ length: 6 }, (_, i) => [`svc-${i + 1}`, 'static', 200 + i * 10, 'production', 'platform-team'] as [string, string, number, string, string]),
];
const expiresOf = (id: string) => days(CREDS.find((c) => c[0] === id)![2] + 0.5);

function record(results: CredentialResult[], at: Date) {
  recordCheck(db, { checkedAt: at.toISOString(), summary: summarize(results), credentials: results }, { startedAt: at, durationMs: 5 });
}

before(async () => {
  hook = await startHttpServer({ status: 204 });
  const raw = {
    database: './state/db.sqlite',
    notifiers: [{ name: 'hook', type: 'webhook', url: `${hook.url}/hook` }],
    defaults: { notify: ['hook'] },
    credentials: CREDS.map(([id, kind, , environment, owner]) =>
      kind === 'oauth2'
        ? { id, kind, environment, owner, tokenUrl: 'https://idp.example.test/token', clientId: 'x', clientSecret: 'y', probe: { url: 'https://api.example.test/ping' }, runbook: 'https://wiki.example.test/runbooks/partner' }
        : { id, kind, environment, owner, expiresAt: expiresOf(id).toISOString() },
    ),
  };
  config = buildConfig(raw, t.path('credwatch.yaml'), {}).config;
  db = openDatabase(config.database);
  // 90 days of daily probes of partner-oauth: failing on days 40-38 and 12 ago, latency rising.
  for (let d = 89; d >= 1; d--) {
    const at = days(-d);
    const failing = (d <= 40 && d >= 38) || d === 12;
    const r = result({ id: 'partner-oauth', kind: 'oauth2', now: at, expiresAt: expiresOf('partner-oauth'), probe: failing ? 'failing' : 'ok' });
    r.probe!.latencyMs = 40 + (89 - d);
    record([r], at);
    if (d === 40 || d === 37) processResults(db, config, [r], at, at);
  }
  const current = CREDS.map(([id, kind]) => result({ id, kind, now: NOW, expiresAt: expiresOf(id), probe: id === 'partner-oauth' ? 'ok' : null }));
  record(current, NOW);
  processResults(db, config, current, NOW, NOW);
  await dispatchPending(db, config, { log: silentLog(), deadline: new Date(Date.now() + 10_000) });
  server = await startServer(
    {
      config: () => config,
      report: () => recordedReport(config, db),
      health: () => assessHealth({ schedulerRunning: true, deadline: Date.now() + 60_000, lastCycleFinishedAt: NOW.toISOString(), databaseError: null, now: Date.now() }),
      metrics: () => ({ credentials: [], notifications: [], outboxBacklog: 0, lastCycle: null, cycles: { ok: 1, failed: 0 } }),
      log: silentLog(),
      history: (id, since) => dailyHistory(db, id, since),
      events: (id, since) => eventsForCredential(db, id, since),
    },
    '127.0.0.1:0',
  );
  base = `http://127.0.0.1:${server.address.port}`;
});

after(async () => {
  await server?.close();
  await hook?.close();
  db?.close();
  t.cleanup();
});

test('HTTP: filters, CSP with the refresh script by hash, credential page and badge routes', async () => {
  const page = await fetch(`${base}/?environment=staging`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'; connect-src 'self'/);
  const html = await page.text();
  assert.deepEqual([...html.matchAll(/<tr data-credential="([^"]+)"/g)].map((m) => m[1]), ['old-key', 'staging-key']);
  assert.match(html, /<script data-refresh="60">/);
  assert.ok(!(await (await fetch(`${base}/?refresh=0`)).text()).includes('<script'), 'refresh=0: no script');

  const owner = await (await fetch(`${base}/?owner=payments-team`)).text();
  assert.deepEqual([...owner.matchAll(/<tr data-credential="([^"]+)"/g)].map((m) => m[1]), ['old-key', 'pay-api-key']);

  const cred = await fetch(`${base}/credentials/partner-oauth`);
  assert.equal(cred.status, 200);
  assert.match(cred.headers.get('content-type')!, /^text\/html/);
  assert.ok(!cred.headers.get('content-security-policy')!.includes('script-src'), 'the credential page runs no script');
  assert.equal((await fetch(`${base}/credentials/nope`)).status, 404);
  assert.equal((await fetch(`${base}/credentials/%E0%A4%A`)).status, 404);

  const b = await fetch(`${base}/badge/pay-api-key.svg`);
  assert.equal(b.status, 200);
  assert.equal(b.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
  const svg = await b.text();
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="20" role="img" aria-label="pay-api-key: critical 3d">/);
  assert.match(svg, /fill="#e0580e"/);
  const unknown = await fetch(`${base}/badge/nope.svg`);
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /aria-label="nope: unknown credential"/);
});

test('Chromium: the wall screen and the credential page at 1280 and 390 px, light and dark; screenshots saved', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is absent (install Debian's chromium package to run this check)`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  try {
    for (const width of [1280, 390]) {
      for (const scheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme: scheme });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(e.message));
        assert.equal((await page.goto(`${base}/`))?.status(), 200);
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, `no sideways scroll at ${width} px`);
        // Environment shown; a passed renew-by date stands out (white on red).
        assert.equal(await page.locator('tr[data-credential="pay-api-key"] .env').innerText(), 'production');
        const overdue = page.locator('tr[data-credential="pay-api-key"] .overdue');
        assert.equal(await overdue.count(), 1);
        assert.equal(await overdue.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(207, 34, 46)');
        assert.equal(await page.locator('tr[data-credential="staging-key"] .overdue').count(), 0);
        // The timeline is capped: the ten-year root is drawn "beyond", the rest keep readable widths.
        assert.equal(await page.locator('.tl .bar.beyond').count(), 1);
        const shortBar = await page.locator('.tl .bar').first().evaluate((el) => el.getBoundingClientRect().width / el.parentElement!.getBoundingClientRect().width);
        assert.ok(shortBar > 0.005, `soonest bar visible (${shortBar})`);
        const tlWidths = await page.locator('.tl .bar:not(.beyond)').evaluateAll((els) => els.map((el) => (el as HTMLElement).style.width));
        assert.ok(tlWidths.some((w) => parseInt(w, 10) >= 10), `bars not flattened: ${tlWidths.join(' ')}`);
        if (scheme === 'dark') assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(13, 17, 23)');
        await page.screenshot({ path: join(ARTIFACTS, `wall-${width}-${scheme}.png`), fullPage: true });

        // Filter by environment through the links on the page.
        await page.locator('.filters[data-filter="environment"] a', { hasText: 'staging' }).click();
        await page.waitForURL(/environment=staging/);
        assert.deepEqual(await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-credential'))), ['old-key', 'staging-key']);

        // The credential page: facts, a 90-day SVG with three panels, the events.
        assert.equal((await page.goto(`${base}/credentials/partner-oauth`))?.status(), 200);
        const chart = page.locator('svg.chart');
        assert.equal(await chart.getAttribute('data-days'), '90');
        assert.equal(await chart.getAttribute('data-recorded-days'), '90');
        assert.equal(await page.locator('svg.chart [data-panel]').count(), 3);
        assert.equal(await page.locator('svg.chart rect.bad').count(), 4, 'four days with a failed probe');
        assert.ok((await page.locator('.chart-wrap').boundingBox())!.width <= width, 'the chart fits the width (it scrolls inside its frame on a phone)');
        assert.ok((await chart.boundingBox())!.width >= Math.min(680, width - 40), 'and stays readable');
        assert.ok((await page.locator('table.events tbody tr').count()) >= 2);
        assert.match(await page.locator('table.events').innerText(), /hook: delivered/);
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, `credential page: no sideways scroll at ${width} px`);
        await page.screenshot({ path: join(ARTIFACTS, `credential-${width}-${scheme}.png`), fullPage: true });

        // The badge renders as an SVG document.
        assert.equal((await page.goto(`${base}/badge/partner-oauth.svg`))?.status(), 200);
        assert.equal(await page.evaluate(() => document.documentElement.localName), 'svg');
        assert.ok(await page.evaluate(() => (document.documentElement as unknown as SVGGraphicsElement).getBBox().width > 100));
        if (scheme === 'light') await page.screenshot({ path: join(ARTIFACTS, `badge-${width}.png`), clip: { x: 0, y: 0, width: 200, height: 20 } });
        assert.deepEqual(problems, []);
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
});

test('Chromium: the wall screen refreshes itself in place and keeps its scroll position', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is absent`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 600 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${base}/?refresh=2`);
    assert.equal((await page.locator('tr[data-credential="staging-key"] .badge').innerText()).toLowerCase(), 'ok');
    await page.evaluate(() => window.scrollTo(0, 700));
    const y = await page.evaluate(() => window.scrollY);
    assert.ok(y > 500, `page is long enough to scroll (${y})`);
    await page.evaluate(() => ((document.querySelector('main') as HTMLElement).dataset.old = '1'));
    // New data arrives between refreshes: staging-key turns critical.
    record([result({ id: 'staging-key', kind: 'static', now: new Date(), expiresAt: days(2) })], new Date());
    await page.waitForFunction(() => !(document.querySelector('main') as HTMLElement).dataset.old, undefined, { timeout: 15_000 });
    assert.equal(await page.evaluate(() => window.scrollY), y, 'scroll position kept');
    assert.equal((await page.locator('tr[data-credential="staging-key"] .badge').innerText()).toLowerCase(), 'critical');
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('stale')), false);
    assert.deepEqual(problems, [], 'no CSP violation, no script error');
    await context.close();
  } finally {
    await browser.close();
  }
});

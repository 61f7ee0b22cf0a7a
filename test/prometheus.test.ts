// Prometheus-native /metrics: standard process names, build info, not-before, the opt-in
// x509-certificate-exporter family from real certificate files, linted by promtool; and the
// shipped alerting rules checked and unit-tested by promtool.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMetrics, processRegistry, type MetricsSnapshot } from '../src/server/metrics.js';
import { metricsSnapshot } from '../src/server/snapshot.js';
import { x509Family, decimalSerial, parseName } from '../src/server/x509-metrics.js';
import { buildConfig } from '../src/config/load.js';
import { openDatabase } from '../src/store/db.js';
import { runCycle } from '../src/cycle.js';
import { createCa, createServerCert } from './helpers/pki.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { silentLog } from './helpers/alerts-fixtures.js';

const PROMTOOL = '/usr/bin/promtool';
const RULES = join(ROOT, 'examples', 'prometheus');
const DAY = 86_400_000;
const t = tempDir();
after(() => t.cleanup());

function promtool(args: string[], input?: string) {
  return spawnSync(PROMTOOL, args, { cwd: RULES, input, encoding: 'utf8', timeout: 60_000 });
}

/** name → TYPE from the exposition's `# TYPE` lines. */
function types(body: string): Map<string, string> {
  return new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function realFamily() {
  const ca = await createCa({ cn: 'credwatch test CA' });
  const now = Date.now();
  const edge = await createServerCert(ca, { cn: 'edge.example.test', notBefore: new Date(now - 10 * DAY), notAfter: new Date(now + 40 * DAY), serial: '0a1b2c3d4e5f' });
  const old = await createServerCert(ca, { cn: 'old.example.test', notBefore: new Date(now - 100 * DAY), notAfter: new Date(now - DAY) });
  t.write('pki/edge.pem', edge.cert);
  t.write('pki/old.pem', old.cert);
  const { config } = buildConfig(
    {
      database: './state/db.sqlite',
      server: { metrics: { x509CertificateExporter: true } },
      credentials: [
        { id: 'edge', kind: 'x509', path: './pki/edge.pem' },
        { id: 'old', kind: 'x509', path: './pki/old.pem' },
        { id: 'missing', kind: 'x509', path: './pki/missing.pem' },
        { id: 'key', kind: 'static', expiresAt: '2099-01-01' },
      ],
    },
    t.path('credwatch.yaml'),
    {},
  );
  assert.equal(config.server.metrics?.x509CertificateExporter, true);
  const db = openDatabase(config.database);
  try {
    const report = await runCycle(config, db, { now: new Date(), log: silentLog() });
    return { config, report, edge, old };
  } finally {
    db.close();
  }
}

test('/metrics: prom-client process metrics under standard names, build info, not-before; no gauge ends in _total; promtool lint clean', async () => {
  const { report, config, edge } = await realFamily();
  const snap: MetricsSnapshot = metricsSnapshot(report, {
    lastCheck: null,
    notifications: [{ notifier: 'hook', outcome: 'delivered', count: 2 }],
    outboxBacklog: 0,
    cycles: { ok: 1, failed: 0 },
    probeRequests: [{ id: 'edge', type: 'call', count: 3 }],
    x509: x509Family(config, report.credentials, new Date()),
  });
  const { body } = await renderMetrics(snap, processRegistry());
  assert.match(body, /^credwatch_probe_requests_total\{id="edge",type="call"\} 3$/m);
  const ty = types(body);
  for (const name of ['process_cpu_user_seconds_total', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
    assert.ok(ty.has(name), `missing ${name}`);
  }
  assert.ok(![...ty.keys()].some((n) => n.startsWith('credwatch_process_') || n.startsWith('credwatch_nodejs_')), 'no prefixed process metrics');
  assert.match(body, new RegExp(`^credwatch_build_info\\{version="${version.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
  assert.equal(ty.get('credwatch_build_info'), 'gauge');
  const nb = Date.parse(new X509Certificate(edge.cert).validFrom) / 1000;
  assert.match(body, new RegExp(`^credwatch_credential_not_before_timestamp_seconds\\{id="edge",kind="x509",source="certificate"\\} ${nb}$`, 'm'));
  for (const [name, type] of ty) if (type !== 'counter') assert.ok(!name.endsWith('_total'), `${name} is a ${type} ending in _total`);

  if (!existsSync(PROMTOOL)) return;
  const lint = promtool(['check', 'metrics'], body);
  assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`);
  assert.equal(lint.stdout.trim(), '', `promtool check metrics found problems:\n${lint.stdout}`);
});

test('x509-certificate-exporter family: names, labels and values as the exporter writes them, from real certificate files', async () => {
  const { report, config, edge, old } = await realFamily();
  const { body } = await renderMetrics(
    metricsSnapshot(report, { lastCheck: null, notifications: [], outboxBacklog: null, cycles: { ok: 1, failed: 0 }, x509: x509Family(config, report.credentials, new Date()) }),
  );
  const ty = types(body);
  for (const n of ['x509_cert_not_after', 'x509_cert_not_before', 'x509_cert_expired', 'x509_read_errors']) assert.equal(ty.get(n), 'gauge', n);
  const e = new X509Certificate(edge.cert);
  const path = t.path('pki', 'edge.pem');
  const labels = `credential="edge",filename="edge.pem",filepath="${path}",issuer_CN="credwatch test CA",serial_number="${BigInt('0x' + e.serialNumber).toString()}",subject_CN="edge.example.test"`;
  const series = (name: string) => body.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('credential="edge"'));
  // Unset name parts (issuer_O, subject_C, …) are empty: Prometheus drops an empty label, as the exporter omits it.
  const strip = (line: string | undefined) => line?.replace(/,?\w+=""/g, '').replace('{,', '{');
  assert.equal(strip(series('x509_cert_not_after')), `x509_cert_not_after{${labels}} ${Math.floor(Date.parse(e.validTo) / 1000)}`);
  assert.equal(strip(series('x509_cert_not_before')), `x509_cert_not_before{${labels}} ${Math.floor(Date.parse(e.validFrom) / 1000)}`);
  assert.equal(strip(series('x509_cert_expired')), `x509_cert_expired{${labels}} 0`);
  const oldExpired = body.split('\n').find((l) => l.startsWith('x509_cert_expired{') && l.includes('credential="old"'));
  assert.match(oldExpired ?? '', / 1$/);
  assert.ok(old.cert);
  assert.match(body, /^x509_read_errors 1$/m, 'the missing file is one read error');
  assert.ok(!body.includes('credential="key"'), 'a static secret is no certificate');

  // Off by default: the family only appears when asked for.
  const plain = await renderMetrics(metricsSnapshot(report, { lastCheck: null, notifications: [], outboxBacklog: null, cycles: { ok: 1, failed: 0 } }));
  assert.ok(!plain.body.includes('x509_cert_'));
});

test('x509 helpers: decimal serials as Go prints them; distinguished names split on attribute boundaries', () => {
  assert.equal(decimalSerial('0A1B2C3D4E5F'), '11111822610015');
  assert.equal(decimalSerial('FF:01'), '65281');
  assert.deepEqual(parseName('C=MX, O=Acme, S.A., CN=api.acme.mx'), { C: 'MX', O: 'Acme, S.A.', CN: 'api.acme.mx' });
});

test('examples/prometheus/credwatch-rules.yml passes promtool check rules and promtool test rules', (t) => {
  if (!existsSync(PROMTOOL)) return t.skip(`${PROMTOOL} is absent (scripts/test.sh installs Debian's prometheus package)`);
  const check = promtool(['check', 'rules', 'credwatch-rules.yml']);
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  assert.match(check.stdout, /SUCCESS: 8 rules found/);
  const unit = promtool(['test', 'rules', 'credwatch-rules.test.yml']);
  assert.equal(unit.status, 0, `${unit.stdout}${unit.stderr}`);
  assert.match(unit.stdout, /SUCCESS/);
});

test('x509 family with no certificate file: read errors only, no zero-valued series', async () => {
  const { body } = await renderMetrics({ credentials: [], notifications: [], outboxBacklog: null, lastCycle: null, cycles: { ok: 0, failed: 0 }, x509: { certificates: [], readErrors: 0 } });
  assert.match(body, /^x509_read_errors 0$/m);
  assert.ok(!/^x509_cert_/m.test(body), body);
});

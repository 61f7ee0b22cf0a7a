// The daemon in-process with a real config, database and HTTP server: the opt-in
// x509-certificate-exporter family on /metrics, and the credential page's history and events
// read from the daemon's own SQLite.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Daemon } from '../src/daemon/daemon.js';
import { loadConfig } from '../src/config/load.js';
import { createCa, createServerCert } from './helpers/pki.js';
import { tempDir } from './helpers/cli.js';
import { silentLog } from './helpers/alerts-fixtures.js';
import { freePort } from './helpers/ports.js';

const DAY = 86_400_000;
const t = tempDir();
after(() => t.cleanup());

test('daemon: x509CertificateExporter on → x509_cert_* on /metrics; /credentials/ID shows today in its chart; /badge/ID.svg', async () => {
  const ca = await createCa({ cn: 'wiring CA' });
  const cert = await createServerCert(ca, { cn: 'edge.wiring.test', notAfter: new Date(Date.now() + 50 * DAY) });
  t.write('edge.pem', cert.cert);
  const port = await freePort();
  t.write(
    'credwatch.yaml',
    `database: ./db.sqlite
schedule: { check: "0 0 1 1 *" }
server: { listen: "127.0.0.1:${port}", metrics: { x509CertificateExporter: true } }
credentials:
  - { id: edge, kind: x509, path: ./edge.pem, environment: production }
`,
  );
  const { config } = loadConfig(t.path('credwatch.yaml'), {});
  const daemon = new Daemon({ config, log: silentLog() });
  await daemon.start();
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${base}/metrics`)).text();
      if (metrics.includes('x509_cert_not_after{')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const notAfter = Math.floor(Date.parse(new X509Certificate(cert.cert).validTo) / 1000);
    assert.match(metrics, new RegExp(`^x509_cert_not_after\\{[^}]*filepath="${t.path('edge.pem').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"[^}]*subject_CN="edge\\.wiring\\.test"[^}]*\\} ${notAfter}$`, 'm'));
    assert.match(metrics, /^x509_cert_expired\{[^}]*credential="edge"[^}]*\} 0$/m);
    assert.match(metrics, /^process_resident_memory_bytes \d+/m);
    assert.match(metrics, /^credwatch_build_info\{version="[^"]+"\} 1$/m);

    const page = await (await fetch(`${base}/credentials/edge`)).text();
    assert.match(page, /data-days="90" data-recorded-days="1"/);
    assert.match(page, /<span class="env">production<\/span>/);
    const badge = await fetch(`${base}/badge/edge.svg`);
    assert.equal(badge.status, 200);
    assert.match(await badge.text(), /aria-label="edge: ok 4\dd"/);
  } finally {
    await daemon.shutdown('test');
  }
});

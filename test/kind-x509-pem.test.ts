// Certificates that are certificates are read: an empty subject (SAN only), OpenSSL's TRUSTED
// CERTIFICATE and the older X509 CERTIFICATE blocks, indented PEM; an unreadable ASN.1 time names
// the file; a reason about one certificate of a bundle names it by position and CN. All generated
// here and checked through the CLI, as a user would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCa, createServerCert } from './helpers/pki.js';
import { runCli, tempDir } from './helpers/cli.js';

const DAY = 86_400_000;
const t = tempDir();
let config: string;
let expiredDay: string;

/** PEM with a given label, 64 columns, as OpenSSL writes it. */
const pem = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;
const derOf = (certPem: string) => Buffer.from(new X509Certificate(certPem).raw);
// OpenSSL's X509_CERT_AUX after the certificate: trust = { serverAuth }.
const TRUST_AUX = Buffer.from('300c300a06082b06010505070301', 'hex');

before(async () => {
  const now = Date.now();
  const ca = await createCa({ cn: 'credwatch test root' });
  const sanOnly = await createServerCert(ca, { subject: '', dns: ['san-only.example.test'], notAfter: new Date(now + 100 * DAY) });
  const trusted = await createServerCert(ca, { cn: 'trusted.example.test', notAfter: new Date(now + 90 * DAY) });
  const old = await createServerCert(ca, { cn: 'x509-block.example.test', notAfter: new Date(now + 80 * DAY) });
  const indented = await createServerCert(ca, { cn: 'indented.example.test', notAfter: new Date(now + 70 * DAY) });
  const leaf = await createServerCert(ca, { cn: 'leaf.example.test', notAfter: new Date(now + 200 * DAY) });
  const middle = await createCa({ cn: 'credwatch test expired intermediate', notBefore: new Date(now - 400 * DAY), notAfter: new Date(now - 4 * DAY - 3_600_000) });
  expiredDay = middle.notAfter.toISOString().slice(0, 10);

  // A bad ASN.1 time: notAfter's month patched to 13 (the signature no longer matters to a reader).
  const badDer = derOf(old.cert);
  const text = badDer.toString('latin1');
  const first = text.indexOf('\x17\x0d');
  const second = text.indexOf('\x17\x0d', first + 2);
  badDer[second + 4] = 0x31;
  badDer[second + 5] = 0x33;

  t.write('san-only.pem', sanOnly.cert);
  t.write('trusted.pem', pem('TRUSTED CERTIFICATE', Buffer.concat([derOf(trusted.cert), TRUST_AUX])));
  t.write('x509-block.pem', pem('X509 CERTIFICATE', derOf(old.cert)));
  t.write('indented.pem', indented.cert.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n'));
  t.write('bad-time.pem', pem('CERTIFICATE', badDer));
  t.write('bundle.pem', leaf.cert + middle.cert + ca.cert);
  config = t.write(
    'credwatch.yaml',
    `database: ./state/credwatch.db
credentials:
  - { id: san-only, kind: x509, path: ./san-only.pem }
  - { id: trusted, kind: x509, path: ./trusted.pem }
  - { id: x509-block, kind: x509, path: ./x509-block.pem }
  - { id: indented, kind: x509, path: ./indented.pem }
  - { id: bad-time, kind: x509, path: ./bad-time.pem }
  - { id: bundle, kind: x509, path: ./bundle.pem }
`,
  );
});
after(() => t.cleanup());

test('certificates that are certificates are read; a bad time and a bundle member are named exactly', async () => {
  const r = await runCli(['check', '--json', '--no-probe', '--config', config]);
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /Cannot read properties|inspection crashed/);
  const byId = Object.fromEntries(JSON.parse(r.stdout).credentials.map((c: { id: string }) => [c.id, c]));
  const line = (id: string) => [byId[id].status, byId[id].daysLeft, byId[id].reasons[0]];
  assert.deepEqual(line('san-only'), ['ok', 99, `certificate expires in 99 days (${byId['san-only'].expiresAt.slice(0, 10)})`]);
  assert.deepEqual(line('trusted'), ['ok', 89, `certificate expires in 89 days (${byId.trusted.expiresAt.slice(0, 10)})`]);
  assert.deepEqual(line('x509-block'), ['ok', 79, `certificate expires in 79 days (${byId['x509-block'].expiresAt.slice(0, 10)})`]);
  assert.deepEqual(line('indented'), ['ok', 69, `certificate expires in 69 days (${byId.indented.expiresAt.slice(0, 10)})`]);
  assert.deepEqual(line('bad-time'), ['error', null, `could not inspect: certificate ${t.path('bad-time.pem')}: PEM block 1 has an unreadable notAfter time ("Bad time value")`]);
  assert.deepEqual(line('bundle'), ['expired', -5, `certificate 2 of 3 (CN=credwatch test expired intermediate) expired 5 days ago (${expiredDay})`]);
  // The sources stay machine-readable (metrics labels, JSON).
  assert.deepEqual(byId.bundle.expiries.map((e: { source: string }) => e.source), ['certificate.chain[1]', 'certificate', 'certificate.chain[2]']);
});

test('status shows the same: the recorded empty-subject certificate round-trips', async () => {
  const r = await runCli(['status', '--json', '--config', config]);
  assert.equal(r.code, 2, r.stderr);
  const sanOnly = JSON.parse(r.stdout).credentials.find((c: { id: string }) => c.id === 'san-only');
  assert.equal(sanOnly.status, 'ok');
});

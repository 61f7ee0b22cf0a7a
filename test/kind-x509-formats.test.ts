// x509 formats by content (DER, PKCS#12 with passwordFile, PKCS#7), bundle: split by subject CN,
// and the discovery cache: one stat per unchanged file, a parse only when a file changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, utimesSync } from 'node:fs';
import forge from 'node-forge';
import pino from 'pino';
import { createCa, createServerCert, type Issued } from './helpers/pki.js';
import { tempDir } from './helpers/cli.js';
import { x509Kind, type X509Credential } from '../src/kinds/x509.js';
import { buildConfig } from '../src/config/load.js';
import { discoverCredentials } from '../src/kinds/discovery.js';
import { discoveryCounters } from '../src/kinds/file-discovery.js';
import { Secret } from '../src/secret.js';
import type { CredentialConfig } from '../src/config/schema.js';

const ctx = { now: new Date(), log: pino({ level: 'silent' }) };
const DAY = 86_400_000;
const PASSWORD = 'canary-p12-Zx81-password';
const fp = (pem: string) => new X509Certificate(pem).fingerprint256;

describe('x509 formats and bundles', () => {
  const t = tempDir();
  let ca: Issued;
  let leaf: Issued;
  let other: Issued;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] });

  before(async () => {
    ca = await createCa({ cn: 'credwatch test Formats CA' });
    leaf = await createServerCert(ca, { cn: 'leaf.credwatch.test', notAfter: new Date(Date.now() + 20 * DAY) });
    other = await createServerCert(ca, { cn: 'other.credwatch.test', notAfter: new Date(Date.now() + 90 * DAY) });
    t.write('leaf.pem', leaf.cert);
    t.write('leaf.key', leaf.key, 0o600);
    t.write('other.key', other.key, 0o600);
    t.write('ca.pem', ca.cert);
    t.write('pw', PASSWORD + '\n', 0o600);
    openssl('pkcs12', '-export', '-in', 'leaf.pem', '-inkey', 'leaf.key', '-certfile', 'ca.pem', '-passout', `file:${t.path('pw')}`, '-out', 'bundle.p12');
    openssl('pkcs12', '-export', '-legacy', '-in', 'leaf.pem', '-inkey', 'leaf.key', '-passout', `file:${t.path('pw')}`, '-out', 'legacy.pfx');
    openssl('crl2pkcs7', '-nocrl', '-certfile', 'leaf.pem', '-certfile', 'ca.pem', '-outform', 'DER', '-out', 'chain.p7b');
    openssl('crl2pkcs7', '-nocrl', '-certfile', 'leaf.pem', '-out', 'chain-pem.p7b');
    t.write('leaf.der', new X509Certificate(leaf.cert).raw);
    // Named .pem, holds DER: the content decides.
    t.write('misnamed.pem', new X509Certificate(leaf.cert).raw);
  });
  after(() => t.cleanup());

  const x509 = (over: Partial<X509Credential>): X509Credential => ({ id: 'c', kind: 'x509', renewalLeadDays: 14, bundle: 'earliest', ...over });
  const inspect = (over: Partial<X509Credential>) => x509Kind.inspect(x509(over), ctx);

  test('DER certificates are read by content, whatever the name', async () => {
    for (const name of ['leaf.der', 'misnamed.pem']) {
      const obs = await inspect({ path: t.path(name) });
      assert.equal(obs.error, undefined, name);
      assert.deepEqual(obs.certificates.map((c) => [c.source, c.fingerprint256]), [['certificate', fp(leaf.cert)]]);
      assert.equal(obs.expiries[0]!.expiresAt.toISOString(), new Date(new X509Certificate(leaf.cert).validTo).toISOString());
    }
  });

  test('PKCS#12 with the right password: every certificate counts, the key is matched', async () => {
    for (const name of ['bundle.p12', 'legacy.pfx']) {
      const obs = await inspect({ path: t.path(name), password: new Secret(PASSWORD) });
      assert.equal(obs.error, undefined, name);
      assert.deepEqual(obs.findings, []);
      const want = name === 'bundle.p12' ? [['certificate', fp(leaf.cert)], ['certificate.chain[1]', fp(ca.cert)]] : [['certificate', fp(leaf.cert)]];
      assert.deepEqual(obs.certificates.map((c) => [c.source, c.fingerprint256]), want, name);
    }
  });

  test('PKCS#12 whose key matches none of its certificates: critical, saying so', async () => {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa1.key', '-out', 'rsa1.pem', '-days', '30', '-subj', '/CN=credwatch test rsa');
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa2.key');
    // OpenSSL refuses to build such a file; node-forge writes it as a broken export would be.
    const cert = forge.pki.certificateFromPem(readFileSync(t.path('rsa1.pem'), 'utf8'));
    const key = forge.pki.privateKeyFromPem(readFileSync(t.path('rsa2.key'), 'utf8'));
    const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], PASSWORD, { algorithm: '3des' });
    t.write('mismatch.p12', Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'));
    const obs = await inspect({ path: t.path('mismatch.p12'), password: new Secret(PASSWORD) });
    assert.equal(obs.error, undefined);
    assert.deepEqual(obs.findings, [{ level: 'critical', reason: `the private key in ${t.path('mismatch.p12')} does not match any certificate in it` }]);
    assert.deepEqual(obs.certificates.map((c) => c.subject), ['CN=credwatch test rsa']);
    // The same file with the right RSA key: no finding (RSA keys take forge's own key path).
    const right = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(readFileSync(t.path('rsa1.key'), 'utf8')), [cert], PASSWORD, { algorithm: '3des' });
    t.write('rsa.p12', Buffer.from(forge.asn1.toDer(right).getBytes(), 'binary'));
    assert.deepEqual((await inspect({ path: t.path('rsa.p12'), password: new Secret(PASSWORD) })).findings, []);
  });

  test('PKCS#12 with a wrong or no password: could not inspect, saying which', async () => {
    const wrong = await inspect({ path: t.path('bundle.p12'), password: new Secret('not-it') });
    assert.deepEqual(wrong.error, { code: 'bad_certificate', message: `certificate ${t.path('bundle.p12')}: the PKCS#12 password is wrong (the file's integrity check does not verify with it)` });
    const none = await inspect({ path: t.path('bundle.p12') });
    assert.deepEqual(none.error, { code: 'bad_certificate', message: `certificate ${t.path('bundle.p12')} is a password-protected PKCS#12 file; set passwordFile` });
  });

  test('passwordFile in the config; the password appears nowhere in what is kept', async () => {
    const { config } = buildConfig(
      { credentials: [{ id: 'pfx', kind: 'x509', path: './bundle.p12', passwordFile: './pw' }] },
      t.path('credwatch.yaml'),
      {},
    );
    const cred = config.credentials[0] as X509Credential;
    assert.equal(JSON.stringify(cred).includes(PASSWORD), false);
    const obs = await x509Kind.inspect(cred, ctx);
    assert.equal(obs.error, undefined);
    assert.equal(obs.certificates.length, 2);
    assert.equal(JSON.stringify(obs).includes(PASSWORD), false);
  });

  test('PKCS#7 bundles, DER and PEM', async () => {
    const der = await inspect({ path: t.path('chain.p7b') });
    assert.equal(der.error, undefined);
    assert.deepEqual(der.certificates.map((c) => c.fingerprint256), [fp(leaf.cert), fp(ca.cert)]);
    const pem = await inspect({ path: t.path('chain-pem.p7b') });
    assert.deepEqual(pem.certificates.map((c) => c.fingerprint256), [fp(leaf.cert)]);
  });

  test('bundle: split makes each certificate of a file its own credential, named by subject CN', async () => {
    const twinA = await createCa({ cn: 'credwatch test Twin Root', serial: '0a0b' });
    const twinB = await createCa({ cn: 'credwatch test Twin Root', serial: '0c0d' });
    t.write('bundles/ca-bundle.pem', ca.cert + leaf.cert + twinA.cert + twinB.cert);
    const { config } = buildConfig(
      { credentials: [{ id: 'roots', kind: 'x509', path: './bundles/ca-bundle.pem', bundle: 'split', owner: 'pki-team', renewalLeadDays: 40 }] },
      t.path('credwatch.yaml'),
      {},
    );
    const { credentials } = await discoverCredentials(config, undefined, [], ctx);
    assert.deepEqual(
      credentials.map((c) => [c.id, c.owner, c.renewalLeadDays]),
      [
        ['roots', 'pki-team', 40],
        ['roots/ca-bundle.pem#credwatch-test-formats-ca', 'pki-team', 40],
        ['roots/ca-bundle.pem#leaf.credwatch.test', 'pki-team', 40],
        ['roots/ca-bundle.pem#credwatch-test-twin-root~0a0b', 'pki-team', 40],
        ['roots/ca-bundle.pem#credwatch-test-twin-root~0c0d', 'pki-team', 40],
      ],
    );
    const observed = await Promise.all(credentials.map((c) => x509Kind.inspect(c as X509Credential, ctx)));
    assert.deepEqual(observed[0], { expiries: [], findings: [], certificates: [] });
    assert.deepEqual(
      observed.slice(1).map((o) => o.certificates.map((c) => [c.source, c.fingerprint256])),
      [[['certificate', fp(ca.cert)]], [['certificate', fp(leaf.cert)]], [['certificate', fp(twinA.cert)]], [['certificate', fp(twinB.cert)]]],
    );
    // Without split the file is one credential and the earliest certificate counts.
    const whole = await inspect({ path: t.path('bundles/ca-bundle.pem') });
    assert.equal(whole.expiries.length, 4);
  });

  test('config: path or paths, exactly one; key only with one path', () => {
    const load = (c: Record<string, unknown>) => () => buildConfig({ credentials: [{ id: 'x', kind: 'x509', ...c }] }, t.path('credwatch.yaml'), {});
    assert.throws(load({}), /credentials\[0\]\.path: is required \(or paths: files, folders, globs\)/);
    assert.throws(load({ path: 'a.pem', paths: ['b/*.pem'] }), /credentials\[0\]\.paths: set either path \(one file\) or paths \(files, folders, globs\), not both/);
    assert.throws(load({ paths: ['b/*.pem'], key: 'k.pem' }), /credentials\[0\]\.key: belongs to one certificate/);
    assert.throws(load({ paths: [] }), /credentials\[0\]\.paths: must list at least one file, folder or glob/);
    assert.throws(load({ path: 'a.pem', bundle: 'each' }), /credentials\[0\]\.bundle: must be one of "earliest", "split"/);
  });

  test('scale: an unchanged file costs one stat and no parse; a changed one is parsed again', async () => {
    for (let i = 0; i < 30; i++) t.write(`many/cert-${String(i).padStart(2, '0')}.pem`, i % 2 ? leaf.cert : other.cert);
    const { config } = buildConfig({ credentials: [{ id: 'many', kind: 'x509', paths: ['./many/*.pem'] }] }, t.path('credwatch.yaml'), {});
    const run = async () => {
      const before = { ...discoveryCounters };
      const { credentials } = await discoverCredentials(config, undefined, [], ctx);
      return { credentials, stats: discoveryCounters.stats - before.stats, parses: discoveryCounters.parses - before.parses };
    };
    const first = await run();
    assert.equal(first.credentials.length, 31);
    assert.deepEqual([first.stats, first.parses], [30, 30]);
    const second = await run();
    assert.deepEqual([second.stats, second.parses], [30, 0]);
    // Same size, new content and mtime: parsed again, and the new certificate is what counts.
    t.write('many/cert-00.pem', leaf.cert);
    utimesSync(t.path('many/cert-00.pem'), new Date(), new Date(Date.now() + 5000));
    const third = await run();
    assert.deepEqual([third.stats, third.parses], [30, 1]);
    const changed = third.credentials.find((c) => c.id === 'many/cert-00.pem') as CredentialConfig;
    const obs = await x509Kind.inspect(changed as X509Credential, ctx);
    assert.equal(obs.certificates[0]!.fingerprint256, fp(leaf.cert));
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import pino from 'pino';
import { x509Kind, type X509Credential } from '../src/kinds/x509.js';
import { claraKind, projectExpiry, type ClaraCredential } from '../src/kinds/clara.js';
import { staticKind, type StaticCredential } from '../src/kinds/static.js';
import { createCa, createClientCert, createServerCert } from './helpers/pki.js';
import { tempDir } from './helpers/cli.js';

const ctx = { now: new Date(), log: pino({ level: 'silent' }) };
const DAY = 86_400_000;

const x509 = (path: string, key?: string): X509Credential => ({ id: 'c', kind: 'x509', path, key, renewalLeadDays: 14, bundle: 'earliest' });

test('x509: a chain counts every certificate; each has a fingerprint and serial, never key material', async () => {
  const t = tempDir();
  try {
    const ca = await createCa({ days: 40 });
    const leaf = await createServerCert(ca, { days: 90 });
    const file = t.write('chain.pem', leaf.cert + ca.cert);
    const obs = await x509Kind.inspect(x509(file), ctx);
    assert.equal(obs.error, undefined);
    assert.deepEqual(obs.expiries.map((e) => e.source), ['certificate', 'certificate.chain[1]']);
    assert.equal(obs.expiries[1]!.expiresAt.getTime(), Math.floor(ca.notAfter.getTime() / 1000) * 1000);
    const leafX = new X509Certificate(leaf.cert);
    assert.equal(obs.certificates[0]!.fingerprint256, leafX.fingerprint256);
    assert.equal(obs.certificates[0]!.serial, leafX.serialNumber);
    assert.equal(obs.certificates[0]!.subject, 'CN=localhost');
    assert.ok(!JSON.stringify(obs).includes('PRIVATE'));
  } finally {
    t.cleanup();
  }
});

test('x509: matching key with mode 0600 has no findings; a key that does not match is critical; mode 0644 warns', async () => {
  const t = tempDir();
  try {
    const ca = await createCa();
    const a = await createClientCert(ca);
    const b = await createClientCert(ca);
    const cert = t.write('a.pem', a.cert);
    const good = t.write('a.key', a.key, 0o600);
    const wrong = t.write('b.key', b.key, 0o600);
    const loose = t.write('loose.key', a.key, 0o644);
    assert.deepEqual((await x509Kind.inspect(x509(cert, good), ctx)).findings, []);
    assert.deepEqual((await x509Kind.inspect(x509(cert, wrong), ctx)).findings, [{ level: 'critical', reason: `private key ${wrong} does not match the certificate` }]);
    assert.deepEqual((await x509Kind.inspect(x509(cert, loose), ctx)).findings, [
      { level: 'warning', reason: `private key ${loose} is readable by group or others (mode 0644); run chmod 600 on it` },
    ]);
  } finally {
    t.cleanup();
  }
});

test('x509: each bad file is an error naming the file and the problem', async () => {
  const t = tempDir();
  try {
    const ca = await createCa();
    const leaf = await createServerCert(ca);
    const garbage = '-----BEGIN CERTIFICATE-----\nThis is not base64 at all!!! @@@\nAAAA\n-----END CERTIFICATE-----\n';
    const rows: [string, string | Buffer | null, string, RegExp][] = [
      ['missing.pem', null, 'file_missing', /^certificate \S+missing\.pem does not exist$/],
      ['empty.pem', '', 'file_empty', /^certificate \S+empty\.pem is empty$/],
      ['garbage.pem', garbage, 'bad_certificate', /^certificate \S+garbage\.pem: PEM block 1 is not a valid certificate \(/],
      // DER is read by content now (kind-x509-formats.test.ts); DER that is no certificate says so.
      ['other.der', Buffer.from([0x30, 0x82, 0x00, 0x03, 0x01, 0x01, 0xff]), 'bad_certificate', /^certificate \S+other\.der is DER but neither a certificate, a PKCS#12 file nor a PKCS#7 bundle$/],
      ['key-only.pem', leaf.key, 'not_pem', /^certificate \S+key-only\.pem contains no PEM certificate \(it holds a private key\)$/],
      ['text.pem', 'hello\n', 'not_pem', /^certificate \S+text\.pem contains no PEM certificate$/],
    ];
    for (const [name, content, code, message] of rows) {
      const file = content === null ? t.path(name) : t.write(name, content);
      const obs = await x509Kind.inspect(x509(file), ctx);
      assert.equal(obs.error?.code, code, name);
      assert.match(obs.error?.message ?? '', message, name);
    }
    const cert = t.write('ok.pem', leaf.cert);
    const noKey = (await x509Kind.inspect(x509(cert, t.path('nokey.key')), ctx)).error;
    assert.equal(noKey?.code, 'file_missing');
    assert.match(noKey?.message ?? '', /^private key \S+nokey\.key does not exist$/);
    const notKey = t.write('bad.key', 'not a key\n');
    const badKey = (await x509Kind.inspect(x509(cert, notKey), ctx)).error;
    assert.equal(badKey?.code, 'bad_key');
    assert.match(badKey?.message ?? '', /^private key \S+bad\.key is not a readable private key/);
  } finally {
    t.cleanup();
  }
});

function clara(dir: ReturnType<typeof tempDir>, over: Partial<ClaraCredential> = {}): ClaraCredential {
  return {
    id: 'clara',
    kind: 'clara-project',
    country: 'mx',
    project: 'ERP Integration - Prod',
    createdAt: new Date('2026-01-10T00:00:00Z'),
    validityDays: 360,
    certificate: dir.path('client.crt'),
    privateKey: dir.path('client.key'),
    credentialsFile: dir.path('credentials.json'),
    renewalLeadDays: 14,
    ...over,
  };
}

test('clara-project: the project ledger and the client certificate are two expiries', async () => {
  const t = tempDir();
  try {
    const ca = await createCa();
    const client = await createClientCert(ca, { notAfter: new Date('2027-01-09T12:00:00Z') });
    t.write('client.crt', client.cert);
    t.write('client.key', client.key, 0o600);
    t.write('credentials.json', JSON.stringify({ client_id: 'cid', client_secret: 'canary-secret', scopes: ['read:transactions'] }));
    const obs = await claraKind.inspect(clara(t), ctx);
    assert.equal(obs.error, undefined);
    assert.deepEqual(
      obs.expiries.map((e) => [e.source, e.expiresAt.toISOString()]),
      [
        ['project', '2027-01-05T00:00:00.000Z'],
        ['certificate', '2027-01-09T12:00:00.000Z'],
      ],
    );
    assert.ok(!JSON.stringify(obs).includes('canary-secret'));
    assert.equal(projectExpiry({ createdAt: new Date('2026-01-10T00:00:00Z'), validityDays: 1 }).toISOString(), '2026-01-11T00:00:00.000Z');
    assert.equal(projectExpiry({ createdAt: new Date('2026-01-10T00:00:00Z'), expiresAt: new Date('2026-06-01T00:00:00Z') }).toISOString(), '2026-06-01T00:00:00.000Z');
  } finally {
    t.cleanup();
  }
});

test('clara-project: a broken credentials file is an error, but the project expiry is still known', async () => {
  const t = tempDir();
  try {
    const ca = await createCa();
    const client = await createClientCert(ca);
    t.write('client.crt', client.cert);
    t.write('client.key', client.key, 0o600);
    t.write('credentials.json', '{"client_id": "x", ');
    const obs = await claraKind.inspect(clara(t), ctx);
    assert.equal(obs.error?.code, 'bad_json');
    assert.match(obs.error?.message ?? '', /^credentialsFile \S+credentials\.json is not valid JSON/);
    assert.equal(obs.expiries[0]!.source, 'project');
    t.write('credentials.json', '{"client_id": "x"}');
    const noSecret = (await claraKind.inspect(clara(t), ctx)).error;
    assert.equal(noSecret?.code, 'bad_json');
    assert.match(noSecret?.message ?? '', /credentials\.json has no client_secret \(also accepted/);
  } finally {
    t.cleanup();
  }
});

test('static: its expiresAt is the one expiry', async () => {
  const cred: StaticCredential = { id: 's', kind: 'static', expiresAt: new Date(Date.now() + 10 * DAY), renewalLeadDays: 14 };
  const obs = await staticKind.inspect(cred, ctx);
  assert.deepEqual(obs.expiries, [{ source: 'secret', expiresAt: cred.expiresAt }]);
});

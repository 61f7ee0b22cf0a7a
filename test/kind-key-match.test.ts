// A probing cycle lets the probe's TLS context prove that a client key matches its certificate
// (no second key parse); a non-probing one parses the key. Both must say exactly the same thing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import pino from 'pino';
import { claraKind } from '../src/kinds/clara.js';
import { createCa, createClientCert } from './helpers/pki.js';
import { writeFiles } from './helpers/mtls-server.js';
import { Secret } from '../src/secret.js';
import { forgetFileVersions } from '../src/kinds/file-memo.js';

describe('clara-project: the key matches its certificate, probing or not', () => {
  let files: ReturnType<typeof writeFiles>;
  before(async () => {
    const ca = await createCa();
    const client = await createClientCert(ca);
    const other = await createClientCert(ca);
    files = writeFiles({ 'client.crt': client.cert, 'client.key': client.key, 'other.key': other.key, 'ca.pem': ca.cert });
    chmodSync(files.path('client.key'), 0o600);
    chmodSync(files.path('other.key'), 0o600);
  });
  after(() => files.cleanup());

  const cred = (key: string) =>
    ({
      id: `clara-${key}`,
      kind: 'clara-project',
      project: 'P',
      country: 'mx',
      baseUrl: 'https://127.0.0.1:1',
      validityDays: 360,
      createdAt: new Date('2026-06-01T00:00:00Z'),
      certificate: files.path('client.crt'),
      privateKey: files.path(key),
      ca: files.path('ca.pem'),
      clientId: 'id',
      clientSecret: new Secret('secret-xyz'),
    }) as unknown as Parameters<typeof claraKind.inspect>[0];

  for (const probing of [true, false]) {
    test(`probing ${probing}: a matching key has no finding, another key is critical`, async () => {
      forgetFileVersions(); // each way computes its own answer
      const ctx = { now: new Date('2026-12-01T00:00:00Z'), log: pino({ level: 'silent' }), probing };
      const ok = await claraKind.inspect(cred('client.key'), ctx);
      assert.equal(ok.error, undefined);
      assert.deepEqual(ok.findings, []);
      const bad = await claraKind.inspect(cred('other.key'), ctx);
      assert.deepEqual(bad.findings, [{ level: 'critical', reason: `private key ${files.path('other.key')} does not match the certificate` }]);
    });
  }
});

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byFileVersion } from '../src/kinds/file-memo.js';
import { x509Kind } from '../src/kinds/x509.js';
import { createCa, createServerCert } from './helpers/pki.js';

/** Certificate times are whole seconds. */
const seconds = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;

describe('inspections remembered per file version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-memo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a.txt');

  test('unchanged files are not read again; a rewrite or a chmod is', () => {
    writeFileSync(file, 'one', { mode: 0o600 });
    let calls = 0;
    const read = () => byFileVersion('t1', [file, undefined], () => ++calls);
    assert.equal(read(), 1);
    assert.equal(read(), 1);
    writeFileSync(file, 'two');
    assert.equal(read(), 2);
    chmodSync(file, 0o644);
    assert.equal(read(), 3);
    assert.equal(read(), 3);
  });

  test('a failure is remembered while the file is unchanged; a missing file is asked every time', () => {
    writeFileSync(file, 'bad');
    let calls = 0;
    const fail = () =>
      byFileVersion('t2', [file], () => {
        calls++;
        throw new Error(`broken ${calls}`);
      });
    assert.throws(fail, /broken 1/);
    assert.throws(fail, /broken 1/);
    writeFileSync(file, 'still bad');
    assert.throws(fail, /broken 2/);
    const missing = join(dir, 'missing');
    let asked = 0;
    const read = () => byFileVersion('t3', [missing], () => ++asked);
    read();
    read();
    assert.equal(asked, 2);
  });

  test('x509: a certificate renewed in place is seen on the next inspection', async () => {
    const ca = await createCa();
    const path = join(dir, 'server.pem');
    const old = await createServerCert(ca, { days: 10 });
    writeFileSync(path, old.cert);
    const cred = { id: 'c', kind: 'x509', path, bundle: 'earliest' } as Parameters<typeof x509Kind.inspect>[0];
    const ctx = {} as Parameters<typeof x509Kind.inspect>[1];
    const first = await x509Kind.inspect(cred, ctx);
    assert.equal(first.expiries[0]!.expiresAt.getTime(), seconds(old.notAfter));
    const renewed = await createServerCert(ca, { days: 90 });
    writeFileSync(path, renewed.cert);
    const second = await x509Kind.inspect(cred, ctx);
    assert.equal(second.expiries[0]!.expiresAt.getTime(), seconds(renewed.notAfter));
  });
});

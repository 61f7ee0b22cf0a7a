// The review's defects, one by one, at the unit where each was fixed: secrets in URLs and echoes,
// file modes, bounded reads, storage faults, /healthz on a broken database, HEAD and `//x`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { clearRegisteredSecrets, registerSecret, scrubSecrets, secretForms, Secret } from '../src/secret.js';
import { registerConfigSecrets } from '../src/config/secrets.js';
import { buildConfig } from '../src/config/load.js';
import { parseDate } from '../src/config/helpers.js';
import { serverText } from '../src/probe/redact.js';
import { splitUserinfo } from '../src/notifiers/http.js';
import { webhook } from '../src/notifiers/webhook.js';
import { NotifyError } from '../src/notifiers/notifier.js';
import { ProbeError } from '../src/probe/errors.js';
import { openDatabase, StoreError } from '../src/store/db.js';
import { readRegularFile } from '../src/read-failure.js';
import { readCertificateChain } from '../src/kinds/pem.js';
import { assessHealth, databaseGone, databaseIdentity } from '../src/server/health.js';
import { startServer, type ServerContext } from '../src/server/server.js';
import { createLogger } from '../src/log.js';
import { sampleEvent } from './helpers/alerts-fixtures.js';
import { startHttpServer } from './helpers/notify-http.js';

const tmp = (t: { after(fn: () => void): void }) => {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-hard-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('scrubber: a secret is masked raw, URL-encoded, form-encoded (space, !\'()~), base64', () => {
  const secret = "s3cret value!'()~";
  registerSecret(secret);
  const form = new URLSearchParams({ client_secret: secret }).toString();
  assert.equal(form, 'client_secret=s3cret+value%21%27%28%29%7E');
  for (const echo of [secret, encodeURIComponent(secret), form, Buffer.from(secret).toString('base64')]) {
    const out = scrubSecrets(`server said: ${echo} (end)`);
    assert.ok(!out.includes('s3cret'), out);
    assert.match(out, /<secret>/);
  }
  assert.deepEqual(secretForms('abc'), [], 'too short to mask without shredding words');
  assert.equal(scrubSecrets('nothing to hide here'), 'nothing to hide here');
});

test('scrubber: OAuth Basic (id:secret) and SMTP AUTH PLAIN echoes, and values known only at run time', () => {
  const basic = Buffer.from('client-1:oauth-secret-xyz').toString('base64');
  assert.equal(serverText(`bad header Basic ${basic}`, ['client-1:oauth-secret-xyz']), 'bad header Basic <secret>');
  registerSecret('\u0000mailer\u0000smtp-pass-777');
  const plain = Buffer.from('\u0000mailer\u0000smtp-pass-777').toString('base64');
  const err = new NotifyError(`email mail: Invalid login: 535 AUTH PLAIN ${plain} rejected`, { code: 'smtp_auth', retryable: false });
  assert.ok(!err.message.includes(plain));
  assert.equal(new ProbeError('bad_response', `echo ${'run-time-token-1'}`, 'call').message, 'echo run-time-token-1', 'an unregistered value is left alone');
  assert.equal(serverText('echo run-time-token-1', ['run-time-token-1']), 'echo <secret>');
});

test('scrubber: the config registers secrets, notifier URL path and query, userinfo, and probe URL query values', (t) => {
  const dir = tmp(t);
  clearRegisteredSecrets();
  const { config } = buildConfig(
    {
      database: './cw.db',
      notifiers: [{ name: 'hook', type: 'webhook', url: 'http://bob:Hunter2pass@127.0.0.1:9/hook/TOKEN-abc123?token=T0KEN-q' }],
      credentials: [
        {
          id: 'api',
          kind: 'oauth2',
          tokenUrl: 'https://127.0.0.1:9/token',
          clientId: 'client-id-1',
          clientSecret: 'client-secret-zz',
          probe: { url: 'https://127.0.0.1:9/ping?api_key=KEY-0123456' },
        },
      ],
    },
    join(dir, 'credwatch.yaml'),
    {},
  );
  registerConfigSecrets(config);
  const echo = 'Cannot POST /hook/TOKEN-abc123?token=T0KEN-q; Location: https://127.0.0.1:9/ping?api_key=KEY-0123456; auth Hunter2pass; client-secret-zz';
  const out = scrubSecrets(echo);
  for (const leak of ['TOKEN-abc123', 'T0KEN-q', 'KEY-0123456', 'Hunter2pass', 'client-secret-zz']) assert.ok(!out.includes(leak), `${leak} in ${out}`);
  assert.ok(out.startsWith('Cannot POST <secret>'), out);
});

test('webhook: user:pass@ in the URL becomes an Authorization header; the password is never in a message', async (t) => {
  const server = await startHttpServer();
  t.after(() => server.close());
  const url = server.url.replace('http://', 'http://ops%40example:p%40ss-W0rd!@') + '/hook';
  assert.deepEqual(splitUserinfo(url), { url: `${server.url}/hook`, authorization: `Basic ${Buffer.from('ops@example:p@ss-W0rd!').toString('base64')}` });
  await webhook.send(sampleEvent(), { name: 'hook', type: 'webhook', url } as never, { log: createLogger({ level: 'silent' }), timeoutMs: 2000, now: new Date(), alert: null });
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]!.url, '/hook');
  assert.equal(server.requests[0]!.headers.authorization, `Basic ${Buffer.from('ops@example:p@ss-W0rd!').toString('base64')}`);
  // A 404 that echoes the path and query is scrubbed of both.
  server.script = [{ status: 404, body: 'Cannot POST /hook/SECRET-PATH-9?token=QUERYTOKEN' }];
  const secretUrl = `${server.url}/hook/SECRET-PATH-9?token=QUERYTOKEN`;
  await assert.rejects(
    webhook.send(sampleEvent(), { name: 'hook', type: 'webhook', url: secretUrl } as never, { log: createLogger({ level: 'silent' }), timeoutMs: 2000, now: new Date(), alert: null }),
    (err: NotifyError) => {
      assert.equal(err.message, 'webhook hook answered HTTP 404 (wrong URL?): Cannot POST <secret>');
      return true;
    },
  );
});

test('database: created 0600 in a 0700 folder whatever the umask', (t) => {
  const dir = tmp(t);
  const old = process.umask(0);
  try {
    const file = join(dir, 'data', 'nested', 'cw.db');
    openDatabase(file).close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'data', 'nested')).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
  } finally {
    process.umask(old);
  }
});

test('database faults: one line naming the path and the problem', (t) => {
  const dir = tmp(t);
  const fail = (file: string) => {
    try {
      openDatabase(file).close();
    } catch (err) {
      assert.ok(err instanceof StoreError);
      assert.ok(!err.message.includes('\n'));
      return err.message;
    }
    return 'opened';
  };
  mkdirSync(join(dir, 'dir.db'));
  assert.equal(fail(join(dir, 'dir.db')), `database ${join(dir, 'dir.db')} is a directory`);
  writeFileSync(join(dir, 'text.db'), 'not a database at all, just text\n'.repeat(50));
  assert.equal(fail(join(dir, 'text.db')), `database ${join(dir, 'text.db')} is not a SQLite database`);
  assert.equal(fail('/proc/self/status'), 'database /proc/self/status is under /proc, /sys or /dev; choose a path on a real disk');
  const locked = join(dir, 'locked.db');
  openDatabase(locked).close();
  const other = new Database(locked);
  other.exec('BEGIN IMMEDIATE');
  try {
    const db = (() => {
      try {
        return openDatabase(locked, { busyTimeoutMs: 50 });
      } catch (err) {
        return (err as Error).message;
      }
    })();
    assert.equal(db, `database ${locked} is locked by another process`);
  } finally {
    other.close();
  }
});

test('files: only regular files, with a size cap; a FIFO is refused without waiting for a writer', (t) => {
  const dir = tmp(t);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const code = (f: string, max?: number) => {
    try {
      readRegularFile(f, max);
      return 'read';
    } catch (err) {
      return `${(err as { code: string }).code}: ${(err as Error).message}`;
    }
  };
  assert.equal(code(fifo), 'ENOTREG: is not a regular file (a device, FIFO or socket cannot be read safely)');
  assert.match(code('/dev/zero'), /^ENOTREG/);
  writeFileSync(join(dir, 'big'), Buffer.alloc(2048));
  assert.equal(code(join(dir, 'big'), 1024), 'EFBIG: is too large (2048 bytes; the limit is 1 KiB)');
  assert.equal(code(join(dir, 'big'), 4096), 'read');
  assert.throws(() => readCertificateChain(fifo), /certificate .*fifo is not a regular file/);
});

test('PEM: unterminated BEGIN lines are scanned once (the answer is "no certificate", not a freeze)', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'bomb.pem');
  writeFileSync(file, '-----BEGIN CERTIFICATE-----\nAAAA\n'.repeat(30_000));
  assert.throws(() => readCertificateChain(file), /contains no PEM certificate/);
});

test('dates: a year is taken as written and must be 1970-9999', () => {
  assert.equal(parseDate('0027-03-01'), null);
  assert.equal(parseDate('2027-03-01')?.toISOString(), '2027-03-01T00:00:00.000Z');
  assert.equal(parseDate('1970-01-01')?.toISOString(), '1970-01-01T00:00:00.000Z');
  assert.equal(parseDate('0099-12-31T00:00:00Z'), null);
});

test('/healthz: notices a deleted, replaced or overwritten database', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'cw.db');
  const db = openDatabase(file);
  t.after(() => db.close());
  const id = databaseIdentity(file);
  assert.equal(databaseGone(file, id), null);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(16, 0x41), 0, 16, 0);
  closeSync(fd);
  assert.equal(databaseGone(file, id), `database ${file} is corrupt (its header is not SQLite's)`);
  unlinkSync(file);
  assert.equal(databaseGone(file, id), `database ${file} was deleted while the daemon runs (restart it to create a new one)`);
  writeFileSync(file, 'new file');
  assert.equal(databaseGone(file, id), `database ${file} was replaced by another file while the daemon runs (restart it)`);
  const h = assessHealth({ schedulerRunning: true, deadline: Date.now() + 60_000, lastCycleFinishedAt: null, databaseError: `database ${file}: disk full`, now: Date.now() });
  assert.deepEqual(h.reasons, [`database ${file}: disk full`]);
});

test('HTTP: HEAD answers like GET without a body; //anything is a 404, not the page', async () => {
  const config = { server: { listen: '127.0.0.1:0' }, defaults: { notify: [] }, credentials: [{ id: 'a', kind: 'static', renewalLeadDays: 14 }] } as any;
  const ctx: ServerContext = {
    config: () => config,
    report: () => ({ checkedAt: new Date(0).toISOString(), summary: { ok: 0, warning: 0, critical: 0, expired: 0, failing: 0, error: 0 }, credentials: [] }),
    health: () => assessHealth({ schedulerRunning: true, deadline: Date.now() + 60_000, lastCycleFinishedAt: null, databaseError: null, now: Date.now() }),
    metrics: () => ({ credentials: [], notifications: [], outboxBacklog: 0, lastCycle: null, cycles: { ok: 0, failed: 0 } }),
    log: createLogger({ level: 'silent' }),
  };
  const server = await startServer(ctx, '127.0.0.1:0');
  const base = `http://127.0.0.1:${server.address.port}`;
  try {
    for (const path of ['/healthz', '/status', '/', '/metrics']) {
      const get = await fetch(`${base}${path}`);
      const head = await fetch(`${base}${path}`, { method: 'HEAD' });
      assert.equal(head.status, get.status, path);
      assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), path);
      // The same length as GET's (gzip-encoded when the body is large: fetch asks for gzip), and GET's body has it.
      assert.equal(head.headers.get('content-length'), get.headers.get('content-length'), path);
      assert.equal(head.headers.get('content-encoding'), get.headers.get('content-encoding'), path);
      if (!get.headers.get('content-encoding')) assert.equal(get.headers.get('content-length'), String(Buffer.byteLength(await get.text())), path);
      assert.equal(await head.text(), '', path);
    }
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(server.address.port, '127.0.0.1', () => sock.write('GET //anything HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let data = '';
      sock.on('data', (d: Buffer) => (data += d));
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 404 /);
  } finally {
    await server.close();
  }
});

test('Secret values print as <secret>; the wrapper is unchanged', () => {
  assert.equal(JSON.stringify({ s: new Secret('abcdefgh') }), '{"s":"<secret>"}');
});

test('probe Retry-After: a year-long wait is capped at six hours', async () => {
  const { parseRetryAfter, MAX_PROBE_RETRY_AFTER_MS } = await import('../src/probe/retry-after.js');
  const now = Date.parse('2026-11-22T10:00:00Z');
  assert.equal(parseRetryAfter(String(365 * 86_400), now)?.getTime(), now + MAX_PROBE_RETRY_AFTER_MS);
  assert.equal(parseRetryAfter('Sun, 22 Nov 2027 12:00:00 GMT', now)?.getTime(), now + MAX_PROBE_RETRY_AFTER_MS);
  assert.equal(parseRetryAfter('90', now)?.toISOString(), '2026-11-22T10:01:30.000Z');
});

test('Retry-After has one parser: delay-seconds or an HTTP date as a delay, negative when past', async () => {
  const { retryAfterDelayMs } = await import('../src/retry-after.js');
  const { parseRetryAfter } = await import('../src/probe/retry-after.js');
  const now = Date.parse('2026-11-22T10:00:00.500Z');
  assert.equal(retryAfterDelayMs(' 7 ', now), 7000);
  assert.equal(retryAfterDelayMs(['3', '9'], now), 3000);
  assert.equal(retryAfterDelayMs('Sun, 22 Nov 2026 10:00:10 GMT', now), 9500);
  assert.equal(retryAfterDelayMs('Sun, 22 Nov 2026 09:00:00 GMT', now), -3_600_500);
  for (const v of [undefined, null, '', '  ', 'soon']) assert.equal(retryAfterDelayMs(v, now), null);
  assert.equal(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now), null);
  assert.equal(parseRetryAfter('0', now)?.getTime(), now);
});

test('database faults the tests cannot stage as root (read-only, unwritable, disk full) still read as one plain line', async (t) => {
  const { describeStoreFailure } = await import('../src/store/db.js');
  const dir = tmp(t);
  const file = join(dir, 'ro.db');
  openDatabase(file).close();
  const ro = new Database(file, { readonly: true });
  let readOnly: unknown;
  try {
    ro.exec('CREATE TABLE x (a)');
  } catch (err) {
    readOnly = err;
  } finally {
    ro.close();
  }
  assert.equal((readOnly as { code: string }).code, 'SQLITE_READONLY');
  assert.equal(describeStoreFailure(readOnly), "is read-only (check the file's and its folder's permissions and the mount)");
  assert.equal(describeStoreFailure(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })), 'is not writable (permission denied)');
  assert.equal(describeStoreFailure(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })), 'cannot be written: disk full');
  assert.equal(describeStoreFailure(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' })), 'is corrupt (database disk image is malformed)');
});

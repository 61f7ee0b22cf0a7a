// STARTTLS on the tls kind against real loopback servers: smtp-server for SMTP, small IMAP, POP3
// and PostgreSQL SSLRequest responders; `hosts:` lists, each its own credential.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { createCa, createServerCert } from './helpers/pki.js';
import { closedPort, silentServer, writeFiles } from './helpers/mtls-server.js';
import { startResponder, type StartTlsServer } from './helpers/starttls-servers.js';
import { tlsKind, type TlsCredential } from '../src/kinds/tls.js';
import { buildConfig } from '../src/config/load.js';
import { discoverCredentials } from '../src/kinds/discovery.js';

const log = pino({ level: 'silent' });
const ctx = { now: new Date(), log };
const secondsOf = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();

describe('tls kind: STARTTLS', () => {
  let ca: Awaited<ReturnType<typeof createCa>>;
  let notAfter: Date;
  let files: ReturnType<typeof writeFiles>;
  let smtp: SMTPServer;
  let smtpPort: number;
  let plainSmtp: SMTPServer;
  let plainSmtpPort: number;
  const responders: Record<string, StartTlsServer> = {};
  const refusing: Record<string, StartTlsServer> = {};

  before(async () => {
    ca = await createCa({ cn: 'credwatch test STARTTLS CA' });
    notAfter = new Date(Date.now() + 45 * 86_400_000);
    const leaf = await createServerCert(ca, { notAfter });
    files = writeFiles({ 'ca.pem': ca.cert });
    const chain = leaf.cert + ca.cert;
    smtp = new SMTPServer({ secure: false, key: leaf.key, cert: chain, authOptional: true, logger: false });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    plainSmtp = new SMTPServer({ secure: false, hideSTARTTLS: true, authOptional: true, logger: false });
    await new Promise<void>((r) => plainSmtp.listen(0, '127.0.0.1', r));
    plainSmtpPort = (plainSmtp.server.address() as AddressInfo).port;
    for (const kind of ['imap', 'pop3', 'postgres'] as const) {
      responders[kind] = await startResponder(kind, { key: leaf.key, cert: chain });
      refusing[kind] = await startResponder(kind, { key: leaf.key, cert: chain, refuse: true });
    }
  });
  after(async () => {
    await new Promise<void>((r) => smtp.close(r));
    await new Promise<void>((r) => plainSmtp.close(r));
    for (const s of [...Object.values(responders), ...Object.values(refusing)]) await s.close();
    files.cleanup();
  });

  const cred = (over: Partial<TlsCredential>): TlsCredential => ({
    id: 'mail',
    kind: 'tls',
    renewalLeadDays: 14,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: files.path('ca.pem'),
    timeoutMs: 5000,
    ...over,
  });

  const portOf = (proto: string) => (proto === 'smtp' ? smtpPort : responders[proto]!.port);

  for (const proto of ['smtp', 'imap', 'pop3', 'postgres'] as const) {
    test(`${proto}: upgrades, records the served chain and verifies it for the name`, async () => {
      const obs = await tlsKind.inspect(cred({ starttls: proto, port: portOf(proto) }), ctx);
      assert.equal(obs.error, undefined);
      assert.deepEqual(obs.findings, []);
      assert.deepEqual(
        obs.expiries.map((e) => [e.source, e.expiresAt.toISOString()]),
        [
          ['certificate', secondsOf(notAfter)],
          ['certificate.chain[1]', secondsOf(ca.notAfter)],
        ],
      );
      assert.equal(obs.certificates[0]!.subject, 'CN=localhost');
    });

    test(`${proto}: a name the certificate does not cover is critical`, async () => {
      const obs = await tlsKind.inspect(cred({ starttls: proto, port: portOf(proto), servername: 'mail.example.com' }), ctx);
      assert.equal(obs.error, undefined);
      assert.equal(obs.findings.length, 1);
      assert.match(obs.findings[0]!.reason, /does not verify for mail\.example\.com \(ERR_TLS_CERT_ALTNAME_INVALID\): the certificate is not valid for this name$/);
    });
  }

  test('the client speaks each protocol exactly', async () => {
    assert.equal(responders.imap!.conversations[0], 'cw1 STARTTLS\n');
    assert.equal(responders.pop3!.conversations[0], 'STLS\n');
    assert.equal(responders.postgres!.conversations[0], '0000000804d2162f');
  });

  test('untrusted chain: still recorded, critical', async () => {
    const obs = await tlsKind.inspect(cred({ starttls: 'imap', port: responders.imap!.port, ca: undefined }), ctx);
    assert.equal(obs.expiries.length, 2);
    assert.match(obs.findings[0]!.reason, /\(SELF_SIGNED_CERT_IN_CHAIN\): the chain ends in a CA that is not trusted/);
  });

  test('a server that refuses the upgrade: could not inspect, with what it said', async () => {
    const at = (s: StartTlsServer) => `127.0.0.1:${s.port}`;
    const cases: [TlsCredential, string][] = [
      [cred({ starttls: 'smtp', port: plainSmtpPort }), `127.0.0.1:${plainSmtpPort} (smtp) does not offer STARTTLS`],
      [cred({ starttls: 'imap', port: refusing.imap!.port }), `${at(refusing.imap!)} (imap) refused STARTTLS: "cw1 NO STARTTLS not available"`],
      [cred({ starttls: 'pop3', port: refusing.pop3!.port }), `${at(refusing.pop3!)} (pop3) refused STLS: "-ERR TLS not available"`],
      [cred({ starttls: 'postgres', port: refusing.postgres!.port }), `${at(refusing.postgres!)} (postgres) does not accept TLS (answered N to SSLRequest)`],
      [cred({ starttls: 'imap', port: responders.pop3!.port }), `${at(responders.pop3!)} (imap) did not greet with * OK: "+OK credwatch test POP3 ready"`],
    ];
    for (const [c, message] of cases) assert.deepEqual((await tlsKind.inspect(c, ctx)).error, { code: 'tls_handshake', message });
  });

  test('connection refused and silence: the same errors as plain TLS', async () => {
    const closed = await closedPort();
    assert.deepEqual((await tlsKind.inspect(cred({ starttls: 'smtp', port: closed }), ctx)).error, { code: 'connection', message: `cannot connect to 127.0.0.1:${closed}: connection refused` });
    const s = await silentServer();
    try {
      const obs = await tlsKind.inspect(cred({ starttls: 'smtp', port: s.port, timeoutMs: 200 }), ctx);
      assert.deepEqual(obs.error, { code: 'timeout', message: `no STARTTLS (smtp) upgrade with 127.0.0.1:${s.port} within 200 ms` });
    } finally {
      await s.close();
    }
  });

  test('hosts: each host:port its own credential, sharing the config', async () => {
    const { config } = buildConfig(
      {
        credentials: [
          {
            id: 'mail',
            kind: 'tls',
            starttls: 'imap',
            servername: 'localhost',
            ca: files.path('ca.pem'),
            owner: 'mail-team',
            hosts: [`127.0.0.1:${responders.imap!.port}`, `localhost:${refusing.imap!.port}`],
          },
        ],
      },
      '/tmp/x/credwatch.yaml',
      {},
    );
    const { credentials } = await discoverCredentials(config, undefined, [], ctx);
    assert.deepEqual(
      credentials.map((c) => [c.id, (c as TlsCredential).host, (c as TlsCredential).port, c.owner]),
      [
        [`mail/127.0.0.1:${responders.imap!.port}`, '127.0.0.1', responders.imap!.port, 'mail-team'],
        [`mail/localhost:${refusing.imap!.port}`, 'localhost', refusing.imap!.port, 'mail-team'],
      ],
    );
    const [good, bad] = await Promise.all(credentials.map((c) => tlsKind.inspect(c as TlsCredential, ctx)));
    assert.equal(good!.error, undefined);
    assert.equal(good!.expiries[0]!.expiresAt.toISOString(), secondsOf(notAfter));
    assert.equal(bad!.error?.code, 'tls_handshake');
    assert.match(bad!.error?.message ?? '', /\(imap\) refused STARTTLS/);
  });

  test('config: starttls is one of four; host or hosts, not both; default ports per protocol', async () => {
    const load = (c: Record<string, unknown>) => () => buildConfig({ credentials: [{ id: 't', kind: 'tls', ...c }] }, '/tmp/x/credwatch.yaml', {});
    assert.throws(load({ host: 'a', starttls: 'ftp' }), /credentials\[0\]\.starttls: must be one of "smtp", "imap", "pop3", "postgres"/);
    assert.throws(load({ host: 'a', hosts: ['b:1'] }), /credentials\[0\]\.hosts: set either host or hosts, not both/);
    assert.throws(load({}), /credentials\[0\]\.host: is required \(or hosts: a list of host:port\)/);
    assert.throws(load({ hosts: ['https://a:1'] }), /credentials\[0\]\.hosts\[0\]: must be host:port/);
    assert.throws(load({ hosts: ['a:70000'] }), /credentials\[0\]\.hosts\[0\]: the port must be 1\.\.65535/);
    const { config } = buildConfig({ credentials: [{ id: 'm', kind: 'tls', starttls: 'smtp', hosts: ['a', 'b:587', '[::1]'] }] }, '/tmp/x/credwatch.yaml', {});
    const { credentials } = await discoverCredentials(config, undefined, [], ctx);
    assert.deepEqual(credentials.map((c) => c.id), ['m/a:25', 'm/b:587', 'm/[::1]:25']);
  });
});

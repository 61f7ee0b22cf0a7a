// A real SMTP server (smtp-server) on 127.0.0.1:0 with the test PKI: STARTTLS or implicit TLS,
// PLAIN/LOGIN authentication, every message parsed with mailparser.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createCa, createServerCert } from './pki.js';

export interface Received {
  mail: ParsedMail;
  /** TLS was on when the message was sent (STARTTLS or implicit). */
  secure: boolean;
  user: string | undefined;
  from: string | false;
  to: string[];
}

export interface TestSmtp {
  port: number;
  /** PEM file of the CA that signed the server certificate (for `smtp.ca`). */
  caFile: string;
  received: Received[];
  authAttempts: { username: string | undefined; ok: boolean }[];
  close(): Promise<void>;
}

export async function startSmtpServer(o: { user: string; password: string; implicitTls?: boolean; noStartTls?: boolean; port?: number }): Promise<TestSmtp> {
  const ca = await createCa({ cn: 'credwatch test SMTP CA' });
  const cert = await createServerCert(ca);
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-smtp-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const received: Received[] = [];
  const authAttempts: TestSmtp['authAttempts'] = [];
  const server = new SMTPServer({
    secure: o.implicitTls ?? false,
    key: cert.key,
    cert: cert.cert,
    // A relay without STARTTLS; it would take a password in clear text if a client offered one.
    disabledCommands: o.noStartTls ? ['STARTTLS'] : [],
    allowInsecureAuth: o.noStartTls ?? false,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, cb) {
      const ok = auth.username === o.user && auth.password === o.password;
      authAttempts.push({ username: auth.username, ok });
      if (ok) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session: SMTPServerSession, cb) {
      simpleParser(stream).then(
        (mail) => {
          received.push({
            mail,
            secure: session.secure,
            user: session.user as string | undefined,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    caFile,
    received,
    authAttempts,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}

// Email through nodemailer to a real SMTP server: STARTTLS with the test PKI, authentication,
// parsed headers and bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { email, type EmailConfig } from '../src/notifiers/email.js';
import { NotifyError } from '../src/notifiers/notifier.js';
import { Secret } from '../src/secret.js';
import { schemaHelpers } from '../src/config/helpers.js';
import { sampleEvent, silentLog } from './helpers/alerts-fixtures.js';
import { startSmtpServer, type TestSmtp } from './helpers/notify-smtp.js';

const PASSWORD = 'smtp-canary-9c1e77a2';
const ctx = { log: silentLog(), timeoutMs: 5000, now: new Date(), alert: { condition: 'expiry' as const, level: 'critical' as const } };

function configFor(smtp: TestSmtp, over: Partial<EmailConfig['smtp']> = {}): EmailConfig {
  return {
    name: 'ops-mail',
    type: 'email',
    from: 'credwatch <credwatch@example.com>',
    to: ['ops@example.com', 'oncall@example.com'],
    smtp: { host: '127.0.0.1', port: smtp.port, tls: 'starttls', user: 'credwatch', password: new Secret(PASSWORD), ca: smtp.caFile, ...over },
  };
}

const TEXT = `clara-erp-prod: critical, expires in 4 days (2026-11-27)

Severity:   critical
Event:      firing
Credential: clara-erp-prod (clara-project)
Days left:  4
Expires:    2026-11-27
Renew by:   2026-11-06
Owner:      payments-team
Runbook:    https://wiki.example.com/runbooks/clara?team=pay&env=prod

Reasons:
- project expires in 4 days (2026-11-27)
- key file is readable by <group> & "others" ('o+r')

Event id: clara-erp-prod:expiry:1:firing-critical
Occurred: 2026-11-22T10:00:00.000Z
`;

const HTML = `<!doctype html>
<html><body>
<p>clara-erp-prod: critical, expires in 4 days (2026-11-27)</p>
<table><tr><th align="left">Severity</th><td>critical</td></tr><tr><th align="left">Event</th><td>firing</td></tr><tr><th align="left">Credential</th><td>clara-erp-prod (clara-project)</td></tr><tr><th align="left">Days left</th><td>4</td></tr><tr><th align="left">Expires</th><td>2026-11-27</td></tr><tr><th align="left">Renew by</th><td>2026-11-06</td></tr><tr><th align="left">Owner</th><td>payments-team</td></tr><tr><th align="left">Runbook</th><td><a href="https://wiki.example.com/runbooks/clara?team=pay&amp;env=prod">https://wiki.example.com/runbooks/clara?team=pay&amp;env=prod</a></td></tr></table>
<p><strong>Reasons</strong></p>
<ul><li>project expires in 4 days (2026-11-27)</li><li>key file is readable by &lt;group&gt; &amp; &quot;others&quot; (&#39;o+r&#39;)</li></ul>
<p style="color:#666">Event id clara-erp-prod:expiry:1:firing-critical &middot; occurred 2026-11-22T10:00:00.000Z</p>
</body></html>
`;

test('email: STARTTLS (required) with authentication; headers and both bodies carry the same facts', async (t) => {
  const smtp = await startSmtpServer({ user: 'credwatch', password: PASSWORD });
  t.after(() => smtp.close());
  await email.send(sampleEvent(), configFor(smtp), ctx);
  assert.equal(smtp.received.length, 1);
  const { mail, secure, user, from, to } = smtp.received[0]!;
  assert.equal(secure, true, 'the message went over TLS (STARTTLS)');
  assert.equal(user, 'credwatch');
  assert.equal(from, 'credwatch@example.com');
  assert.deepEqual(to, ['ops@example.com', 'oncall@example.com']);
  assert.equal(mail.subject, '[credwatch] CRITICAL: clara-erp-prod');
  assert.deepEqual(mail.from?.value, [{ address: 'credwatch@example.com', name: 'credwatch' }]);
  assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : null, 'ops@example.com, oncall@example.com');
  const hash = createHash('sha256').update('clara-erp-prod:expiry:1:firing-critical').digest('hex').slice(0, 32);
  assert.equal(mail.messageId, `<${hash}@credwatch>`);
  assert.equal(mail.headers.get('x-credwatch-event-id'), 'clara-erp-prod:expiry:1:firing-critical');
  assert.equal(mail.text, TEXT);
  assert.equal(mail.html, HTML);
});

test('email: the Message-ID is the same on a retry of the same event', async (t) => {
  const smtp = await startSmtpServer({ user: 'credwatch', password: PASSWORD });
  t.after(() => smtp.close());
  await email.send(sampleEvent(), configFor(smtp), ctx);
  await email.send(sampleEvent(), configFor(smtp), ctx);
  await email.send(sampleEvent({ id: 'other:expiry:1:firing-warning' }), configFor(smtp), ctx);
  const ids = smtp.received.map((r) => r.mail.messageId);
  assert.equal(ids[0], ids[1]);
  assert.notEqual(ids[0], ids[2]);
});

test('email: implicit TLS (smtp.tls: implicit)', async (t) => {
  const smtp = await startSmtpServer({ user: 'credwatch', password: PASSWORD, implicitTls: true });
  t.after(() => smtp.close());
  await email.send(sampleEvent(), configFor(smtp, { tls: 'implicit' }), ctx);
  assert.equal(smtp.received[0]!.secure, true);
});

test('email: a wrong password is a permanent smtp_auth error that does not repeat the password', async (t) => {
  const smtp = await startSmtpServer({ user: 'credwatch', password: 'the-right-one' });
  t.after(() => smtp.close());
  await assert.rejects(email.send(sampleEvent(), configFor(smtp), ctx), (e: NotifyError) => {
    assert.ok(e instanceof NotifyError);
    assert.equal(e.code, 'smtp_auth');
    assert.equal(e.retryable, false);
    assert.match(e.message, /^email ops-mail: Invalid login: 535/);
    assert.ok(!`${e.message}${e.stack}`.includes(PASSWORD));
    return true;
  });
  assert.deepEqual(smtp.authAttempts, [{ username: 'credwatch', ok: false }]);
  assert.equal(smtp.received.length, 0);
});

test('email: STARTTLS required but not offered: permanent, nothing sent in clear', async (t) => {
  const smtp = await startSmtpServer({ user: 'credwatch', password: PASSWORD, noStartTls: true });
  t.after(() => smtp.close());
  await assert.rejects(email.send(sampleEvent(), configFor(smtp), ctx), (e: NotifyError) => e.retryable === false && e.code === 'smtp_tls');
  assert.equal(smtp.authAttempts.length, 0, 'the password never went over plain text');
});

test('email: a server certificate from an unknown CA is refused', async (t) => {
  const smtp = await startSmtpServer({ user: 'credwatch', password: PASSWORD });
  t.after(() => smtp.close());
  await assert.rejects(email.send(sampleEvent(), configFor(smtp, { ca: undefined }), ctx), (e: NotifyError) => {
    assert.ok(e instanceof NotifyError);
    assert.match(e.message, /certificate/);
    return true;
  });
  assert.equal(smtp.authAttempts.length, 0);
});

test('email: schema: starttls by default, user needs a password, password prints as <secret>', () => {
  const schema = email.schema(schemaHelpers('/etc/credwatch'));
  const parsed = schema.parse({ from: 'a@example.com', to: ['b@example.com'], smtp: { host: 'smtp.example.com', port: 587, user: 'u', password: PASSWORD, ca: 'relay-ca.pem' } }) as unknown as EmailConfig;
  assert.equal(parsed.smtp.tls, 'starttls');
  assert.equal(parsed.smtp.ca, '/etc/credwatch/relay-ca.pem');
  assert.ok(!JSON.stringify(parsed).includes(PASSWORD));
  const bad = schema.safeParse({ from: 'a@example.com', to: 'b@example.com', smtp: { host: 'h', user: 'u', tls: 'ssl' } });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues.map((i) => i.path.join('.')).sort(), ['smtp.tls']);
  const noPw = schema.safeParse({ from: 'a@example.com', to: 'b@example.com', smtp: { host: 'h', user: 'u' } });
  assert.deepEqual(noPw.error!.issues.map((i) => [i.path.join('.'), i.message]), [['smtp.password', 'is required with user (or passwordFile)']]);
});

test('email: smtp.passwordFile is read by the config loader into a secret', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { buildConfig } = await import('../src/config/load.js');
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-mailcfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'smtp-password'), `${PASSWORD}\n`);
  const { config } = buildConfig(
    {
      notifiers: [{ name: 'mail', type: 'email', from: 'a@example.com', to: ['b@example.com'], smtp: { host: 'smtp.example.com', user: 'credwatch', passwordFile: './smtp-password', ca: './ca.pem' } }],
      credentials: [{ id: 'k', kind: 'static', expiresAt: '2027-01-01' }],
    },
    join(dir, 'credwatch.yaml'),
    {},
  );
  const mail = config.notifiers[0] as EmailConfig;
  assert.equal(mail.smtp.password!.reveal(), PASSWORD);
  assert.equal(mail.smtp.tls, 'starttls');
  assert.equal(mail.smtp.ca, join(dir, 'ca.pem'));
  assert.ok(!JSON.stringify(config).includes(PASSWORD));
});

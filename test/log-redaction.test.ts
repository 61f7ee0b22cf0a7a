// Log redaction comes from the schemas' secret marks (h.secret()), not from a hand-kept list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { z } from 'zod';
import { createLogger, logRedactPaths, redactPaths, WIRE_SECRET_NAMES } from '../src/log.js';
import { schemaHelpers } from '../src/config/helpers.js';
import { secretValueFields } from '../src/config/secret-fields.js';

function capture() {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { destination, lines };
}

test('the logger blanks every field a plugin schema declares secret, and leaves identifiers such as clientId', () => {
  const { destination, lines } = capture();
  const log = createLogger({ destination, pretty: false, level: 'info' });
  log.info(
    {
      // pagerduty.ts declares routingKey with h.secret(); no other file names it.
      routingKey: 'R0UTING-KEY-0123456789abcdef',
      clientId: 'partner-client-id',
      notifier: { name: 'ops-mail', password: 'smtp-password-xyz', user: 'credwatch' },
      credential: { id: 'clara-prod', clientSecret: 'clara-client-secret', clientId: 'clara-client-id' },
      headers: { authorization: 'Bearer abc.def.ghi' },
      reply: { access_token: 'tok-123', expires_in: 3600 },
    },
    'hello',
  );
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.routingKey, '<secret>');
  assert.equal(line.clientId, 'partner-client-id');
  assert.deepEqual(line.notifier, { name: 'ops-mail', password: '<secret>', user: 'credwatch' });
  assert.deepEqual(line.credential, { id: 'clara-prod', clientSecret: '<secret>', clientId: 'clara-client-id' });
  assert.deepEqual(line.headers, { authorization: '<secret>' });
  assert.deepEqual(line.reply, { access_token: '<secret>', expires_in: 3600 });
});

test('the redaction paths are the schemas\' secret fields plus the wire names, and clientId is not one', () => {
  const paths = logRedactPaths();
  for (const field of ['clientSecret', 'password', 'refreshToken', 'routingKey', 'secret', 'token', 'url', ...WIRE_SECRET_NAMES]) {
    assert.ok(paths.includes(field), field);
    assert.ok(paths.includes(`*.${field}`), field);
  }
  assert.ok(!paths.some((p) => /clientId/.test(p)), 'clientId is an identifier, not a secret');
  assert.ok(paths.includes('*.headers.authorization'));
});

test('a new plugin\'s secret field is redacted by declaring it in its schema, nothing else', () => {
  const h = schemaHelpers('/etc/credwatch');
  // What a new notifier's file would declare: a secret, an identifier with a file form, a plain key.
  const schema = z.strictObject({
    apiKey: h.secret(),
    'x-signing-key': h.secret().optional(),
    accountId: h.fromFile(z.string()),
    channel: z.string(),
  });
  const fields = secretValueFields([schema]);
  assert.deepEqual([...fields].sort(), ['apiKey', 'x-signing-key']);
  const { destination, lines } = capture();
  const log = pino({ redact: { paths: redactPaths(fields), censor: '<secret>' } }, destination);
  log.info({ apiKey: 'k1', accountId: 'acct-1', channel: '#ops', notifier: { apiKey: 'k2', 'x-signing-key': 'k3', accountId: 'acct-2' } }, 'sent');
  const line = lines[0]!;
  assert.deepEqual(
    { apiKey: line.apiKey, accountId: line.accountId, channel: line.channel, notifier: line.notifier },
    { apiKey: '<secret>', accountId: 'acct-1', channel: '#ops', notifier: { apiKey: '<secret>', 'x-signing-key': '<secret>', accountId: 'acct-2' } },
  );
});

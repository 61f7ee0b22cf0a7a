// fast-check properties: the config loader, the PEM/expiry parser, the token response parser and
// the alert state machine, over generated inputs rather than hand-picked ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { buildConfig, parseConfigText } from '../src/config/load.js';
import { ConfigError } from '../src/config/schema.js';
import { parseDate } from '../src/config/helpers.js';
import { InspectError, readCertificateChain } from '../src/kinds/pem.js';
import { fetchToken } from '../src/probe/oauth.js';
import { ProbeAgent } from '../src/probe/agent.js';
import { secureContextFor } from '../src/probe/tls-material.js';
import { ProbeError } from '../src/probe/errors.js';
import { Secret } from '../src/secret.js';
import { step } from '../src/alerts/machine.js';
import type { AlertState, ConditionInput, Level } from '../src/alerts/types.js';

const ROOT = resolve(import.meta.dirname, '..');
const SEED = Number(process.env.CREDWATCH_FC_SEED ?? 4242);
const runs = (n: number) => ({ numRuns: n, seed: SEED });

test('config loader: any parsed data gives a config or a ConfigError listing problems, never another exception', () => {
  const key = fc.constantFrom('database', 'credentials', 'notifiers', 'server', 'thresholds', 'probe', 'defaults', 'schedule', 'retentionDays', 'id', 'kind', 'expiresAt', 'listen', 'token', 'url', 'type', 'name', 'path', 'tokenFile', 'warningDays');
  const leaf = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('static', 'x509', 'webhook', '2027-01-01', '0027-01-01', '127.0.0.1:99999', '${UNSET_VAR}'));
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 5 })),
  })).node;
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-prop-'));
  try {
    fc.assert(
      fc.property(tree, (data) => {
        try {
          const { config } = buildConfig(structuredClone(data), join(dir, 'credwatch.yaml'), {});
          assert.ok(config.credentials.length >= 1);
        } catch (err) {
          assert.ok(err instanceof ConfigError, `threw ${(err as Error)?.stack}`);
          assert.ok(err.problems.length > 0);
          for (const p of err.problems) assert.ok(typeof p.message === 'string' && p.message.length > 0 && !p.message.includes('undefined'), JSON.stringify(p));
        }
      }),
      runs(300),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config loader: any text parses to data or to problems with a position, never an exception', () => {
  const yamlish = fc.array(fc.constantFrom('a: ', '- ', '&x ', '*x', '[', ']', '{', '}', ': ', '\n', '  ', '"', "'", '#', 'credentials', '0027-03-01', '.inf', '!!binary ', '? ', '|', 'x'), { maxLength: 40 }).map((p) => p.join(''));
  fc.assert(
    fc.property(fc.oneof(yamlish, fc.string({ maxLength: 200 })), (text) => {
      const { problems } = parseConfigText(text, 'c.yaml');
      for (const p of problems) assert.match(p.message, /^c\.yaml: /);
    }),
    runs(500),
  );
});

test('dates: every valid day from 1970 to 9999 round-trips; nothing else parses to a date outside that range', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
      const day = d.toISOString().slice(0, 10);
      assert.equal(parseDate(day)?.toISOString(), `${day}T00:00:00.000Z`);
    }),
    runs(300),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (s) => {
      const d = parseDate(s);
      if (d) assert.ok(d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, s);
    }),
    runs(500),
  );
});

test('PEM parser: junk around and between real certificates changes nothing; junk alone is an InspectError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-prop-pem-'));
  const chain = readFileSync(join(ROOT, 'examples', 'pki', 'internal-api-chain.pem'), 'utf8');
  const blocks = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)!;
  const expected = readCertificateChain(join(ROOT, 'examples', 'pki', 'internal-api-chain.pem')).map((c) => c.fingerprint256);
  const junk = fc.array(fc.constantFrom('# comment\n', 'Bag Attributes\n', 'subject=/CN=x\n', '-----BEGIN CERTIFICATE-----\n', 'AAAA\n', '\n', '-----END\n'), { maxLength: 6 }).map((p) => p.join(''));
  const file = join(dir, 'c.pem');
  try {
    fc.assert(
      fc.property(fc.array(junk, { minLength: blocks.length + 1, maxLength: blocks.length + 1 }), (gaps) => {
        // A dangling BEGIN right before a real block swallows it; only test junk that ends lines cleanly.
        const text = gaps.map((g, i) => (blocks[i] ? `${g.replace(/-----BEGIN CERTIFICATE-----\n$/, '')}${blocks[i]}` : g)).join('');
        writeFileSync(file, text);
        try {
          assert.deepEqual(readCertificateChain(file).map((c) => c.fingerprint256), expected);
        } catch (err) {
          // A BEGIN inside the junk may pair with the next real END: a bad block, reported as such.
          assert.ok(err instanceof InspectError && err.code === 'bad_certificate', String(err));
        }
      }),
      runs(150),
    );
    fc.assert(
      fc.property(fc.oneof(junk, fc.string({ maxLength: 300 })), (text) => {
        writeFileSync(file, text);
        assert.throws(() => readCertificateChain(file), InspectError);
      }),
      runs(200),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('token response parser: any reply gives a token or a classified ProbeError, and never echoes the client secret', async () => {
  const SECRET = "prop secret !'()~ 42";
  let reply = { status: 200, type: 'application/json', body: '' };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(reply.status, { 'content-type': reply.type });
      res.end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  const agent = new ProbeAgent(secureContextFor({}), { timeoutMs: 2000 });
  const form = new URLSearchParams({ s: SECRET }).toString().slice(2);
  const echo = fc.constantFrom(SECRET, encodeURIComponent(SECRET), form, Buffer.from(`cid:${SECRET}`).toString('base64'), 'plain');
  const body = fc.oneof(
    fc.record({ access_token: fc.oneof(fc.string(), fc.constant(''), fc.integer()), expires_in: fc.oneof(fc.integer({ min: -10, max: 1e9 }), fc.string({ maxLength: 8 }), fc.constant(null)), refresh_token: fc.option(fc.string()) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    fc.record({ error: fc.constantFrom('invalid_client', 'invalid_grant', 'weird'), error_description: echo }).map((o) => JSON.stringify(o)),
    echo.map((e) => `<html>${e}</html>`),
    fc.string({ maxLength: 100 }),
  );
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(200, 201, 400, 401, 403, 404, 429, 500, 503), fc.constantFrom('application/json', 'text/html', 'text/plain'), body, async (status, type, text) => {
        reply = { status, type, body: text };
        try {
          const t = await fetchToken(agent, { tokenUrl: url, clientId: 'cid', clientSecret: new Secret(SECRET), clientAuth: 'body' }, { timeoutMs: 2000, clock: () => 1_000_000 });
          assert.ok(status >= 200 && status < 300);
          assert.ok(t.accessToken.reveal().length > 0);
          assert.ok(t.expiresAt === null || t.expiresAt > 1_000_000);
        } catch (err) {
          assert.ok(err instanceof ProbeError, String(err));
          assert.ok(['token_rejected', 'forbidden', 'rate_limited', 'server_error', 'bad_token_response'].includes(err.code), err.code);
          for (const leak of [SECRET, encodeURIComponent(SECRET), form, Buffer.from(`cid:${SECRET}`).toString('base64')]) assert.ok(!err.message.includes(leak), err.message);
        }
      }),
      runs(150),
    );
  } finally {
    await agent.close();
    await new Promise((r) => server.close(r));
  }
});

test('alert state machine: no event key twice, resolved only after a firing, reminders only while an alert is active', () => {
  const level = fc.constantFrom<Level>('ok', 'warning', 'critical', 'expired', 'failing');
  const cycle = fc.record({ level, daysLeft: fc.option(fc.integer({ min: -5, max: 90 }), { nil: null }), renew: fc.boolean(), hours: fc.integer({ min: 1, max: 48 }) });
  const settings = { remindDays: [60, 30, 14, 7, 3, 1], repeatHours: 24 };
  fc.assert(
    fc.property(fc.array(cycle, { minLength: 1, maxLength: 40 }), (cycles) => {
      let state: AlertState | null = null;
      let now = Date.parse('2026-11-22T10:00:00Z');
      let expiry = now + 30 * 86_400_000;
      const keys = new Set<string>();
      const fired = new Set<number>(); // episodes with a firing
      let active = false;
      for (const c of cycles) {
        now += c.hours * 3_600_000;
        if (c.renew) expiry += 365 * 86_400_000;
        const input: ConditionInput = { level: c.level, daysLeft: c.daysLeft, expiresAt: new Date(expiry).toISOString(), fingerprints: [] };
        const s = step(state, input, settings, new Date(now), 'k:expiry:');
        if (s.event) {
          const key = s.event.key;
          assert.ok(!keys.has(key), `event ${key} twice`);
          keys.add(key);
          const episode = Number(key.split(':')[2]);
          if (s.event.event === 'firing') {
            fired.add(episode);
            active = true;
          } else if (s.event.event === 'resolved') {
            // (A renewal while still critical opens a new episode silently: the resolve carries that
            // episode's number, so "after a firing" means an alert is active, not the same number.)
            assert.ok(active && fired.size > 0, `resolved ${key} without a firing before it`);
            active = false;
          } else if (c.level !== 'ok') {
            // A reminder of a live problem: only while its alert is active (heads-ups at ok open nothing).
            assert.ok(active, `reminder ${key} with no active alert`);
          }
        }
        state = s.next;
        assert.equal(active, state.level !== 'ok', `active flag and state agree after ${JSON.stringify(c)}`);
      }
    }),
    runs(1000),
  );
});

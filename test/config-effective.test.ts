import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, secretFileFields } from '../src/config/load.js';
import { ConfigError } from '../src/config/schema.js';
import { effectiveSettings, notifyTimeoutMs } from '../src/config/effective.js';

const cred = { id: 'k', kind: 'static', expiresAt: '2099-01-01' };

test('notify.timeoutMs bounds a delivery; unset, the probe timeout does (as before the setting)', () => {
  const plain = buildConfig({ credentials: [cred] }, '/tmp/credwatch.yaml').config;
  assert.equal(notifyTimeoutMs(plain), 10000);
  const own = buildConfig({ probe: { timeoutMs: 4000 }, notify: { timeoutMs: 2500 }, credentials: [cred] }, '/tmp/credwatch.yaml').config;
  assert.equal(notifyTimeoutMs(own), 2500);
  assert.equal(notifyTimeoutMs(buildConfig({ probe: { timeoutMs: 4000 }, credentials: [cred] }, '/tmp/credwatch.yaml').config), 4000);
  assert.throws(
    () => buildConfig({ notify: { timeoutMs: 5 }, credentials: [cred] }, '/tmp/credwatch.yaml'),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.path === 'notify.timeoutMs' && p.message === 'must be at least 100'),
  );
});

test('effective settings: the credential overrides, else the global ones', () => {
  const { config } = buildConfig(
    {
      thresholds: { warningDays: 20, criticalDays: 5 },
      probe: { timeoutMs: 3000, failuresBeforeAlert: 3, interval: '1h' },
      credentials: [cred, { ...cred, id: 'own', thresholds: { warningDays: 40 } }],
    },
    '/tmp/credwatch.yaml',
  );
  assert.deepEqual(effectiveSettings(config, config.credentials[0]), { warningDays: 20, criticalDays: 5, timeoutMs: 3000, failuresBeforeAlert: 3, interval: 3_600_000 });
  assert.deepEqual(effectiveSettings(config, config.credentials[1]), { warningDays: 40, criticalDays: 5, timeoutMs: 3000, failuresBeforeAlert: 3, interval: 3_600_000 });
  assert.deepEqual(effectiveSettings(config, undefined), { warningDays: 20, criticalDays: 5, timeoutMs: 3000, failuresBeforeAlert: 3, interval: 3_600_000 });
});

test('the xFile form is derived from the schemas: secrets, and identifiers or URLs declared with a file form', () => {
  assert.deepEqual([...secretFileFields()].sort(), ['clientId', 'clientSecret', 'password', 'refreshToken', 'routingKey', 'secret', 'token', 'url']);
});

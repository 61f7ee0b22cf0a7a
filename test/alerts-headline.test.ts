// The alert summary (Slack, email, webhook, Alertmanager) headlines the cause of the level, not
// merely the first reason found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../src/evaluate.js';
import { processResults } from '../src/alerts/process.js';
import { emptyObservation } from '../src/types.js';
import { config, credential, tempDb } from './helpers/alerts-fixtures.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const DAY = 86_400_000;

test('a key mismatch, a certificate not yet valid, a failing probe: each is the summary of the alert it raises', () => {
  const h = tempDb();
  try {
    const far = new Date(NOW.getTime() + 200 * DAY);
    const base = { kind: 'x509', previousProbeFailures: 0, warningDays: 30, criticalDays: 7, renewalLeadDays: 14, failuresBeforeAlert: 1, now: NOW, probe: null };
    const results = [
      evaluate({ ...base, id: 'mismatch', observation: { ...emptyObservation(), expiries: [{ source: 'certificate', expiresAt: far }], findings: [{ level: 'critical', reason: 'private key /k.pem does not match the certificate' }] } }),
      evaluate({
        ...base,
        id: 'early',
        observation: {
          ...emptyObservation(),
          expiries: [{ source: 'certificate', expiresAt: far }],
          certificates: [{ source: 'certificate', subject: 'CN=x', issuer: 'CN=ca', serial: '01', fingerprint256: 'AA', notBefore: '2026-12-01T00:00:00.000Z', notAfter: far.toISOString() }],
        },
      }),
      evaluate({
        ...base,
        id: 'probe',
        observation: { ...emptyObservation(), expiries: [{ source: 'certificate', expiresAt: far }] },
        probe: { ok: false, stage: 'tls', httpStatus: null, latencyMs: 3, tokenExpiresAt: null, error: { code: 'tls_handshake', message: 'the server refused the client certificate' } },
      }),
    ];
    const cfg = config({ credentials: [credential('mismatch'), credential('early'), credential('probe')] });
    const queued = processResults(h.db, cfg, results, NOW);
    assert.deepEqual(
      queued.map((q) => [q.event.id, q.event.summary]),
      [
        ['mismatch:expiry:1:firing-critical', 'mismatch: critical, private key /k.pem does not match the certificate'],
        ['early:expiry:1:firing-critical', 'early: critical, certificate is not valid until 2026-12-01T00:00:00.000Z'],
        ['probe:probe:1:firing-failing', 'probe: probe failing: tls_handshake: the server refused the client certificate'],
      ],
    );
    assert.equal(results[2]!.reasons[0], 'probe failing for 1 consecutive check: tls_handshake: the server refused the client certificate');
  } finally {
    h.cleanup();
  }
});

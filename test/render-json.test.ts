import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { writeReportJson } from '../src/render/json.js';
import { reportJson, summarize, type CheckReport, type CredentialResult } from '../src/types.js';
import { tempDir } from './helpers/cli.js';

const cred = (id: string): CredentialResult => ({
  id,
  kind: 'static',
  status: 'ok',
  expiresAt: '2027-01-05T00:00:00.000Z',
  daysLeft: 44,
  renewBy: null,
  expiries: [{ source: 'secret', expiresAt: '2027-01-05T00:00:00.000Z', daysLeft: 44 }],
  probe: { ok: false, stage: 'token', httpStatus: 401, latencyMs: 3, tokenExpiresAt: null, error: { code: 'token_rejected', message: 'quote " and\nnewline' } },
  reasons: ['a', 'b'],
  certificates: [],
  levels: { expiry: 'ok', probe: 'ok' },
  probeFailures: 1,
});

test('streamed report JSON is byte for byte JSON.stringify(report, null, 2)', () => {
  const t = tempDir();
  try {
    for (const n of [0, 1, 3]) {
      const creds = Array.from({ length: n }, (_, i) => cred(`c${i}`));
      const report: CheckReport = { checkedAt: '2026-11-22T10:00:00.000Z', summary: summarize(creds), credentials: creds };
      const file = t.path(`out-${n}.json`);
      const fd = openSync(file, 'w');
      writeReportJson(report, fd);
      closeSync(fd);
      assert.equal(readFileSync(file, 'utf8'), JSON.stringify(reportJson(report), null, 2) + '\n', `${n} credentials`);
    }
  } finally {
    t.cleanup();
  }
});

// The demo never goes stale: examples are generated relative to today, and what the README says
// the demo shows (every status, exit 2 because a credential is expired) is what it does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TSX, runCli, tempDir } from './helpers/cli.js';

const t = tempDir();
after(() => t.cleanup());

test('generated examples show ok, warning, critical and expired today, and check exits 2 as the README says', async () => {
  const gen = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'scripts', 'make-examples.ts'), t.dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(gen.status, 0, gen.stderr);
  const r = await runCli(['check', '--json', '--no-probe', '--config', t.path('credwatch.yaml')]);
  assert.equal(r.code, 2, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.summary, { ok: 3, warning: 1, critical: 1, expired: 1, failing: 0, error: 0 });
  const expired = out.credentials.find((c: { status: string }) => c.status === 'expired');
  assert.equal(expired.id, 'partner-client');
  assert.match(expired.reasons[0], /^certificate expired [34] days ago \(\d{4}-\d{2}-\d{2}\)$/);

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.match(pkg.scripts.demo, /npm run --silent examples && node dist\/cli\.cjs check --no-probe --config examples\/credwatch\.yaml$/);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /the demo exits 2\*\*/);
  assert.match(readme, /`partner-client`\s+expired a few days\s+ago on purpose/);
});

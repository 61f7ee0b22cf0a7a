// The command line end to end: `check --notify`, `notify test`, and the permanent-error line in
// `status`, against a real local webhook receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// The command line as users run it: the built bundle (dist/cli.cjs, built if missing or stale).
import { runBuiltCli as runCli, tempDir } from './helpers/cli.js';
import { startHttpServer } from './helpers/notify-http.js';

const SECRET = 'canary-cli-hook-7Hq2';

async function setup(t: { after(fn: () => unknown): void }) {
  const server = await startHttpServer({ status: 200 });
  const dir = tempDir('credwatch-notify-');
  t.after(async () => {
    dir.cleanup();
    await server.close();
  });
  const config = dir.write(
    'credwatch.json',
    JSON.stringify({
      database: './state/credwatch.db',
      // A run delivers until probe.timeoutMs after its cycle: a short one, so the run against a
      // receiver that is down ends soon instead of retrying for the default 10 s.
      probe: { timeoutMs: 1500 },
      notifiers: [
        { name: 'hook', type: 'webhook', url: `${server.url}/hook`, secret: SECRET },
        { name: 'broken', type: 'webhook', url: `${server.url}/broken` },
      ],
      defaults: { notify: ['hook'], owner: 'platform-team' },
      credentials: [
        { id: 'api-key', kind: 'static', expiresAt: '2026-12-01' },
        { id: 'far-key', kind: 'static', expiresAt: '2028-01-01' },
      ],
    }),
  );
  return { server, dir, config };
}

const bodies = (server: Awaited<ReturnType<typeof startHttpServer>>) => server.requests.map((r) => JSON.parse(r.body) as { id: string; event: string });

test('cli: check --notify delivers once before exiting; the exit code is the statuses\' only', async (t) => {
  const { server, config } = await setup(t);
  const first = await runCli(['check', '--config', config, '--at', '2026-11-28T00:00:00Z', '--notify']);
  assert.equal(first.code, 2, first.stderr); // api-key: 3 days left, critical
  assert.deepEqual(bodies(server).map((b) => [b.id, b.event]), [['api-key:expiry:1:firing-critical', 'firing']]);

  const again = await runCli(['check', '--config', config, '--at', '2026-11-28T00:15:00Z', '--notify']);
  assert.equal(again.code, 2);
  assert.equal(server.requests.length, 1, 'nothing new, nothing sent');

  // The receiver is down: the exit code does not change, the event waits for the next run.
  server.fallback = { status: 503 };
  const down = await runCli(['check', '--config', config, '--at', '2026-12-02T00:00:00Z', '--notify'], { env: { CREDWATCH_LOG_LEVEL: 'warn' } });
  assert.equal(down.code, 2);
  assert.match(down.stderr, /notification failed, will retry/);
  assert.ok(!down.stderr.includes(SECRET));
  server.fallback = { status: 200 };
  const failedAttempts = server.requests.length - 1;
  assert.ok(failedAttempts >= 1);
  await runCli(['check', '--config', config, '--at', '2026-12-02T00:15:00Z', '--notify']);
  const ids = bodies(server).map((b) => b.id);
  assert.deepEqual([...new Set(ids)], ['api-key:expiry:1:firing-critical', 'api-key:expiry:1:firing-expired']);
  assert.equal(ids.at(-1), 'api-key:expiry:1:firing-expired', 'retried under the same id, and delivered');

  // Without --notify: a forecast, nothing is sent.
  const before = server.requests.length;
  assert.equal((await runCli(['check', '--config', config, '--at', '2026-12-10T00:00:00Z'])).code, 2);
  assert.equal(server.requests.length, before);
});

test('cli: notify test sends event "test" (0), reports a failed delivery (2) and an unknown name (3); status shows the permanent error', async (t) => {
  const { server, config } = await setup(t);
  const ok = await runCli(['notify', 'test', 'hook', '--config', config]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^test event test:hook:\S+ delivered through hook\n$/);
  const body = bodies(server)[0]!;
  assert.equal(body.event, 'test');
  assert.deepEqual((body as unknown as { credential: unknown }).credential, { id: 'credwatch-test', kind: 'test', owner: 'platform-team', runbook: null });

  server.script = [{ status: 404 }];
  const failed = await runCli(['notify', 'test', 'broken', '--config', config]);
  assert.equal(failed.code, 2);
  assert.match(failed.stderr, /test event through broken failed \(http_404, permanent\)/);

  const unknown = await runCli(['notify', 'test', 'nope', '--config', config]);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /no notifier named "nope" \(known: hook, broken\)/);

  // Recorded by the real clock (a forecast with --at records nothing): api-key expired 2026-12-01.
  await runCli(['check', '--config', config]);
  const status = await runCli(['status', '--config', config]);
  assert.equal(status.code, 2);
  assert.match(status.stdout, /^notifier broken: permanent error since \S+ \(http_404\): webhook broken answered HTTP 404 \(wrong URL\?\)$/m);
  const json = await runCli(['status', '--config', config, '--json']);
  assert.doesNotThrow(() => JSON.parse(json.stdout), 'stdout stays JSON');
  assert.match(json.stderr, /notifier broken: permanent error/);
});


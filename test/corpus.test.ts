// test/corpus/: bad inputs, each with its expected outcome in its header, run through `validate`
// and `check` with a deadline. Header lines:
//   # bad input: what it is (and what it used to do)
//   # validate: <exit code> "<text the output must contain>"
//   # check: <exit code> "<text the output must contain>"       ({dir} is the run's folder)
//   # never: <text that must appear nowhere: output, logs>
//   # config: <path used instead of the case file itself>
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/store/db.js';

const ROOT = resolve(import.meta.dirname, '..');
const CORPUS = join(ROOT, 'test', 'corpus');
const RUNNER = join(ROOT, 'test', 'helpers', 'corpus-runner.ts');
/** The whole corpus, both commands per case; a case that hangs trips it. */
const DEADLINE_MS = 120_000;
/** Any one command: generous (a loaded machine), but a freeze would blow it. */
const CASE_DEADLINE_MS = 15_000;

interface Expect {
  code: number;
  text: string;
}
interface Case {
  file: string;
  validate: Expect;
  check: Expect;
  never: string[];
}

function parseCase(file: string): Case {
  const text = readFileSync(join(CORPUS, file), 'utf8');
  const exp = (cmd: string): Expect => {
    const m = new RegExp(`^# ${cmd}: (\\d+) (".*")$`, 'm').exec(text);
    assert.ok(m, `${file}: no "# ${cmd}:" line`);
    return { code: Number(m[1]), text: JSON.parse(m[2]!) as string };
  };
  assert.match(text, /^# bad input: .+$/m, `${file}: says what the bad input is`);
  return { file, validate: exp('validate'), check: exp('check'), never: [...text.matchAll(/^# never: (.+)$/gm)].map((m) => m[1]!) };
}

/** The files the cases point at: a FIFO, a directory, a text file posing as a database, ... */
function makeFixtures(dir: string): void {
  const fx = join(dir, 'fixtures');
  mkdirSync(fx);
  mkdirSync(join(dir, 'db'));
  execFileSync('mkfifo', [join(fx, 'fifo')]);
  mkdirSync(join(fx, 'dir.db'));
  writeFileSync(join(fx, 'notsqlite.db'), 'this is a text file, not a database\n'.repeat(100));
  writeFileSync(join(fx, 'plain.txt'), 'plain\n');
  writeFileSync(join(fx, 'empty'), '');
  writeFileSync(join(fx, 'big.pem'), Buffer.alloc(2 * 1024 * 1024, 'A'));
  writeFileSync(join(fx, 'bomb.pem'), '-----BEGIN CERTIFICATE-----\n'.repeat(36_000));
  writeFileSync(join(fx, 'huge.yaml'), '');
  truncateSync(join(fx, 'huge.yaml'), 65 * 1024 * 1024); // sparse: costs no disk
  copyFileSync(join(ROOT, 'examples', 'pki', 'edge.pem'), join(fx, 'cert.pem'));
  // A real database whose pages after the first are overwritten: SQLite reports it malformed.
  const corrupt = openDatabase(join(fx, 'corrupt.db'));
  corrupt.pragma('journal_mode = DELETE');
  corrupt.close();
  const bytes = readFileSync(join(fx, 'corrupt.db'));
  bytes.fill(0xa5, 4096);
  writeFileSync(join(fx, 'corrupt.db'), bytes);
  // Locked: another connection (another process, for SQLite's purposes) holds the write lock.
  openDatabase(join(fx, 'locked.db')).close();
}

test('corpus: every bad input gets its expected exit code and message from validate and check, within a deadline', { timeout: DEADLINE_MS + 30_000 }, async (t) => {
  const cases = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort().map(parseCase);
  assert.ok(cases.length >= 50, `at least 50 bad inputs (${cases.length})`);
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'credwatch-corpus-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(CORPUS, dir, { recursive: true });
  makeFixtures(dir);
  // The lock is held from a separate process, as in the field: this test's own connection.
  const locker = new Database(join(dir, 'fixtures', 'locked.db'));
  locker.exec('BEGIN IMMEDIATE');
  t.after(() => locker.close());

  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), RUNNER, dir], {
    cwd: dir,
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CREDWATCH_CORPUS_UNSET')), CREDWATCH_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let logs = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (logs += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  const lines = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const lastStarted = [...lines].reverse().find((l) => l.start)?.start;
  assert.equal(code, 0, `the corpus run did not finish within ${DEADLINE_MS} ms; last case started: ${String(lastStarted)}\n${logs.slice(-2000)}`);

  const failures: string[] = [];
  for (const c of cases) {
    for (const command of ['validate', 'check'] as const) {
      const got = lines.find((l) => l.case === c.file && l.command === command) as { code: number; output: string; ms: number } | undefined;
      const want = c[command];
      if (!got) {
        failures.push(`${c.file} ${command}: no result`);
        continue;
      }
      const text = want.text.replaceAll('{dir}', dir);
      if (got.code !== want.code) failures.push(`${c.file} ${command}: exit ${got.code}, expected ${want.code}\n${got.output}`);
      if (text && !got.output.includes(text)) failures.push(`${c.file} ${command}: output lacks ${JSON.stringify(text)}\n${got.output}`);
      if (/\n\s+at .+:\d+:\d+\)?/.test(got.output)) failures.push(`${c.file} ${command}: printed a stack trace\n${got.output}`);
      if (got.ms > CASE_DEADLINE_MS) failures.push(`${c.file} ${command}: took ${got.ms} ms (deadline ${CASE_DEADLINE_MS})`);
      for (const secret of c.never) if (got.output.includes(secret)) failures.push(`${c.file} ${command}: printed ${secret}`);
    }
    for (const secret of c.never) if (logs.includes(secret)) failures.push(`${c.file}: logged ${secret}`);
  }
  assert.deepEqual(failures, []);
});

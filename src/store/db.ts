import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { CredwatchError, STORE_ERROR } from '../errors.js';

export type Db = Database.Database;

/**
 * Prepared statements, one per database and SQL text: preparing parses and plans the SQL, which
 * cost more than running it when a cycle wrote thousands of rows one statement at a time.
 */
const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/** `db.prepare(sql)`, prepared once per database (statements are never iterated, so sharing is safe). */
export function prepared(db: Db, sql: string): Database.Statement {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map()));
  let st = byText.get(sql);
  if (!st) byText.set(sql, (st = db.prepare(sql)));
  return st;
}

/** The package's migrations/ folder, found from src/store/ (sources) or dist/ (the bundle). */
const MIGRATIONS_DIR = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '..', 'migrations'), resolve(here, '..', '..', 'migrations')];
  return candidates.find((dir) => existsSync(join(dir, '0001_init.sql'))) ?? candidates[1]!;
})();

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export class StoreError extends CredwatchError<typeof STORE_ERROR> {
  constructor(message: string) {
    super(STORE_ERROR, message);
  }
}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const list: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = MIGRATION_FILE.exec(file);
    if (!m) continue;
    list.push({ version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') });
  }
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.version === list[i - 1]!.version) throw new StoreError(`two migrations numbered ${list[i]!.version}`);
  }
  return list;
}

/**
 * Applies every migration not yet recorded, each in its own transaction, forward only.
 * Returns the versions applied now.
 */
export function migrate(db: Db, migrations = readMigrations()): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
    applied.push(m.version);
  }
  return applied;
}

/** Where SQLite files must not live: kernel pseudo-filesystems answer reads forever or never. */
const PSEUDO_FS = /^\/(proc|sys|dev)(\/|$)/;

/**
 * Why a database could not be opened or used, as the end of a sentence naming the file:
 * "database /x/y.db is not a SQLite database". One line, no stack.
 */
export function describeStoreFailure(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  if (code === 'SQLITE_NOTADB' || /file is not a database/i.test(msg)) return 'is not a SQLite database';
  if (code.startsWith('SQLITE_CORRUPT') || /malformed/i.test(msg)) return 'is corrupt (database disk image is malformed)';
  if (code.startsWith('SQLITE_READONLY') || /readonly database/i.test(msg)) return 'is read-only (check the file\'s and its folder\'s permissions and the mount)';
  if (code.startsWith('SQLITE_BUSY') || /database is locked/i.test(msg)) return 'is locked by another process';
  if (code === 'SQLITE_FULL' || /disk is full|database or disk is full/i.test(msg)) return 'cannot be written: disk full';
  if (code.startsWith('SQLITE_CANTOPEN') || /unable to open/i.test(msg)) return 'cannot be opened (missing folder or permission denied)';
  if (code === 'EACCES' || code === 'EPERM') return 'is not writable (permission denied)';
  if (code === 'EROFS') return 'is on a read-only file system';
  if (code === 'ENOSPC') return 'cannot be written: disk full';
  if (code.startsWith('SQLITE_IOERR')) return `cannot be read or written (I/O error: ${msg})`;
  return `cannot be used (${msg})`;
}

/** A SQLite error met while using `file` becomes a one-line StoreError naming it; anything else is returned as is. */
export function asStoreError(file: string, err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? new StoreError(`database ${file} ${describeStoreFailure(err)}`) : err;
}

/** SQLite's wait for another writer's lock; the daemon uses a short one and retries asynchronously instead. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

interface OpenOptions {
  busyTimeoutMs?: number;
}

/**
 * Opens (creating folder 0700 and file 0600, whatever the umask) the SQLite database in WAL mode and
 * brings its schema up to date. Every failure is a StoreError whose message is one line naming the
 * path and the problem.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const fail = (why: string): never => {
    throw new StoreError(`database ${file} ${why}`);
  };
  if (file !== ':memory:') {
    if (PSEUDO_FS.test(resolve(file))) fail('is under /proc, /sys or /dev; choose a path on a real disk');
    const dir = dirname(file);
    if (!existsSync(dir)) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o700);
      } catch (err) {
        fail(`cannot be created: folder ${dir} ${describeFsFailure(err)}`);
      }
    }
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(file);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) fail('is a directory');
    if (st && !st.isFile()) fail('is not a regular file');
    if (!st) {
      // Create it ourselves so the mode is 0600 whatever the umask; SQLite gives -wal and -shm the same mode.
      try {
        const fd = openSync(file, 'wx', 0o600);
        try {
          fchmodSync(fd, 0o600);
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') fail(`cannot be created: ${describeFsFailure(err)}`);
      }
    }
  }
  let db: Db | undefined;
  try {
    db = new Database(file);
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    // A real write, rolled back: a read-only file or mount, or a lock held by someone else, shows up now.
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // Closing a half-open handle cannot make the report better.
    }
    if (err instanceof StoreError) throw new StoreError(`database ${file}: ${err.message}`);
    return fail(describeStoreFailure(err));
  }
}

function describeFsFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'disk full';
  if (code === 'ENOTDIR') return 'a parent is not a folder';
  return (err as Error).message;
}

/**
 * A real write, rolled back: takes the write lock and updates a row, so a read-only file, a
 * read-only mount or a lock held forever by someone else shows up here and not only at the next cycle.
 */
export function probeDatabaseWrite(db: Db): string | null {
  if (!db.open) return 'database is closed';
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare('UPDATE schema_migrations SET name = name WHERE version = (SELECT MAX(version) FROM schema_migrations)').run();
    } finally {
      db.exec('ROLLBACK');
    }
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The connection's busy_timeout (ms). */
export const busyTimeout = (db: Db): number => db.pragma('busy_timeout', { simple: true }) as number;

/** Sets how long a statement waits for another process's lock before failing (ms). */
export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${ms}`);
}

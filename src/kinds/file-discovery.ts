// The files an x509 entry's `paths` name right now (files, folders, globs with `*`, `?` and `**`),
// and what each holds. Scale: per cycle one `stat` per file; a file is read and parsed again only
// when its stat changed (inode, size, mtime, ctime), so 10,000 unchanged files cost 10,000 stats.
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { CertificateSummary, Finding } from '../types.js';
import { fileVersion } from '../file-version.js';
import type { Secret } from '../secret.js';
import { readFailure, readFailureCode } from '../read-failure.js';
import { inspectFailure, type ErrorInfo, type InspectErrorCode } from '../errors.js';
import { mapLimit } from '../concurrency.js';
import { summarize } from './pem.js';
import { readCertificateFile } from './formats.js';

/** What a folder entry picks up: certificate files by their usual names (the content decides the format). */
const CERTIFICATE_EXTENSIONS = ['.pem', '.crt', '.cer', '.der', '.p7b', '.p7c', '.p12', '.pfx'] as const;

const WILDCARD = /[*?]/;
const isGlob = (entry: string) => WILDCARD.test(entry);

/** One certificate of a file, as kept between cycles: identity and dates, never key material. */
export interface KeptCertificate {
  summary: Omit<CertificateSummary, 'source'>;
  /** Subject CN, null when the subject has none. */
  cn: string | null;
}

/** A file's content as last parsed: its certificates, or why it could not be read. */
export interface ParsedFile {
  error: ErrorInfo<InspectErrorCode> | null;
  certificates: KeptCertificate[];
  findings: Finding[];
}

export interface FoundFile {
  file: string;
  parsed: ParsedFile;
}

interface Discovered {
  /** Sorted by path. */
  files: FoundFile[];
  /** The folder ids are relative to: the deepest one holding every entry's fixed part. */
  base: string;
  /** Entries that name nothing, as `paths[1]: "…" matches no file`. */
  problems: string[];
}

/** Counters for tests and the bench: how often the file system was asked and files were parsed. */
export const discoveryCounters = { stats: 0, parses: 0 };

interface CacheEntry {
  signature: string;
  password: Secret | undefined;
  parsed: ParsedFile;
}

// Per config entry: its files as of the last cycle. Replaced whole each cycle, so it holds only
// files that still match.
const cache = new Map<string, Map<string, CacheEntry>>();

function segmentPattern(segment: string): RegExp {
  const body = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  // As shells do: a wildcard does not match a leading dot unless the pattern has one.
  return new RegExp(segment.startsWith('.') ? `^${body}$` : `^(?!\\.)${body}$`);
}

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function listFailure(dir: string, err: unknown, errors: string[]): Dirent[] {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'ENOENT' && code !== 'ENOTDIR') errors.push(`folder ${dir} ${readFailure(err)}`);
  return [];
}

// The walk asks for each folder's entries by yielding its path, so one walk serves `validate`
// (synchronous) and the cycle (asynchronous: a big tree never holds up the event loop).
type Walk = Generator<string, void, Dirent[]>;

/** `**` is any number of folders (symlinked folders are not followed there, so no loops); a trailing `**` means every file below. */
function* walk(dir: string, segments: readonly string[], out: string[]): Walk {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  if (segment === '**') {
    if (!rest.length) return yield* walk(dir, ['**', '*'], out);
    yield* walk(dir, rest, out);
    for (const d of yield dir) if (d.isDirectory() && !d.name.startsWith('.')) yield* walk(join(dir, d.name), segments, out);
    return;
  }
  const pattern = segmentPattern(segment);
  for (const d of yield dir) {
    if (!pattern.test(d.name)) continue;
    const path = join(dir, d.name);
    if (!rest.length) {
      if (!d.isDirectory()) out.push(path);
    } else if (d.isDirectory() || d.isSymbolicLink()) {
      yield* walk(path, rest, out);
    }
  }
}

function* folderFiles(dir: string, out: string[]): Walk {
  for (const d of yield dir) {
    if (!d.isDirectory() && !d.name.startsWith('.') && CERTIFICATE_EXTENSIONS.some((x) => d.name.toLowerCase().endsWith(x))) out.push(join(dir, d.name));
  }
}

function runSync(w: Walk, errors: string[]): void {
  for (let step = w.next(); !step.done; ) {
    const dir = step.value;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort(byName);
    } catch (err) {
      entries = listFailure(dir, err, errors);
    }
    step = w.next(entries);
  }
}

async function runAsync(w: Walk, errors: string[]): Promise<void> {
  for (let step = w.next(); !step.done; ) {
    const dir = step.value;
    let entries: Dirent[];
    try {
      entries = (await readdir(dir, { withFileTypes: true })).sort(byName);
    } catch (err) {
      entries = listFailure(dir, err, errors);
    }
    step = w.next(entries);
  }
}

interface ListedEntry {
  /** The fixed part the entry's files are found under. */
  base: string;
  files: string[];
  /** Stats already taken (an explicit file named by the entry), so no file is stat'ed twice. */
  stats: Map<string, Stats>;
  problem: string | null;
}

type Plan = { listed: ListedEntry } | { walk: Walk; finish: (errors: string[]) => ListedEntry };

/** What one `paths` entry names now, as far as it can be told without listing a folder. */
function planEntry(entry: string): Plan {
  if (!isGlob(entry)) {
    let st: Stats;
    try {
      st = statSync(entry);
      discoveryCounters.stats++;
    } catch {
      // A file named outright is expected to exist: its credential says why it cannot be read.
      return { listed: { base: dirname(entry), files: [entry], stats: new Map(), problem: null } };
    }
    if (!st.isDirectory()) return { listed: { base: dirname(entry), files: [entry], stats: new Map([[entry, st]]), problem: null } };
    const files: string[] = [];
    return {
      walk: folderFiles(entry, files),
      finish: (errors) => ({
        base: entry,
        files,
        stats: new Map(),
        problem:
          errors[0] ??
          (files.length ? null : `folder ${entry} holds no certificate file (${CERTIFICATE_EXTENSIONS.join(' ')}); name a glob such as ${join(entry, '*')} for other names`),
      }),
    };
  }
  const parts = entry.split('/');
  const at = parts.findIndex((p) => WILDCARD.test(p));
  const base = parts.slice(0, at).join('/') || '/';
  const files: string[] = [];
  return {
    walk: walk(base, parts.slice(at), files),
    finish: (errors) => ({ base, files, stats: new Map(), problem: files.length ? null : `"${entry}" matches no file${errors.length ? ` (${errors[0]})` : ''}` }),
  };
}

/** Reads folders only: no stat of the files a glob finds. Synchronous, for `validate`. */
function listEntrySync(entry: string): ListedEntry {
  const plan = planEntry(entry);
  if ('listed' in plan) return plan.listed;
  const errors: string[] = [];
  runSync(plan.walk, errors);
  return plan.finish(errors);
}

/** The same, for a cycle: a big tree never holds up the event loop. */
async function listEntryAsync(entry: string): Promise<ListedEntry> {
  const plan = planEntry(entry);
  if ('listed' in plan) return plan.listed;
  const errors: string[] = [];
  await runAsync(plan.walk, errors);
  return plan.finish(errors);
}

/** Problems of every entry (for `validate`): a glob or folder that names nothing. */
export function entryProblems(entries: readonly string[]): string[] {
  return entries.flatMap((entry, i) => {
    const { problem } = listEntrySync(entry);
    return problem ? [`paths[${i}]: ${problem}`] : [];
  });
}

function commonDir(dirs: readonly string[]): string {
  let common = dirs[0] ?? '/';
  for (const d of dirs.slice(1)) {
    while (common !== dirname(common) && d !== common && !d.startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  }
  return common;
}

/** `a/b.pem` for a file under `base`, with `/` whatever the platform. */
export function relativeName(base: string, file: string): string {
  return relative(base, file).split(sep).join('/');
}

const SUBJECT_CN = /^CN=(.*)$/m;

function parse(file: string, password: Secret | undefined): ParsedFile {
  discoveryCounters.parses++;
  try {
    const read = readCertificateFile(file, { password });
    return {
      error: null,
      certificates: read.certificates.map((c) => {
        const { source: _source, ...summary } = summarize(c, '');
        return { summary, cn: SUBJECT_CN.exec(c.subject)?.[1] ?? null };
      }),
      findings: read.findings,
    };
  } catch (err) {
    return { error: inspectFailure(err), certificates: [], findings: [] };
  }
}

/**
 * The files of one entry this cycle, parsed or taken from the last cycle when unchanged.
 * `key` names the entry's cache (its credential id).
 */
export async function discoverFiles(key: string, entries: readonly string[], password: Secret | undefined): Promise<Discovered> {
  const problems: string[] = [];
  const bases: string[] = [];
  const stats = new Map<string, Stats>();
  const names = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const listed = await listEntryAsync(entry);
    bases.push(listed.base);
    if (listed.problem) problems.push(`paths[${i}]: ${listed.problem}`);
    for (const f of listed.files) names.add(f);
    for (const [f, st] of listed.stats) stats.set(f, st);
  }
  const before = cache.get(key) ?? new Map<string, CacheEntry>();
  const after = new Map<string, CacheEntry>();
  const files = [...names].sort();
  const found = await mapLimit(files, 32, async (file): Promise<FoundFile | null> => {
    let st = stats.get(file);
    if (!st) {
      try {
        discoveryCounters.stats++;
        st = await stat(file);
      } catch (err) {
        return { file, parsed: { error: { code: readFailureCode(err), message: `certificate ${file} ${readFailure(err)}` }, certificates: [], findings: [] } };
      }
    }
    // What a glob finds that is not a file (a symlink to a folder, a socket) is not a certificate.
    if (!st.isFile()) return stats.has(file) ? { file, parsed: { error: { code: 'file_unreadable', message: `certificate ${file} is not a regular file` }, certificates: [], findings: [] } } : null;
    const sig = fileVersion(st);
    const kept = before.get(file);
    const entry = kept && kept.signature === sig && kept.password === password ? kept : { signature: sig, password, parsed: parse(file, password) };
    after.set(file, entry);
    return { file, parsed: entry.parsed };
  });
  cache.set(key, after);
  return { files: found.filter((f): f is FoundFile => f !== null), base: commonDir(bases), problems };
}

/** Drops what is kept for entries no longer configured (the daemon after a reload). */
export function retainDiscoveryCache(keys: ReadonlySet<string>): void {
  for (const k of cache.keys()) if (!keys.has(k)) cache.delete(k);
}

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileVersion } from '../file-version.js';

/**
 * Inspections remembered per file version. A daemon reads the same certificate and key files every
 * cycle; parsing them (X.509, PKCS#8) is most of a cycle's CPU. An entry is reused while every file
 * it read has the same fileVersion (ctime moves on chmod, so a key's permission finding stays
 * current), and a failure is remembered the same way: an unchanged broken file says the same thing
 * without being parsed again.
 */
type Entry = { sig: string; ok: true; value: unknown } | { sig: string; ok: false; error: unknown };

const memo = new Map<string, Entry>();
const MAX_ENTRIES = 20_000;

function signature(files: readonly (string | undefined)[]): string | null {
  let sig = '';
  for (const f of files) {
    if (!f) {
      sig += '-|';
      continue;
    }
    try {
      sig += `${fileVersion(statSync(f))}|`;
    } catch {
      return null; // missing or unreadable: the inspection itself says which and why
    }
  }
  return sig;
}

function remember(key: string, entry: Entry): void {
  memo.delete(key);
  if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value!);
  memo.set(key, entry);
}

/**
 * `compute()`'s value (or error) for these files as they are now: computed again only when one of
 * them changed. `key` names the inspection and everything besides the files that it depends on.
 * The value is shared between calls: callers copy what they change.
 */
export function byFileVersion<T>(key: string, files: readonly (string | undefined)[], compute: () => T): T {
  const sig = signature(files);
  if (sig === null) {
    memo.delete(key);
    return compute();
  }
  const hit = memo.get(key);
  if (hit && hit.sig === sig) {
    // Most recently used last, so the oldest entry goes first when the memo is full.
    memo.delete(key);
    memo.set(key, hit);
    if (hit.ok) return hit.value as T;
    throw hit.error;
  }
  try {
    const value = compute();
    remember(key, { sig, ok: true, value });
    return value;
  } catch (error) {
    remember(key, { sig, ok: false, error });
    throw error;
  }
}

/** A memo key part for a secret (a file's password): its digest, never the value. */
export const secretPart = (secret: string | undefined): string => (secret === undefined ? '-' : createHash('sha256').update(secret).digest('base64url'));

/** Forgets everything (tests). */
export function forgetFileVersions(): void {
  memo.clear();
}

// The fields that also take `xFile` (a path whose content is the value), and the fields whose
// value is a secret, derived from the plugin schemas' own declarations (`h.secret()`,
// `h.fromFile()`): a notifier with a new secret field touches its own file and the registry,
// nothing else. The loader reads the first list; log redaction (src/log.ts) the second.
import type { z } from 'zod';
import { FILE_FORM, SECRET } from './helpers.js';

type Def = { type?: string; innerType?: unknown; in?: unknown; out?: unknown; shape?: Record<string, unknown>; element?: unknown; options?: unknown[] };
const defOf = (s: unknown): Def => ((s as { _zod?: { def?: Def } })._zod?.def ?? {}) as Def;

/** Whether a field's schema (through optional, default, nullable and pipes) carries the mark. */
function hasMark(s: unknown, mark: WeakSet<object>, depth = 0): boolean {
  if (!s || typeof s !== 'object' || depth > 8) return false;
  if (mark.has(s)) return true;
  const d = defOf(s);
  if (d.innerType) return hasMark(d.innerType, mark, depth + 1);
  if (d.type === 'pipe') return hasMark(d.in, mark, depth + 1) || hasMark(d.out, mark, depth + 1);
  return false;
}

function collect(s: unknown, mark: WeakSet<object>, out: Set<string>, seen: Set<unknown>): void {
  if (!s || typeof s !== 'object' || seen.has(s)) return;
  seen.add(s);
  const d = defOf(s);
  if (d.type === 'object' && d.shape) {
    for (const [key, field] of Object.entries(d.shape)) {
      if (hasMark(field, mark)) out.add(key);
      collect(field, mark, out, seen);
    }
    return;
  }
  for (const next of [d.innerType, d.in, d.out, d.element, ...(d.options ?? [])]) collect(next, mark, out, seen);
}

function markedFields(schemas: readonly z.ZodType[], mark: WeakSet<object>): Set<string> {
  const out = new Set<string>();
  const seen = new Set<unknown>();
  for (const s of schemas) collect(s, mark, out, seen);
  return out;
}

/** Every key, at any depth of these schemas, whose value may be given as `<key>File`. */
export function fileFormFields(schemas: readonly z.ZodType[]): Set<string> {
  return markedFields(schemas, FILE_FORM);
}

/** Every key, at any depth of these schemas, declared a secret (`h.secret()`). */
export function secretValueFields(schemas: readonly z.ZodType[]): Set<string> {
  return markedFields(schemas, SECRET);
}

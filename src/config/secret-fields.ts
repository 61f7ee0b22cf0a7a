// The fields that also take `xFile` (a path whose content is the value), derived from the plugin
// schemas' own declarations (`h.secret()`, `h.fromFile()`): a notifier with a new secret field
// touches its own file and the registry, nothing else.
import type { z } from 'zod';
import { FILE_FORM } from './helpers.js';

type Def = { type?: string; innerType?: unknown; in?: unknown; out?: unknown; shape?: Record<string, unknown>; element?: unknown; options?: unknown[] };
const defOf = (s: unknown): Def => ((s as { _zod?: { def?: Def } })._zod?.def ?? {}) as Def;

/** Whether a field's schema (through optional, default, nullable and pipes) was declared with a file form. */
function hasFileForm(s: unknown, depth = 0): boolean {
  if (!s || typeof s !== 'object' || depth > 8) return false;
  if (FILE_FORM.has(s)) return true;
  const d = defOf(s);
  if (d.innerType) return hasFileForm(d.innerType, depth + 1);
  if (d.type === 'pipe') return hasFileForm(d.in, depth + 1) || hasFileForm(d.out, depth + 1);
  return false;
}

function collect(s: unknown, out: Set<string>, seen: Set<unknown>): void {
  if (!s || typeof s !== 'object' || seen.has(s)) return;
  seen.add(s);
  const d = defOf(s);
  if (d.type === 'object' && d.shape) {
    for (const [key, field] of Object.entries(d.shape)) {
      if (hasFileForm(field)) out.add(key);
      collect(field, out, seen);
    }
    return;
  }
  for (const next of [d.innerType, d.in, d.out, d.element, ...(d.options ?? [])]) collect(next, out, seen);
}

/** Every key, at any depth of these schemas, whose value may be given as `<key>File`. */
export function fileFormFields(schemas: readonly z.ZodType[]): Set<string> {
  const out = new Set<string>();
  const seen = new Set<unknown>();
  for (const s of schemas) collect(s, out, seen);
  return out;
}

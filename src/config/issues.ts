import type { z } from 'zod';
import type { ConfigProblem } from './schema.js';

/** ['credentials', 2, 'validityDays'] → `credentials[2].validityDays`. */
export function pathString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function message(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      // zod reports a fraction for an int, and .inf/.nan for a number, as a type mismatch.
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) return `must be a finite number, got ${issue.input}`;
      if (issue.expected === 'int') return typeof issue.input === 'number' ? `must be a whole number, got ${issue.input}` : `must be a whole number, got ${typeName(issue.input)}`;
      return `must be ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${typeName(issue.input)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_big':
    case 'too_small':
    case 'invalid_format':
    case 'custom':
    case 'not_multiple_of':
    case 'invalid_union':
    default:
      return issue.message;
  }
}

/** Turns zod issues into problems with the contract's paths; unknown keys each get their own line. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const base = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: pathString([...base, key]), level: 'error', message: 'unknown key' });
      continue;
    }
    out.push({ path: pathString(base), level: 'error', message: message(issue) });
  }
  return out;
}

import { resolve } from 'node:path';
import type { ConfigProblem } from './schema.js';
import { pathString } from './issues.js';
import { readFailure, readRegularFile } from '../read-failure.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function expandString(s: string, env: NodeJS.ProcessEnv, path: PropertyKey[], problems: ConfigProblem[]): string {
  if (!s.includes('${')) return s;
  return s.replace(ENV_REF, (_, name: string) => {
    const value = env[name];
    if (value === undefined) {
      problems.push({ path: pathString(path), level: 'error', message: `environment variable ${name} is not set` });
      return '';
    }
    return value;
  });
}

function readSecretFile(file: string, path: PropertyKey[], problems: ConfigProblem[]): string | undefined {
  try {
    // One trailing newline is how editors and `echo` save a secret; it is not part of it.
    const value = readRegularFile(file).toString('utf8').replace(/\r?\n$/, '');
    if (!value) {
      problems.push({ path: pathString(path), level: 'error', message: `${file} is empty` });
      return undefined;
    }
    return value;
  } catch (err) {
    problems.push({ path: pathString(path), level: 'error', message: `${file} ${readFailure(err)}` });
    return undefined;
  }
}

/**
 * Expands `${NAME}` in every string and replaces each `xFile` by `x` read from that file, for the
 * keys `fileFields` names (declared by the schemas: config/secret-fields.ts).
 * Runs after parsing, so a problem names the key where it occurs. Works in place on the freshly
 * parsed tree (no second copy of a 10,000-credential config) and returns it.
 */
export function expandTree(node: unknown, env: NodeJS.ProcessEnv, baseDir: string, problems: ConfigProblem[], fileFields: ReadonlySet<string>, path: PropertyKey[] = []): unknown {
  if (typeof node === 'string') return expandString(node, env, path, problems);
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      path.push(i);
      node[i] = expandTree(node[i], env, baseDir, problems, fileFields, path);
      path.pop();
    }
    return node;
  }
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    path.push(key);
    const field = key.endsWith('File') ? key.slice(0, -4) : '';
    if (field && fileFields.has(field)) {
      const value = obj[key];
      delete obj[key];
      if (field in obj) {
        problems.push({ path: pathString(path), level: 'error', message: `set either ${field} or ${key}, not both` });
      } else if (typeof value !== 'string' || !value) {
        problems.push({ path: pathString(path), level: 'error', message: 'must be a file path' });
      } else {
        const file = resolve(baseDir, expandString(value, env, path, problems));
        const secret = readSecretFile(file, path, problems);
        if (secret !== undefined) obj[field] = secret;
      }
    } else {
      obj[key] = expandTree(obj[key], env, baseDir, problems, fileFields, path);
    }
    path.pop();
  }
  return obj;
}

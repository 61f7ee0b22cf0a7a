// The package's version, read from package.json beside src/ (sources) or dist/ (the bundle):
// one home for the number, so `--version` and `credwatch_build_info` never disagree with npm.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function version(): string {
  if (cached !== undefined) return cached;
  try {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}

// The CLI bundled as `npm run build` does (one CommonJS file), for tests that start the daemon many
// times: a bundle starts in a fraction of the time tsx needs to compile the sources.
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Builds and returns the bundle's path; `rmSync(dirname(path), { recursive: true })` when done. */
export async function bundleCli(): Promise<string> {
  // Two levels below the package root, as dist/ is one: the bundle finds node_modules
  // (better-sqlite3) and, two folders up, migrations/.
  const outfile = join(ROOT, 'node_modules', `.credwatch-test-${process.pid}`, 'cli.cjs');
  await build({
    entryPoints: [join(ROOT, 'src', 'cli.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    external: ['better-sqlite3', 'pino-pretty', 'undici', '@slack/webhook', 'nodemailer', 'prom-client'],
    define: { 'import.meta.url': '__credwatchImportMetaUrl' },
    banner: { js: "const __credwatchImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  return outfile;
}

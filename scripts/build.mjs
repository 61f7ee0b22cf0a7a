// Production build: type-check (npm script), then bundle src/cli.ts with esbuild into one
// CommonJS file. Start-up is most of a one-shot `check`: one CommonJS file loads several times
// faster than a graph of ES modules, and V8 only pre-parses the parts a command never runs
// (probes, notifiers and the daemon are behind dynamic imports, which stay lazy).
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: false,
  logLevel: 'warning',
  // The native addon, and libraries only some commands (or a terminal) need.
  external: ['better-sqlite3', 'pino-pretty', 'undici', '@slack/webhook', 'nodemailer', 'prom-client'],
  // Sources are ES modules; give them their import.meta.url in the CommonJS bundle.
  define: { 'import.meta.url': '__credwatchImportMetaUrl' },
  banner: { js: "const __credwatchImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
chmodSync('dist/cli.cjs', 0o755);

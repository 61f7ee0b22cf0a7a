// Production build: type-check, then bundle src/cli.ts with esbuild. One bundle loads several
// times faster than hundreds of small ES modules, which is most of a one-shot `check`'s start-up.
// Heavy libraries used only by some commands stay external and are imported lazily.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Native addon, worker-thread transports, and libraries only some commands need.
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'undici', '@slack/webhook', 'nodemailer', 'prom-client'],
  banner: { js: "import { createRequire as __cwRequire } from 'node:module'; const require = __cwRequire(import.meta.url);" },
});
chmodSync('dist/cli.js', 0o755);

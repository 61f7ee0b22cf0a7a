import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear. `Secret` values already print as `<secret>`;
 * this is the second belt for plain strings that reach a log call by mistake.
 */
export const REDACT_PATHS = [
  'password',
  'clientSecret',
  'clientId',
  'secret',
  'token',
  'refreshToken',
  'accessToken',
  'access_token',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.password',
  '*.clientSecret',
  '*.secret',
  '*.token',
  '*.refreshToken',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
];

export interface LogOptions {
  level?: string;
  /** Pretty lines for a person at a terminal; JSON lines otherwise. */
  pretty?: boolean;
  /** Where lines go; stderr by default so `--json` output on stdout stays clean. */
  destination?: NodeJS.WritableStream | number;
  /**
   * A one-shot command whose output is for a person (`check`): at a terminal, info lines would
   * bury the table, so only warnings and worse show unless CREDWATCH_LOG_LEVEL asks for more.
   */
  quietOnTerminal?: boolean;
}

/** The level when none is given: CREDWATCH_LOG_LEVEL, else `warn` for a quiet command at a terminal, else `info`. */
export function defaultLogLevel(env: NodeJS.ProcessEnv, stderrIsTty: boolean, quietOnTerminal: boolean): string {
  if (env.CREDWATCH_LOG_LEVEL) return env.CREDWATCH_LOG_LEVEL;
  return quietOnTerminal && stderrIsTty ? 'warn' : 'info';
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? defaultLogLevel(process.env, process.stderr.isTTY === true, opts.quietOnTerminal === true);
  const redact = { paths: REDACT_PATHS, censor: '<secret>' };
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stderr.isTTY === true);
  if (pretty) {
    // In-process pretty stream rather than a worker-thread transport: no worker files to locate,
    // so pino can live in the bundle; pino-pretty is loaded only for a person at a terminal.
    const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino({ level, redact }, pinoPretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:standard', ignore: 'pid,hostname' }));
  }
  const dest = opts.destination ?? 2;
  return pino(
    { level, redact, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    typeof dest === 'number' ? pino.destination({ dest, sync: true }) : dest,
  );
}

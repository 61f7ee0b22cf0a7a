import { createRequire } from 'node:module';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { scrubSecrets } from './secret.js';
import { secretFields } from './config/load.js';

/**
 * Names that carry a secret but are no config field: what a token endpoint answers, what a probe
 * or an HTTP client sends. Config fields declared secret (`h.secret()`) come from the schemas.
 */
export const WIRE_SECRET_NAMES = ['token', 'accessToken', 'access_token', 'refreshToken', 'authorization'] as const;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : `["${name.replace(/["\\]/g, '\\$&')}"]`);
const child = (name: string) => (IDENTIFIER.test(name) ? `*.${name}` : `*${key(name)}`);

/**
 * Paths pino blanks out: each name at the top of a log object and one level down, and the
 * authorization header. `Secret` values already print as `<secret>`; this is the second belt for
 * plain strings that reach a log call by mistake.
 */
export function redactPaths(names: Iterable<string>): string[] {
  const all = [...new Set(names)].sort();
  return [...all.map(key), 'headers.authorization', 'headers.Authorization', ...all.map(child), '*.headers.authorization', '*.headers.Authorization'];
}

let configured: string[] | undefined;

/** The redaction paths for every secret field the kind and notifier schemas declare, plus the wire names. */
export function logRedactPaths(): string[] {
  configured ??= redactPaths([...secretFields(), ...WIRE_SECRET_NAMES]);
  return configured;
}

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

/** Strings, and the string fields of a log call's object (two levels deep), through the one scrubber. */
function scrubValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return scrubSecrets(v);
  if (depth <= 0 || v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Error) {
    return v instanceof Error ? { type: v.name, message: scrubSecrets(v.message), code: (v as { code?: unknown }).code } : v;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = scrubValue(x, depth - 1);
  return out;
}

/** Third belt: any text a log call carries (a server's reply quoted in a message) loses every configured secret. */
const scrubHooks: LoggerOptions['hooks'] = {
  logMethod(args, method) {
    method.apply(this, args.map((a) => scrubValue(a, 2)) as Parameters<typeof method>);
  },
};

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? defaultLogLevel(process.env, process.stderr.isTTY === true, opts.quietOnTerminal === true);
  const redact = { paths: logRedactPaths(), censor: '<secret>' };
  const hooks = scrubHooks;
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stderr.isTTY === true);
  if (pretty) {
    // In-process pretty stream rather than a worker-thread transport: no worker files to locate,
    // so pino can live in the bundle; pino-pretty is loaded only for a person at a terminal.
    const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino({ level, redact, hooks }, pinoPretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:standard', ignore: 'pid,hostname' }));
  }
  const dest = opts.destination ?? 2;
  return pino(
    { level, redact, hooks, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    typeof dest === 'number' ? pino.destination({ dest, sync: true }) : dest,
  );
}

import { resolve } from 'node:path';
import { z } from 'zod';
import { Secret } from '../secret.js';

/** Schema pieces that need the config file's folder, handed to every kind and notifier schema. */
export interface SchemaHelpers {
  /** A file path, resolved against the config file's folder. */
  file(): z.ZodType<string, string>;
  /** A secret string, wrapped so it never prints. (`xFile` was already read by the loader.) */
  secret(): z.ZodType<Secret, string>;
  /**
   * A plain field that may also be given as `xFile` (read by the loader), e.g. an identifier such
   * as `clientId` that is not a secret, or a URL kept as a string. Secrets get it from `secret()`.
   */
  fromFile<T extends z.ZodType>(schema: T): T;
  /** `YYYY-MM-DD` (00:00 UTC) or an ISO 8601 instant. */
  date(): z.ZodType<Date, string>;
  /** A kind's `probe` block: its own keys plus the per-credential `timeoutMs`, `failuresBeforeAlert`, `interval` and `budget`. */
  probe<S extends z.ZodRawShape>(shape: S): z.ZodObject<S & typeof probeOverrides, z.core.$strict>;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})(T|$)/;
const yearOutOfRange = (s: string) => {
  const y = DATE_SHAPE.exec(s)?.[1];
  return y !== undefined && (Number(y) < MIN_YEAR || Number(y) > MAX_YEAR);
};
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Years a credential date may have: `0027-03-01` is a typo, not the year 27 (nor 1927). */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;
const inRange = (d: Date) => d.getUTCFullYear() >= MIN_YEAR && d.getUTCFullYear() <= MAX_YEAR;

/** Parses the contract's dates: a date alone means 00:00 UTC. Returns null when not a valid date. */
export function parseDate(text: string): Date | null {
  const m = DATE_ONLY.exec(text);
  if (m) {
    // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear takes the year as written.
    const d = new Date(0);
    d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Reject rollovers such as 2026-02-31.
    return d.getUTCDate() === Number(m[3]) && d.getUTCMonth() === Number(m[2]) - 1 && inRange(d) ? d : null;
  }
  if (!INSTANT.test(text)) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) || !inRange(d) ? null : d;
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30m`, `6h`, `1d` (also `s`) → milliseconds; null when not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : null;
}

/** A duration such as `30m`, `6h` or `1d`, parsed to milliseconds. */
export const durationSchema = () =>
  z.string().transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as 30m, 6h or 1d, got "${s}"` });
      return z.NEVER;
    }
    return ms;
  });

/** A whole number from `min` to `max`, with the config's wording. */
export const int = (min: number, max: number) =>
  z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** A probe's deadline in ms: the one bound for `probe.timeoutMs`, per-credential and `tls` timeouts. */
export const timeoutMsSchema = () => int(100, 600000);
/** `probe.failuresBeforeAlert`, global or per credential. */
export const failuresBeforeAlertSchema = () => int(1, 100);

/** https:// URLs only: where a kind sends a credential (a token endpoint, an API). */
export const httpsUrl = () => z.url({ protocol: /^https$/, error: 'must be an https:// URL' });

export const probeOverrides = {
  timeoutMs: timeoutMsSchema().optional(),
  failuresBeforeAlert: failuresBeforeAlertSchema().optional(),
  /** Least time between two probes (ms); overrides the global `probe.interval`. */
  interval: durationSchema().optional(),
  /** Requests per calendar month (UTC) this credential's probes may make. */
  budget: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
};

/**
 * Schemas declared by `secret()` or `fromFile()`: the one declaration the `xFile` form is derived
 * from (config/secret-fields.ts). Zod clones a schema on `.refine()` or `.optional()` but keeps the
 * inner schema objects, so the mark is on the inner string schema and survives.
 */
export const FILE_FORM = new WeakSet<object>();
/** Schemas declared by `secret()`: values wrapped in `Secret`. */
export const SECRET = new WeakSet<object>();

export function schemaHelpers(baseDir: string): SchemaHelpers {
  return {
    file: () => z.string().min(1, 'must not be empty').transform((p) => resolve(baseDir, p)),
    secret: () => {
      const text = z.string().min(1, 'must not be empty');
      FILE_FORM.add(text);
      SECRET.add(text);
      return text.transform((s) => new Secret(s));
    },
    fromFile: (schema) => {
      FILE_FORM.add(schema);
      return schema;
    },
    date: () =>
      z.string().transform((s, ctx) => {
        const d = parseDate(s);
        if (!d) {
          ctx.addIssue({ code: 'custom', message: yearOutOfRange(s) ? `must be a date between ${MIN_YEAR} and ${MAX_YEAR}, got "${s}"` : `must be a date (YYYY-MM-DD) or an ISO 8601 instant, got "${s}"` });
          return z.NEVER;
        }
        return d;
      }),
    probe: (shape) => z.strictObject({ ...shape, ...probeOverrides }),
  };
}

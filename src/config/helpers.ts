import { resolve } from 'node:path';
import { z } from 'zod';
import { Secret } from '../secret.js';

/** Schema pieces that need the config file's folder, handed to every kind and notifier schema. */
export interface SchemaHelpers {
  /** A file path, resolved against the config file's folder. */
  file(): z.ZodType<string, string>;
  /** A secret string, wrapped so it never prints. (`xFile` was already read by the loader.) */
  secret(): z.ZodType<Secret, string>;
  /** `YYYY-MM-DD` (00:00 UTC) or an ISO 8601 instant. */
  date(): z.ZodType<Date, string>;
  /** A kind's `probe` block: its own keys plus the per-credential `timeoutMs`, `failuresBeforeAlert`, `interval` and `budget`. */
  probe<S extends z.ZodRawShape>(shape: S): z.ZodType;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses the contract's dates: a date alone means 00:00 UTC. Returns null when not a valid date. */
export function parseDate(text: string): Date | null {
  const m = DATE_ONLY.exec(text);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    // Reject rollovers such as 2026-02-31.
    return d.getUTCDate() === Number(m[3]) && d.getUTCMonth() === Number(m[2]) - 1 ? d : null;
  }
  if (!INSTANT.test(text)) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
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

export const probeOverrides = {
  timeoutMs: z.number().int('must be a whole number').min(100, 'must be at least 100').max(600000, 'must be at most 600000').optional(),
  failuresBeforeAlert: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
  /** Least time between two probes (ms); overrides the global `probe.interval`. */
  interval: durationSchema().optional(),
  /** Requests per calendar month (UTC) this credential's probes may make. */
  budget: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
};

export function schemaHelpers(baseDir: string): SchemaHelpers {
  return {
    file: () => z.string().min(1, 'must not be empty').transform((p) => resolve(baseDir, p)),
    secret: () => z.string().min(1, 'must not be empty').transform((s) => new Secret(s)),
    date: () =>
      z.string().transform((s, ctx) => {
        const d = parseDate(s);
        if (!d) {
          ctx.addIssue({ code: 'custom', message: `must be a date (YYYY-MM-DD) or an ISO 8601 instant, got "${s}"` });
          return z.NEVER;
        }
        return d;
      }),
    probe: (shape) => z.strictObject({ ...shape, ...probeOverrides }),
  };
}

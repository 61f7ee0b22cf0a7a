import { z } from 'zod';
import cron from 'node-cron';
import { durationSchema, failuresBeforeAlertSchema, int, timeoutMsSchema, type probeOverrides, type SchemaHelpers } from './helpers.js';
import { CONFIG_INVALID, CredwatchError } from '../errors.js';

/** One problem found in the config: `path` is like `credentials[2].validityDays`. */
export interface ConfigProblem {
  path: string;
  message: string;
  level: 'error' | 'warning';
}

export class ConfigError extends CredwatchError<typeof CONFIG_INVALID> {
  constructor(readonly problems: ConfigProblem[]) {
    super(CONFIG_INVALID, problems.filter((p) => p.level === 'error').map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export const formatProblem = (p: ConfigProblem): string => (p.path ? `${p.path}: ${p.message}` : p.message);

const thresholdsSchema = z.strictObject({
  warningDays: int(0, 3650).default(30),
  criticalDays: int(0, 3650).default(7),
  remindDays: z.array(int(0, 3650)).default([60, 30, 14, 7, 3, 1]),
  repeatHours: z.number().min(0.01, 'must be more than 0').max(24 * 365, 'must be at most 8760').default(24),
});

const probeDefaultsSchema = z.strictObject({
  timeoutMs: timeoutMsSchema().default(10000),
  concurrency: int(1, 1000).default(8),
  failuresBeforeAlert: failuresBeforeAlertSchema().default(2),
  /** Least time between two probes of one credential (ms); unset: every cycle. */
  interval: durationSchema().optional(),
});

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
/** Ids go into metric labels, alert keys and file-friendly places: keep them short. */
const MAX_ID_LENGTH = 128;

/** Keys every credential accepts, whatever its kind. */
export const commonCredentialShape = {
  id: z.string().max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`).regex(ID_PATTERN, 'must match [a-z0-9][a-z0-9._-]* (lower case, digits, . _ -)'),
  kind: z.string(),
  description: z.string().optional(),
  owner: z.string().min(1, 'must not be empty').optional(),
  runbook: z.string().min(1, 'must not be empty').optional(),
  notify: z.array(z.string()).optional(),
  environment: z.string().min(1, 'must not be empty').optional(),
  replaces: z.string().optional(),
  renewalLeadDays: int(0, 360).default(14),
  thresholds: z
    .strictObject({ warningDays: int(0, 3650).optional(), criticalDays: int(0, 3650).optional() })
    .optional(),
};

/**
 * A parsed credential of any kind: the common keys as `commonCredentialShape` parses them, the
 * rotation's `switchedAt` (when the integration moved to a successor), the per-credential probe
 * overrides every kind's `probe` block takes, and whatever the kind's own schema adds.
 */
export type CredentialConfig = z.output<z.ZodObject<typeof commonCredentialShape>> & {
  switchedAt?: Date;
  probe?: z.output<z.ZodObject<typeof probeOverrides>> & { [key: string]: unknown };
  [key: string]: unknown;
};

/** Keys every notifier has, whatever its type. */
export const commonNotifierShape = {
  name: z.string().max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a simple name (letters, digits, . _ -)'),
  type: z.string(),
};

/** A parsed notifier of any type: its name and type, and whatever its plugin's schema adds. */
export type NotifierConfig = z.output<z.ZodObject<typeof commonNotifierShape>> & { [key: string]: unknown };

/** server.token's minimum length. */
const MIN_TOKEN_LENGTH = 16;

/** The config file's top level; `notifiers` and `credentials` are checked item by item against their plugin's schema. */
export function topLevelSchema(h: SchemaHelpers) {
  return z.strictObject({
    database: h
      .file()
      .refine((p) => !/^\/(proc|sys|dev)(\/|$)/.test(p), 'must not be under /proc, /sys or /dev (kernel files are not a database)')
      .prefault('./data/credwatch.db'),
    retentionDays: z.number().int('must be a whole number').min(1, 'must be at least 1').max(36500, 'must be at most 36500').default(400),
    thresholds: thresholdsSchema.default(thresholdsSchema.parse({})),
    probe: probeDefaultsSchema.default(probeDefaultsSchema.parse({})),
    /** Notification delivery; `timeoutMs`: how long one delivery may take (unset: `probe.timeoutMs`). */
    notify: z
      .strictObject({
        timeoutMs: timeoutMsSchema().optional(),
      })
      .optional(),
    schedule: z
      .strictObject({
        check: z
          .string()
          .refine((expr) => cron.validate(expr), { message: 'is not a valid cron expression' })
          .default('*/15 * * * *'),
      })
      .default({ check: '*/15 * * * *' }),
    server: z
      .strictObject({
        listen: z
          .string()
          .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:9477')
          .refine((l) => !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(l) || Number(l.slice(l.lastIndexOf(':') + 1)) <= 65535, 'port must be between 0 and 65535')
          .default('127.0.0.1:9477'),
        // A bearer token a person could guess is no protection: at least 16 characters.
        token: z.string().min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 24)`).pipe(h.secret()).optional(),
        /** Where people reach the status page; alerts link there. */
        publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
        metrics: z
          .strictObject({
            // Opt-in: series named and labelled as x509-certificate-exporter's, for its dashboards and rules.
            x509CertificateExporter: z.boolean().default(false),
          })
          .optional(),
      })
      .default({ listen: '127.0.0.1:9477' }),
    notifiers: z.array(z.unknown()).default([]),
    /** High availability: several replicas post to one Alertmanager cluster (README). Lint only. */
    ha: z.boolean({ error: 'must be true or false' }).default(false),
    defaults: z
      .strictObject({ notify: z.array(z.string()).default([]), owner: z.string().min(1, 'must not be empty').optional() })
      .default({ notify: [] }),
    credentials: z.array(z.unknown()).min(1, 'must list at least one credential'),
  });
}

/** A loaded config: the top level as parsed, with each notifier and credential parsed by its plugin's schema. */
export type Config = Omit<z.output<ReturnType<typeof topLevelSchema>>, 'notifiers' | 'credentials'> & {
  /** Absolute path of the file it was loaded from. */
  file: string;
  notifiers: NotifierConfig[];
  credentials: CredentialConfig[];
};

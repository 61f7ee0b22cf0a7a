import { z } from 'zod';
import type { Secret } from '../secret.js';
import { durationSchema, type probeOverrides } from './helpers.js';
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

const int = (min: number, max: number) =>
  z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const thresholdsSchema = z.strictObject({
  warningDays: int(0, 3650).default(30),
  criticalDays: int(0, 3650).default(7),
  remindDays: z.array(int(0, 3650)).default([60, 30, 14, 7, 3, 1]),
  repeatHours: z.number().min(0.01, 'must be more than 0').max(24 * 365, 'must be at most 8760').default(24),
});

export const probeDefaultsSchema = z.strictObject({
  timeoutMs: int(100, 600000).default(10000),
  concurrency: int(1, 1000).default(8),
  failuresBeforeAlert: int(1, 100).default(2),
  /** Least time between two probes of one credential (ms); unset: every cycle. */
  interval: durationSchema().optional(),
});

export const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
/** Ids go into metric labels, alert keys and file-friendly places: keep them short. */
export const MAX_ID_LENGTH = 128;

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

export interface NotifierConfig {
  name: string;
  type: string;
  [key: string]: unknown;
}

export type Thresholds = z.output<typeof thresholdsSchema>;
export type ProbeDefaults = z.output<typeof probeDefaultsSchema>;

export interface Config {
  /** Absolute path of the file it was loaded from. */
  file: string;
  database: string;
  retentionDays: number;
  thresholds: Thresholds;
  probe: ProbeDefaults;
  /** Notification delivery; `timeoutMs`: how long one delivery may take (unset: `probe.timeoutMs`). */
  notify?: { timeoutMs?: number };
  schedule: { check: string };
  /** `publicUrl`: where people reach the status page; alerts link there. */
  server: { listen: string; token?: Secret; publicUrl?: string; metrics?: { x509CertificateExporter: boolean } };
  notifiers: NotifierConfig[];
  /** High availability: several replicas post to one Alertmanager cluster (README). Lint only. */
  ha?: boolean;
  defaults: { notify: string[]; owner?: string };
  credentials: CredentialConfig[];
}

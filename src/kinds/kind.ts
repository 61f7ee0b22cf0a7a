import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Observation, ProbeResult } from '../types.js';
import type { SchemaHelpers } from '../config/helpers.js';
import type { CredentialConfig, ConfigProblem } from '../config/schema.js';
import type { ProbeContext } from '../probe/context.js';

export interface InspectContext {
  /** The run's clock (`--at` replaces it). */
  now: Date;
  log: Logger;
  /** The credential's effective `probe.timeoutMs`: how long a network inspection (tls) may take. */
  timeoutMs?: number;
  /**
   * This run probes the credential (no `--no-probe`): a kind whose probe loads the same client
   * certificate and key may let the probe's TLS context prove that they match.
   */
  probing?: boolean;
}

/** What one probe costs in requests: its test calls, and whether it needs a token from an endpoint. */
interface ProbeCost {
  calls: number;
  /** True when the probe asks a token endpoint (once per token lifetime while cached). */
  token: boolean;
}

/** What one config entry stands for this cycle (discovery: `paths`, `hosts`). */
export interface Expansion<C> {
  /** Inspected in the entry's place; derived ones have ids `PARENT/…` (config/derived-id.ts). */
  credentials: C[];
  /** Why a derived credential of an earlier cycle is gone ("file removed"): its alerts resolve with it. */
  removedReason: string;
}

/**
 * A kind's parsed credential, inferred from its schema (`schema` below): the common keys, the
 * kind's name, and the kind's own keys as the schema outputs them (dates as Date, secrets as Secret).
 */
export type CredentialOf<K extends string, S extends (h: SchemaHelpers) => z.ZodType> = CredentialConfig & { kind: K } & z.output<ReturnType<S>>;

/**
 * A credential kind: one file per kind, registered in `./index.ts`.
 * `C` is the parsed credential: the common keys plus what `schema` adds.
 */
export interface Kind<C extends CredentialConfig = CredentialConfig> {
  readonly name: string;
  /** The kind's own keys (the common ones are merged in by the loader). */
  schema(h: SchemaHelpers): z.ZodObject<z.ZodRawShape>;
  /** Rules across fields, after the schema passed: each problem's `path` is relative to the credential. */
  check?(cred: C): { path: string; message: string }[];
  /** Local inspection: files, dates, JSON. Never throws for a broken credential: sets `error`. */
  inspect(cred: C, ctx: InspectContext): Promise<Observation>;
  /** Discovery, run before inspection each cycle; null when the entry is one credential as written. */
  expand?(cred: C, ctx: InspectContext): Promise<Expansion<C> | null>;
  /** A live test call. Never throws: failures are classified into the result. */
  probe?(cred: C, ctx: ProbeContext): Promise<ProbeResult>;
  /** Requests one probe makes (for `probe.budget` and the projection `validate` prints). */
  probeCost?(cred: C): ProbeCost;
  /** Lint across all credentials of this kind (warnings only; `validate` prints them). */
  lint?(creds: readonly C[]): ConfigProblem[];
}

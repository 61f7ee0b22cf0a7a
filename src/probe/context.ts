import type { Logger } from 'pino';

/** What a kind's probe is handed each cycle (kinds import it from here; the probe layer never imports kinds). */
export interface ProbeContext {
  now: Date;
  log: Logger;
  /** Effective timeout: the credential's `probe.timeoutMs`, else the global one. */
  timeoutMs: number;
  /**
   * State that outlives one cycle for this credential (its undici Agent, its cached token).
   * The cycle runner keeps one bag per credential and drops it when the credential's config
   * changes; values with a `close()` method are closed then.
   */
  state: Map<string, unknown>;
  /** Every HTTP request the probe makes is counted here, by type (billed quotas; `probe.budget`). */
  requests?: { token: number; call: number };
}

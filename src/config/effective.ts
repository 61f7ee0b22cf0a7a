import type { Config, CredentialConfig } from './schema.js';

/** What one credential runs with: its own overrides, else the global settings. */
interface EffectiveSettings {
  warningDays: number;
  criticalDays: number;
  /** `probe.timeoutMs`. */
  timeoutMs: number;
  failuresBeforeAlert: number;
  /** `probe.interval` (ms): least time between two probes; undefined when every cycle probes. */
  interval: number | undefined;
}

/** A credential's thresholds: its own, else the global ones (a credential no longer in the config gets those). */
export function effectiveThresholds(config: Pick<Config, 'thresholds'>, cred: Pick<CredentialConfig, 'thresholds'> | undefined): { warningDays: number; criticalDays: number } {
  return {
    warningDays: cred?.thresholds?.warningDays ?? config.thresholds.warningDays,
    criticalDays: cred?.thresholds?.criticalDays ?? config.thresholds.criticalDays,
  };
}

/** How long one notification delivery may take: `notify.timeoutMs`, else `probe.timeoutMs` (as before it existed). */
export function notifyTimeoutMs(config: Pick<Config, 'probe'> & Partial<Pick<Config, 'notify'>>): number {
  return config.notify?.timeoutMs ?? config.probe.timeoutMs;
}

/**
 * The one place a credential's settings are resolved (cycle, alerts, pages, renders). A credential
 * no longer in the config (undefined) gets the global ones.
 */
export function effectiveSettings(config: Pick<Config, 'thresholds' | 'probe'>, cred: Pick<CredentialConfig, 'thresholds' | 'probe'> | undefined): EffectiveSettings {
  return {
    ...effectiveThresholds(config, cred),
    timeoutMs: cred?.probe?.timeoutMs ?? config.probe.timeoutMs,
    failuresBeforeAlert: cred?.probe?.failuresBeforeAlert ?? config.probe.failuresBeforeAlert,
    interval: cred?.probe?.interval ?? config.probe.interval,
  };
}

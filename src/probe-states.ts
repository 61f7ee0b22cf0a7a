import { createHash } from 'node:crypto';
import { Secret } from './secret.js';
import type { CredentialConfig } from './config/schema.js';

/** A fingerprint of a credential's config that changes when any value, secrets included, changes. */
function configFingerprint(cred: CredentialConfig): string {
  const h = createHash('sha256');
  const walk = (v: unknown): void => {
    if (v instanceof Secret) h.update(`S${v.reveal().length}:${v.reveal()}`);
    else if (v instanceof Date) h.update(`D${v.toISOString()}`);
    else if (Array.isArray(v)) {
      h.update('[');
      v.forEach(walk);
      h.update(']');
    } else if (v && typeof v === 'object') {
      h.update('{');
      for (const k of Object.keys(v).sort()) {
        h.update(`${k}=`);
        walk((v as Record<string, unknown>)[k]);
      }
      h.update('}');
    } else h.update(`${typeof v}:${String(v)};`);
  };
  walk(cred);
  return h.digest('hex');
}

async function closeAll(state: Map<string, unknown>): Promise<void> {
  for (const v of state.values()) {
    const close = (v as { close?: () => unknown } | null)?.close;
    if (typeof close === 'function') await Promise.resolve(close.call(v)).catch(() => undefined);
  }
  state.clear();
}

/**
 * Per-credential probe state (undici Agents, cached tokens) kept across cycles, so a daemon
 * reuses TLS sessions and tokens; dropped and closed when the credential's config changes.
 */
export class ProbeStates {
  readonly #entries = new Map<string, { fingerprint: string; state: Map<string, unknown> }>();

  for(cred: CredentialConfig): Map<string, unknown> {
    const fingerprint = configFingerprint(cred);
    const entry = this.#entries.get(cred.id);
    if (entry && entry.fingerprint === fingerprint) return entry.state;
    if (entry) void closeAll(entry.state);
    const state = new Map<string, unknown>();
    this.#entries.set(cred.id, { fingerprint, state });
    return state;
  }

  /** Drops state of credentials no longer configured. */
  async retain(ids: ReadonlySet<string>): Promise<void> {
    for (const [id, entry] of this.#entries) {
      if (!ids.has(id)) {
        this.#entries.delete(id);
        await closeAll(entry.state);
      }
    }
  }

  async close(): Promise<void> {
    await this.retain(new Set());
  }
}

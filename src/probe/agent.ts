import { statSync } from 'node:fs';
import { Agent } from 'undici';
import { probeConnector } from './connector.js';
import { buildSecureContext, readTlsMaterial, type TlsFiles, type TlsMaterial } from './tls-material.js';

export interface AgentOptions {
  timeoutMs: number;
  /**
   * Keep connections open between the token call and the test call (default). Off only for
   * measuring the cost of a fresh handshake.
   */
  keepAlive?: boolean;
}

/** A credential's HTTP client: its TLS identity, its timeouts, its pooled connections. */
export class ProbeAgent {
  readonly dispatcher: Agent;
  readonly hasClientCert: boolean;
  readonly key: string;

  constructor(files: TlsFiles, opts: AgentOptions, material: TlsMaterial = readTlsMaterial(files)) {
    const secureContext = buildSecureContext(material, files);
    this.hasClientCert = Boolean(material.cert);
    this.key = agentKey(material, opts);
    this.dispatcher = new Agent({
      connect: probeConnector({
        secureContext,
        timeout: opts.timeoutMs,
        // No TLS session resumption: a resumed session skips the client certificate, and a probe
        // exists to prove the certificate is still accepted.
        maxCachedSessions: 0,
      }),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      // pipelining 0 is undici's switch for "one request per connection".
      ...(opts.keepAlive === false ? { pipelining: 0 } : {}),
    });
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  destroy(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

const agentKey = (m: TlsMaterial, o: AgentOptions) => `${m.fingerprint}:${o.timeoutMs}:${o.keepAlive !== false}`;

/** Cheap change detection: one stat per file instead of reading and hashing on every probe. */
function statSignature(files: TlsFiles): string | null {
  try {
    return [files.certificate, files.privateKey, files.ca]
      .map((f) => {
        if (!f) return '-';
        const s = statSync(f);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      })
      .join('|');
  } catch {
    return null; // readTlsMaterial will say what is wrong with which file
  }
}

export const AGENT_STATE_KEY = 'probe.agent';

interface AgentSlot {
  agent: ProbeAgent;
  stat: string;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * The credential's Agent from its state bag, built on first use and rebuilt when the files on disk
 * or the timeout changed (a certificate renewed in place must not keep the old identity).
 */
export function agentFor(state: Map<string, unknown>, files: TlsFiles, opts: AgentOptions): ProbeAgent {
  const slot = state.get(AGENT_STATE_KEY) as AgentSlot | undefined;
  const stat = statSignature(files);
  const optsKey = `${opts.timeoutMs}:${opts.keepAlive !== false}`;
  if (slot && stat !== null && slot.stat === stat && slot.agent.key.endsWith(`:${optsKey}`)) return slot.agent;
  const material = readTlsMaterial(files);
  if (slot && slot.agent.key === agentKey(material, opts)) {
    slot.stat = stat ?? '';
    return slot.agent;
  }
  const agent = new ProbeAgent(files, opts, material);
  // The cycle runner closes values with close() when the credential's config changes.
  state.set(AGENT_STATE_KEY, { agent, stat: stat ?? '', close: () => agent.close(), destroy: () => agent.destroy() } satisfies AgentSlot);
  // In-flight requests of the old Agent finish on their own; close() waits for them.
  if (slot) void slot.agent.close().catch(() => undefined);
  return agent;
}

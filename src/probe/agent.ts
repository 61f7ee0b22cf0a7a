import { Agent } from 'undici';
import { probeConnector } from './connector.js';
import { secureContextFor, type SharedTlsContext, type TlsFiles } from './tls-material.js';

interface AgentOptions {
  timeoutMs: number;
  /**
   * Keep connections open between the token call and the test call (default). Off only for
   * measuring the cost of a fresh handshake.
   */
  keepAlive?: boolean;
}

/** How long an idle probe connection stays open. */
const PROBE_KEEP_ALIVE_MS = 1000;

/** An HTTP client for one TLS identity: its SecureContext, its timeouts, its pooled connections. */
export class ProbeAgent {
  readonly dispatcher: Agent;
  readonly hasClientCert: boolean;
  readonly key: string;
  /** Held so the shared context lives as long as an Agent uses it. */
  readonly tls: SharedTlsContext;

  constructor(shared: SharedTlsContext, opts: AgentOptions) {
    this.tls = shared;
    this.hasClientCert = shared.hasClientCert;
    this.key = agentKey(shared, opts);
    this.dispatcher = new Agent({
      // Never a resumed TLS session (see probeConnector).
      connect: probeConnector({ secureContext: shared.context, timeout: opts.timeoutMs }),
      // A probe's token call and test call share a connection within a few milliseconds; after
      // that the connection has no use until the next probe, minutes away. Held open for undici's
      // default 4 s, a cycle's connections pile up (about 40 KB of TLS state each, on both ends).
      keepAliveTimeout: PROBE_KEEP_ALIVE_MS,
      keepAliveMaxTimeout: PROBE_KEEP_ALIVE_MS,
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

const agentKey = (t: SharedTlsContext, o: AgentOptions) => `${t.fingerprint}:${o.timeoutMs}:${o.keepAlive !== false}`;

/**
 * Agents shared by every credential with the same TLS material and timeouts: a client identity is
 * one pool of connections, not one per credential. Counted by the credentials holding them; the last
 * one to let go closes it.
 */
const shared = new Map<string, { agent: ProbeAgent; refs: number }>();

function acquire(t: SharedTlsContext, opts: AgentOptions): ProbeAgent {
  const key = agentKey(t, opts);
  let entry = shared.get(key);
  if (!entry) {
    entry = { agent: new ProbeAgent(t, opts), refs: 0 };
    shared.set(key, entry);
  }
  entry.refs++;
  return entry.agent;
}

function release(agent: ProbeAgent, how: 'close' | 'destroy'): Promise<void> {
  const entry = shared.get(agent.key);
  if (!entry || entry.agent !== agent) return Promise.resolve();
  if (--entry.refs > 0) return Promise.resolve();
  shared.delete(agent.key);
  // In-flight requests finish on their own; close() waits for them.
  return (how === 'close' ? agent.close() : agent.destroy()).catch(() => undefined);
}

/** How many Agents are alive (for tests and the benchmark). */
export function liveAgents(): number {
  return shared.size;
}

export const AGENT_STATE_KEY = 'probe.agent';

interface AgentSlot {
  agent: ProbeAgent;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

function slotFor(agent: ProbeAgent): AgentSlot {
  let released = false;
  const once = (how: 'close' | 'destroy') => {
    if (released) return Promise.resolve();
    released = true;
    return release(agent, how);
  };
  return { agent, close: () => once('close'), destroy: () => once('destroy') };
}

/**
 * The credential's Agent, held in its state bag: the shared one for its files' current contents and
 * its timeouts. A certificate renewed in place (or a changed timeout) moves the credential to another
 * Agent, so the old identity is never used again.
 */
export function agentFor(state: Map<string, unknown>, files: TlsFiles, opts: AgentOptions): ProbeAgent {
  const slot = state.get(AGENT_STATE_KEY) as AgentSlot | undefined;
  const tls = secureContextFor(files);
  if (slot && slot.agent.key === agentKey(tls, opts)) return slot.agent;
  const agent = acquire(tls, opts);
  // The cycle runner closes values with close() when the credential's config changes.
  state.set(AGENT_STATE_KEY, slotFor(agent));
  if (slot) void slot.close();
  return agent;
}

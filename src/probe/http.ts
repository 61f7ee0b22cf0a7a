import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { nextTurn } from '../concurrency.js';
import type { ProbeAgent } from './agent.js';
import { classifyNetworkError } from './classify.js';

/** Token replies and GraphQL answers are small; anything bigger is not what we asked for. */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  stage: 'token' | 'call';
  /** For messages: `the token endpoint`, `GET /api/v3/transactions`. */
  what: string;
  /** Read the body (up to maxBodyBytes) or discard it. */
  readBody: boolean;
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Null when not read, or when it exceeded the cap (`tooLarge`). */
  body: Buffer | null;
  tooLarge: boolean;
}

const targetOf = (url: URL) => `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;

/** What we discard of a body we do not need, before dropping the connection instead. */
const DUMP_LIMIT = 256 * 1024;

/**
 * undici's pool learns that a connection is free again only after the reply's last event; a
 * request sent in the same turn would open a second TLS connection. One macrotask lets the token
 * call and the test call share the connection, as the providers ask.
 */
const poolSettled = nextTurn;

/**
 * One HTTP exchange over the credential's Agent. Network failures come back as a classified
 * ProbeError; HTTP statuses are left to the caller, which knows what they mean at its stage.
 */
export async function send(agent: ProbeAgent, req: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
  const url = new URL(req.url);
  const net = { stage: req.stage, what: req.what, target: targetOf(url), timeoutMs, hasClientCert: agent.hasClientCert, hasCa: agent.tls.hasCa };
  const max = req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  try {
    const res = await request(url, {
      dispatcher: agent.dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // The per-phase timeouts restart on every chunk; this bounds a reply that trickles in.
      signal: AbortSignal.timeout(timeoutMs * 2),
    });
    if (!req.readBody) {
      await res.body.dump({ limit: DUMP_LIMIT });
      await poolSettled();
      return { status: res.statusCode, headers: res.headers, body: null, tooLarge: false };
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      res.body.destroy();
      return { status: res.statusCode, headers: res.headers, body: null, tooLarge: true };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > max) {
        res.body.destroy();
        return { status: res.statusCode, headers: res.headers, body: null, tooLarge: true };
      }
      chunks.push(chunk as Buffer);
    }
    await poolSettled();
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), tooLarge: false };
  } catch (err) {
    throw classifyNetworkError(err, net);
  }
}

export const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

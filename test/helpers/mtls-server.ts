// A real loopback HTTPS server for probe tests: mTLS on request, every request recorded so tests
// can count token calls and assert exact headers.
import https from 'node:https';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ProbeContext } from '../../src/probe/context.js';
import type { Issued } from './pki.js';
import type { ClaraProbeCredential } from '../../src/kinds/clara.js';
import { Secret } from '../../src/secret.js';
import { freePort } from './ports.js';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Whether the client presented a certificate the server trusts. */
  authorized: boolean;
}

export type Handler = (req: Recorded, res: ServerResponse) => void;

export interface TestServer {
  url: string;
  port: number;
  requests: Recorded[];
  count(path: string): number;
  /** TCP connections accepted (each is a TLS handshake). */
  connections: number;
  setHandler(h: Handler): void;
  close(): Promise<void>;
}

export interface ServerPki {
  ca: Issued;
  server: Issued;
}

export async function startServer(pki: ServerPki, handler: Handler, o: { requestCert?: boolean } = {}): Promise<TestServer> {
  let current = handler;
  const requests: Recorded[] = [];
  const srv = https.createServer(
    { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: o.requestCert ?? true, rejectUnauthorized: o.requestCert ?? true },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec: Recorded = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          authorized: (req.socket as import('node:tls').TLSSocket).authorized === true,
        };
        requests.push(rec);
        current(rec, res);
      });
    },
  );
  const state = { connections: 0 };
  srv.on('secureConnection', () => state.connections++);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    count: (path) => requests.filter((r) => r.path.split('?')[0] === path).length,
    get connections() {
      return state.connections;
    },
    setHandler: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A token endpoint reply the way Clara documents it; `expiresIn: null` leaves expires_in out. */
export const tokenReply = (token: string, expiresIn: number | null = 86400) => ({
  access_token: token,
  token_type: 'Bearer',
  ...(expiresIn === null ? {} : { expires_in: expiresIn }),
});

/** A port with nothing listening on it (for connection-refused cases). */
export const closedPort = freePort;

/** A TCP server that accepts and then says nothing (no TLS handshake, no HTTP). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const sock of sockets) sock.destroy();
        s.close(() => r());
      }),
  };
}

/** Writes PEM files into a fresh folder (keys mode 600); `cleanup` removes it. */
export function writeFiles(files: Record<string, string>): { dir: string; path: (name: string) => string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-probe-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o600);
  }
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A pino logger at trace level whose every line lands in `lines`. */
export function captureLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { log: pino({ level: 'trace' }, sink), lines };
}

export function probeContext(o: { timeoutMs?: number; log?: pino.Logger; state?: Map<string, unknown> } = {}): ProbeContext {
  return { now: new Date(), log: o.log ?? pino({ level: 'silent' }), timeoutMs: o.timeoutMs ?? 5000, state: o.state ?? new Map() };
}

/** Closes what a probe left in its state bag (Agents), as the cycle runner does. */
export async function closeState(state: Map<string, unknown>): Promise<void> {
  for (const v of state.values()) {
    const c = (v as { destroy?: () => Promise<void> } | null)?.destroy;
    if (typeof c === 'function') await c.call(v);
  }
  state.clear();
}

/**
 * A clara-project probe credential aimed at a test server, using the client.crt / client.key /
 * ca.pem that `writeFiles` wrote; `over` replaces any field (set clientId/clientSecret to
 * undefined to use a credentialsFile instead).
 */
export function claraCred(baseUrl: string, files: { path(name: string): string }, over: Partial<ClaraProbeCredential> = {}): ClaraProbeCredential {
  return {
    id: 'clara-test',
    country: 'mx',
    baseUrl,
    certificate: files.path('client.crt'),
    privateKey: files.path('client.key'),
    ca: files.path('ca.pem'),
    clientId: 'id',
    clientSecret: new Secret('secret-xyz'),
    ...over,
  };
}

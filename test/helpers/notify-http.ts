// A real HTTP server on 127.0.0.1:0 that records every request and answers from a script.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes received. */
  raw: Buffer;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long (timeouts). */
  delayMs?: number;
}

export interface TestServer {
  url: string;
  requests: Recorded[];
  /** Replies used in order; when they run out, `fallback` answers. */
  script: Reply[];
  fallback: Reply;
  close(): Promise<void>;
}

export async function startHttpServer(fallback: Reply = { status: 200, body: 'ok' }): Promise<TestServer> {
  const state = { requests: [] as Recorded[], script: [] as Reply[], fallback };
  // Held answers: cleared when their client goes away or the server closes, so no timer keeps the
  // test process alive after the test is done.
  const held = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body: raw.toString('utf8') });
      const reply = state.script.shift() ?? state.fallback;
      const send = () => {
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      };
      if (!reply.delayMs) return send();
      const timer = setTimeout(() => {
        held.delete(timer);
        send();
      }, reply.delayMs);
      held.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        held.delete(timer);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get script() {
      return state.script;
    },
    set script(v: Reply[]) {
      state.script = v;
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(v: Reply) {
      state.fallback = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of held) clearTimeout(timer);
        held.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

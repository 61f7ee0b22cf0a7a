// The daemon's HTTP face: routing, auth and headers. What each route shows comes from the
// context the daemon hands in, so this file has no knowledge of cycles or the database.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { reportJson, type CheckReport } from '../types.js';
import { bearerAllowed } from './auth.js';
import type { HealthReport } from './health.js';
import { parseListen, type ListenAddress } from './listen.js';
import { renderMetrics, type MetricsSnapshot } from './metrics.js';
import { renderStatusPage } from './status-page.js';
import { buildStatusView } from './status-view.js';
import { buildPlan } from '../plan.js';

export interface ServerContext {
  /** The config in force now (it changes on SIGHUP). */
  config(): Config;
  /** The recorded state of every configured credential. */
  report(): CheckReport;
  health(): HealthReport;
  metrics(): MetricsSnapshot;
  processRegistry?: Registry;
  log: Logger;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...extra });
  // HEAD: the same status and headers as GET, no body (HEAD-based health checks).
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const json = (res: ServerResponse, status: number, value: unknown, extra?: Record<string, string>) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value) + '\n', extra);

// The page has no scripts and only inline CSS; say so to the browser.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The request target is a path, never a URL: `//x` is the path `//x` (not the host x, path /).
  const target = req.url ?? '/';
  const path = target.startsWith('/') ? target.split('?')[0]! : '';
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
  if (path === '/healthz') {
    const h = ctx.health();
    return json(res, h.status === 'ok' ? 200 : 503, h);
  }
  if (!bearerAllowed(req.headers.authorization, ctx.config().server.token)) {
    return json(res, 401, { error: 'a bearer token is required' }, { 'www-authenticate': 'Bearer realm="credwatch"' });
  }
  switch (path) {
    case '/status':
      return json(res, 200, reportJson(ctx.report()));
    case '/plan': {
      const report = ctx.report();
      return json(res, 200, buildPlan(ctx.config(), report.credentials, new Date()));
    }
    case '/metrics': {
      const { contentType, body } = await renderMetrics(ctx.metrics(), ctx.processRegistry);
      return send(res, 200, contentType, body);
    }
    case '/': {
      const html = renderStatusPage(buildStatusView(ctx.config(), ctx.report(), new Date()));
      return send(res, 200, 'text/html; charset=utf-8', html, { 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY' });
    }
    default:
      return json(res, 404, { error: 'not found' });
  }
}

export interface RunningServer {
  server: Server;
  address: ListenAddress;
  close(): Promise<void>;
}

/** Listens on `server.listen`; resolves once bound, rejects if the address cannot be taken. */
export function startServer(ctx: ServerContext, listen: string): Promise<RunningServer> {
  const wanted = parseListen(listen);
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((err) => {
      ctx.log.error({ err: (err as Error).message, path: req.url }, 'HTTP handler failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  // A monitor's API should never be held open by slow clients.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted.port, wanted.host, () => {
      server.off('error', reject);
      server.on('error', (err) => ctx.log.error({ err: err.message }, 'HTTP server error'));
      const a = server.address() as AddressInfo;
      resolve({
        server,
        address: { host: a.address, port: a.port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            // Requests in flight get a moment; then the rest are cut.
            setTimeout(() => server.closeAllConnections(), 1000).unref();
          }),
      });
    });
  });
}

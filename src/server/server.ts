// The daemon's HTTP face: routing, auth and headers. What each route shows comes from the
// context the daemon hands in, so this file has no knowledge of cycles or the database.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
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
  res.end(body);
}

const gzip = promisify(gzipCallback);

/** Whether the client takes gzip (`Accept-Encoding: gzip`, not refused with q=0). */
export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (!header) return false;
  return String(header)
    .split(',')
    .some((part) => {
      const [name, ...params] = part.trim().toLowerCase().split(';');
      if (name !== 'gzip' && name !== '*') return false;
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return !q || Number(q.slice(2)) > 0;
    });
}

/** Bodies smaller than this are sent as they are: gzip would save nothing worth a header. */
const GZIP_MIN_BYTES = 1024;

/** A body built once, with its gzip made on first demand (off the main thread) and kept. */
interface CachedBody {
  /** Encoded once: a large body is not re-encoded from a string on every request. */
  bytes: Buffer;
  gz?: Promise<Buffer>;
}

async function sendBody(req: IncomingMessage, res: ServerResponse, contentType: string, body: CachedBody): Promise<void> {
  let bytes = body.bytes;
  const headers: Record<string, string | number> = { ...COMMON_HEADERS, 'content-type': contentType, vary: 'accept-encoding' };
  if (bytes.length >= GZIP_MIN_BYTES && acceptsGzip(req)) {
    body.gz ??= gzip(bytes);
    bytes = await body.gz;
    headers['content-encoding'] = 'gzip';
  }
  res.writeHead(200, { ...headers, 'content-length': bytes.length });
  res.end(bytes);
}

/** /status bodies per recorded report: the daemon hands the same report object until a new check is recorded. */
const statusBodies = new WeakMap<CheckReport, CachedBody>();

function statusBody(report: CheckReport): CachedBody {
  let body = statusBodies.get(report);
  if (!body) {
    body = { bytes: Buffer.from(JSON.stringify(reportJson(report)) + '\n') };
    statusBodies.set(report, body);
  }
  return body;
}

const json = (res: ServerResponse, status: number, value: unknown, extra?: Record<string, string>) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value) + '\n', extra);

// The page has no scripts and only inline CSS; say so to the browser.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
  if (path === '/healthz') {
    const h = ctx.health();
    return json(res, h.status === 'ok' ? 200 : 503, h);
  }
  if (!bearerAllowed(req.headers.authorization, ctx.config().server.token)) {
    return json(res, 401, { error: 'a bearer token is required' }, { 'www-authenticate': 'Bearer realm="credwatch"' });
  }
  switch (path) {
    case '/status':
      return sendBody(req, res, 'application/json; charset=utf-8', statusBody(ctx.report()));
    case '/metrics': {
      // The credentials' series are rendered once per recorded check (renderMetrics); the process
      // and delivery counters are current on every scrape.
      const { contentType, body } = await renderMetrics(ctx.metrics(), ctx.processRegistry);
      return sendBody(req, res, contentType, { bytes: Buffer.from(body) });
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

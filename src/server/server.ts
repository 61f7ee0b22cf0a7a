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
import { buildStatusView, parseViewFilter } from './status-view.js';
import { REFRESH_SCRIPT_HASH, refreshSeconds } from './refresh.js';
import { historyStart, renderCredentialPage } from './credential-page.js';
import { credentialBadge, unknownBadge } from './badge.js';
import { daysLeft } from '../evaluate.js';
import type { DailyHistory, StoredResult } from '../store/results.js';
import type { CredentialEventRow } from '../store/outbox.js';
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
  /** One credential's recorded history by day since `since` (its page's chart). */
  history?(id: string, since: Date): DailyHistory[];
  /** One credential's alert events queued since `since`, newest first (its page). */
  events?(id: string, since: Date): CredentialEventRow[];
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
  res.end(req.method === 'HEAD' ? undefined : bytes);
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

// The pages have only inline CSS and, on the status page, the one refresh script (by its hash); say so to the browser.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const STATUS_PAGE_CSP = `${PAGE_CSP}; script-src ${REFRESH_SCRIPT_HASH}; connect-src 'self'`;
const BADGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

const html = (res: ServerResponse, status: number, body: string, csp = PAGE_CSP) =>
  send(res, status, 'text/html; charset=utf-8', body, { 'content-security-policy': csp, 'x-frame-options': 'DENY' });

function credentialPage(ctx: ServerContext, res: ServerResponse, id: string): void {
  const config = ctx.config();
  if (!config.credentials.some((c) => c.id === id)) return json(res, 404, { error: `no credential with id "${id}"` });
  const now = new Date();
  const since = historyStart(now);
  const result = ctx.report().credentials.find((r) => r.id === id) as StoredResult | undefined;
  const page = renderCredentialPage({ config, id, result, history: ctx.history?.(id, since) ?? [], events: ctx.events?.(id, since) ?? [], now });
  html(res, 200, page);
}

function badge(ctx: ServerContext, res: ServerResponse, id: string): void {
  const config = ctx.config();
  const svg = (status: number, body: string) => send(res, status, 'image/svg+xml; charset=utf-8', body, { 'content-security-policy': BADGE_CSP });
  if (!config.credentials.some((c) => c.id === id)) return svg(404, unknownBadge(id));
  const r = ctx.report().credentials.find((x) => x.id === id);
  svg(200, credentialBadge(id, r?.status ?? 'pending', r?.expiresAt ? daysLeft(new Date(r.expiresAt), new Date()) : null));
}

/** `/credentials/ID` and `/badge/ID.svg`: the id, or null when the path is not one of them (or malformed). */
function idFrom(path: string, prefix: string, suffix = ''): string | null {
  if (!path.startsWith(prefix) || !path.endsWith(suffix)) return null;
  try {
    const id = decodeURIComponent(path.slice(prefix.length, path.length - suffix.length));
    return id && !id.includes('/') ? id : null;
  } catch {
    return null;
  }
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The request target is a path, never a URL: `//x` is the path `//x` (not the host x, path /).
  const target = req.url ?? '/';
  const path = target.startsWith('/') ? target.split('?')[0]! : '';
  const query = new URLSearchParams(target.includes('?') ? target.slice(target.indexOf('?') + 1) : '');
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
      return sendBody(req, res, 'application/json; charset=utf-8', statusBody(ctx.report()));
    case '/plan': {
      const report = ctx.report();
      return json(res, 200, buildPlan(ctx.config(), report.credentials, new Date()));
    }
    case '/metrics': {
      // The credentials' series are rendered once per recorded check (renderMetrics); the process
      // and delivery counters are current on every scrape.
      const { contentType, body } = await renderMetrics(ctx.metrics(), ctx.processRegistry);
      return sendBody(req, res, contentType, { bytes: Buffer.from(body) });
    }
    case '/': {
      const view = buildStatusView(ctx.config(), ctx.report(), new Date(), parseViewFilter(query));
      return html(res, 200, renderStatusPage(view, { refreshSeconds: refreshSeconds(query) }), STATUS_PAGE_CSP);
    }
    default: {
      const credential = idFrom(path, '/credentials/');
      if (credential) return credentialPage(ctx, res, credential);
      const badgeId = idFrom(path, '/badge/', '.svg');
      if (badgeId) return badge(ctx, res, badgeId);
      return json(res, 404, { error: 'not found' });
    }
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

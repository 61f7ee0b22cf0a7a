import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { buildConnector, errors } from 'undici';
import { CredwatchError } from '../errors.js';

/**
 * A server that refuses a client certificate under TLS 1.3 cannot say so during the handshake
 * (the client finishes first), so most servers simply close the connection before answering.
 * undici reports that as a generic "other side closed"; this error replaces it so the probe can
 * say `tls_handshake` instead of a vague connection failure.
 */
export class ClosedBeforeAnswerError extends CredwatchError<'CREDWATCH_CLOSED_BEFORE_ANSWER'> {
  constructor() {
    super('CREDWATCH_CLOSED_BEFORE_ANSWER', 'the server closed a new connection right after the TLS handshake, before sending any data');
    this.name = 'ClosedBeforeAnswerError';
  }
}

const PHASE = Symbol('credwatch.connectionPhase');
type ConnectionPhase = 'connect' | 'before-data';

/** Where on its connection a network error happened, when the connector saw it. */
export function connectionPhase(err: unknown): ConnectionPhase | undefined {
  return typeof err === 'object' && err !== null ? ((err as Record<symbol, ConnectionPhase>)[PHASE] ?? undefined) : undefined;
}

function tag(err: unknown, phase: ConnectionPhase): void {
  if (typeof err === 'object' && err !== null && !(PHASE in err)) {
    try {
      Object.defineProperty(err, PHASE, { value: phase, enumerable: false });
    } catch {
      // A frozen error keeps its own meaning; classification falls back to its code.
    }
  }
}

/** What the probe's connections need: the identity's context and the connect deadline. */
export interface ProbeConnectOptions {
  secureContext: tls.SecureContext;
  /** Connect + TLS handshake deadline, ms (undici's connect timeout). */
  timeout: number;
}

/**
 * Verifies the server's name against its leaf certificate without Node's detour. After a verified
 * handshake, Node converts the whole peer chain into JS objects (with three digests per
 * certificate) only to hand it to `checkServerIdentity`: the largest CPU cost of a probe's
 * handshake in profiles. Here the leaf is checked through OpenSSL's own host/IP matching
 * (X509Certificate#checkHost / #checkIP), strict form: subject alternative names only, a wildcard
 * only as a whole left-most label. Anything that does not match that way gets Node's full check,
 * so a mismatch fails with exactly Node's error, and nothing Node would reject is accepted.
 * Returns the socket's `checkServerIdentity`.
 */
function leanHostCheck(socket: tls.TLSSocket): (host: string) => Error | undefined {
  // Own property: Node's onConnectSecure calls this.getPeerCertificate(true) just before
  // checkServerIdentity; the placeholder stands in for that one call and goes with it.
  socket.getPeerCertificate = (() => LAZY_PEER) as unknown as typeof socket.getPeerCertificate;
  const restore = () => void delete (socket as { getPeerCertificate?: unknown }).getPeerCertificate;
  socket.once('secureConnect', restore);
  socket.once('close', restore);
  return (host) => {
    restore();
    const leaf = socket.getPeerX509Certificate();
    const ok = leaf !== undefined && (isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host, STRICT) !== undefined);
    return ok ? undefined : tls.checkServerIdentity(host, leaf ? peerShape(leaf) : socket.getPeerCertificate(true));
  };
}

const LAZY_PEER = Object.freeze({});

/**
 * The two fields of a peer certificate that tls.checkServerIdentity reads, from the leaf (after
 * getPeerX509Certificate, Node's detailed getPeerCertificate returns an empty object).
 */
function peerShape(leaf: X509Certificate): tls.PeerCertificate {
  const subject: Record<string, string | string[]> = Object.create(null);
  for (const line of leaf.subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1);
    const had = subject[k];
    subject[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return { subject, subjectaltname: leaf.subjectAltName } as unknown as tls.PeerCertificate;
}
const STRICT = { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false, singleLabelSubdomains: false } as const;

/**
 * The probe's connector: TLS connections for one identity's SecureContext (never a resumed
 * session: a resumed session skips the client certificate, and a probe exists to prove the
 * certificate is still accepted), plus bookkeeping: errors raised while connecting are tagged
 * `connect`, and a fresh connection closed or reset before it delivered a byte is tagged
 * `before-data`. Plain `http:` goes through undici's own connector.
 */
export function probeConnector(options: ProbeConnectOptions): buildConnector.connector {
  let plain: buildConnector.connector | undefined;
  return (opts, callback) => {
    const connected = (err: Error | null, socket: import('node:net').Socket | null) => {
      if (err || !socket) {
        tag(err, 'connect');
        callback(err ?? new Error('connect failed'), null);
        return;
      }
      watchFirstBytes(socket);
      callback(null, socket);
    };
    if (opts.protocol !== 'https:') {
      plain ??= buildConnector({ timeout: options.timeout });
      plain(opts, connected);
      return;
    }
    connectTls(opts, options, connected);
  };
}

function connectTls(
  opts: buildConnector.Options,
  options: ProbeConnectOptions,
  callback: (err: Error | null, socket: tls.TLSSocket | null) => void,
): void {
  const host = opts.hostname.startsWith('[') ? opts.hostname.slice(1, -1) : opts.hostname;
  const port = Number(opts.port) || 443;
  const servername = opts.servername || (isIP(host) ? undefined : host);
  // Called only after the handshake, by which time the socket's own check is in place.
  let hostCheck: (host: string) => Error | undefined;
  const socket = tls.connect({
    host,
    port,
    ...(servername ? { servername } : {}),
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    secureContext: options.secureContext,
    ALPNProtocols: ['http/1.1'],
    checkServerIdentity: (name: string) => hostCheck(name),
  });
  hostCheck = leanHostCheck(socket);
  socket.setKeepAlive(true, 60_000);
  let settle: ((err: Error | null) => void) | null = (err) => {
    settle = null;
    clearTimeout(timer);
    if (err) callback(err, null);
    else callback(null, socket);
  };
  const timer = options.timeout > 0 ? setTimeout(() => {
    // undici's connect timeout, word for word, so classification and messages stay the same.
    setImmediate(() => {
      if (settle) socket.destroy(new errors.ConnectTimeoutError(`Connect Timeout Error (attempted address: ${opts.hostname}:${port}, timeout: ${options.timeout}ms)`));
    });
  }, options.timeout) : undefined;
  socket
    .setNoDelay(true)
    .once('secureConnect', () => settle?.(null))
    .on('error', (err) => settle?.(err));
}

/** A fresh connection closed or reset before it delivered a byte is tagged `before-data`. */
function watchFirstBytes(socket: import('node:net').Socket): void {
  let gotData = false;
  // Registered before undici's own listeners, so the data is still buffered when this runs;
  // a 'readable' listener keeps the stream in paused mode, exactly as undici wants it.
  socket.on('readable', () => {
    if (socket.readableLength > 0) gotData = true;
  });
  socket.once('end', () => {
    if (!gotData) socket.destroy(new ClosedBeforeAnswerError());
  });
  socket.on('error', (e) => {
    if (!gotData) tag(e, 'before-data');
  });
}

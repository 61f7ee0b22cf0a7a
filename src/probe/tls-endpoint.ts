import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { openStartTls, StartTlsError, type StartTlsProtocol } from './starttls.js';
import { CredwatchError, type EndpointErrorCode } from '../errors.js';

interface TlsEndpoint {
  host: string;
  port: number;
  /** SNI and the name the certificate must be valid for; defaults to `host`. */
  servername?: string;
  /** The trust anchors (PEM): they replace the system roots; without them, Node's default store. */
  ca?: Buffer;
  timeoutMs: number;
  /** Speak this protocol's plain opening first, then upgrade the same connection (STARTTLS). */
  starttls?: StartTlsProtocol;
}

interface ServedChain {
  /** Leaf first, then what the server sent after it (as Node assembled it). */
  certificates: X509Certificate[];
  /** Null when the chain verifies for the name; else why not (OpenSSL's or Node's code). */
  verifyError: string | null;
}

/** A failure to get as far as a served certificate: the endpoint could not be inspected. */
export class TlsEndpointError extends CredwatchError<EndpointErrorCode> {
  constructor(code: EndpointErrorCode, message: string) {
    super(code, message);
    this.name = 'TlsEndpointError';
  }
}

function peerChain(socket: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

/**
 * Connects, completes the handshake without trusting it blindly (verification is recorded, not
 * enforced, so an untrusted chain is still reported with its dates) and hangs up.
 */
export function fetchServedChain(e: TlsEndpoint): Promise<ServedChain> {
  return e.starttls ? fetchAfterStartTls(e, e.starttls) : handshake(e);
}

function connectFailure(err: NodeJS.ErrnoException, e: TlsEndpoint): TlsEndpointError {
  const where = `${e.host}:${e.port}`;
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return new TlsEndpointError('connection', `cannot connect to ${where}: connection refused`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new TlsEndpointError('connection', `cannot resolve ${e.host} (${code})`);
  return new TlsEndpointError('connection', `cannot connect to ${where}: ${err.message}`);
}

/** Plain connection, the protocol's opening up to its STARTTLS, then the handshake on the same socket. */
async function fetchAfterStartTls(e: TlsEndpoint, protocol: StartTlsProtocol): Promise<ServedChain> {
  const where = `${e.host}:${e.port}`;
  const started = Date.now();
  const plain = net.connect({ host: e.host, port: e.port });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    plain.destroy(new Error('timed out'));
  }, e.timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      plain.once('connect', () => {
        plain.off('error', reject);
        resolve();
      });
      plain.once('error', reject);
    });
    await openStartTls(plain, protocol, where);
  } catch (err) {
    plain.destroy();
    if (timedOut) throw new TlsEndpointError('timeout', `no STARTTLS (${protocol}) upgrade with ${where} within ${e.timeoutMs} ms`);
    if (err instanceof StartTlsError) throw new TlsEndpointError(err.code, err.message);
    throw connectFailure(err as NodeJS.ErrnoException, e);
  } finally {
    clearTimeout(timer);
  }
  return handshake(e, plain, Math.max(1, e.timeoutMs - (Date.now() - started)));
}

function handshake(e: TlsEndpoint, plain?: net.Socket, timeoutMs = e.timeoutMs): Promise<ServedChain> {
  const where = `${e.host}:${e.port}`;
  const name = e.servername ?? e.host;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      ...(plain ? { socket: plain } : { host: e.host, port: e.port }),
      // SNI carries host names only; for an IP the certificate is checked against the IP.
      ...(net.isIP(name) ? {} : { servername: name }),
      ...(e.ca ? { ca: e.ca } : {}),
      rejectUnauthorized: false,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
      ALPNProtocols: ['http/1.1'],
    });
    const fail = (err: TlsEndpointError) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new TlsEndpointError('timeout', `no TLS handshake with ${where} within ${e.timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const certificates = peerChain(socket);
      const verifyError = socket.authorized ? null : String(socket.authorizationError ?? 'unknown verification error');
      socket.end();
      socket.destroy();
      if (!certificates.length) return reject(new TlsEndpointError('tls_handshake', `${where} sent no certificate`));
      resolve({ certificates, verifyError });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (code === 'ECONNREFUSED') return fail(new TlsEndpointError('connection', `cannot connect to ${where}: connection refused`));
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail(new TlsEndpointError('connection', `cannot resolve ${e.host} (${code})`));
      if (code.startsWith('ERR_SSL_') || /alert|handshake/i.test(err.message)) {
        return fail(new TlsEndpointError('tls_handshake', `TLS handshake with ${where} failed: ${err.message}`));
      }
      fail(new TlsEndpointError('connection', `cannot connect to ${where}: ${err.message}`));
    });
  });
}

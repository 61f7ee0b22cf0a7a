import type { ProbeStage } from '../types.js';
import { ClosedBeforeAnswerError, connectionPhase } from './connector.js';
import { ProbeError } from './errors.js';

interface NetworkContext {
  /** The request in flight: a connect failure still reports `tls`. */
  stage: Exclude<ProbeStage, 'tls'>;
  /** What was being called, for messages: `the token endpoint`, `GET /api/v3/transactions`. */
  what: string;
  /** `host:port`. */
  target: string;
  timeoutMs: number;
  hasClientCert: boolean;
  /** The credential sets `ca`: only that CA is trusted for the server. */
  hasCa?: boolean;
}

/** Verification failures of the server's certificate (OpenSSL's names, as Node reports them). */
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const CONNECT_REFUSED = new Set(['ECONNREFUSED']);
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL']);

const clientCertHint = (hasClientCert: boolean) =>
  hasClientCert
    ? 'the server did not accept the client certificate (expired, revoked, replaced, or issued by a CA it does not trust)'
    : 'the server probably requires a client certificate, and none is configured (certificate/privateKey)';

/** The TLS alert a server sent, in words a person can act on. */
function alertMessage(err: NodeJS.ErrnoException, hasClientCert: boolean): string {
  const m = `${err.code ?? ''} ${err.message}`.toLowerCase();
  if (m.includes('certificate required')) return 'the server requires a client certificate and none was sent (configure certificate/privateKey)';
  if (m.includes('unknown ca')) return 'the server does not trust the CA that issued the client certificate';
  if (m.includes('certificate expired')) return 'the server says the client certificate has expired';
  if (m.includes('certificate revoked')) return 'the server says the client certificate is revoked';
  if (m.includes('bad certificate') || m.includes('unsupported certificate') || m.includes('certificate unknown')) {
    return `the server rejected the client certificate (${err.message.trim()})`;
  }
  if (m.includes('handshake failure') || m.includes('protocol version') || m.includes('no shared cipher')) {
    return `no TLS parameters in common with the server (${err.message.trim()})`;
  }
  return `${clientCertHint(hasClientCert)} (${err.message.trim()})`;
}

/** Turns an undici / Node network error into the contract's codes, with the stage it ended in. */
export function classifyNetworkError(err: unknown, c: NetworkContext): ProbeError {
  if (err instanceof ProbeError) return err;
  const e = (err ?? {}) as NodeJS.ErrnoException & { name?: string };
  // DOMException (an aborted signal) has a numeric `code`.
  const code = typeof e.code === 'string' ? e.code : '';
  const phase = connectionPhase(err);
  const at = `${c.what} at ${c.target}`;

  if (err instanceof ClosedBeforeAnswerError || (phase === 'before-data' && (code === 'ECONNRESET' || code === 'EPIPE'))) {
    return new ProbeError('tls_handshake', `${c.target} closed the connection right after the TLS handshake without answering: ${clientCertHint(c.hasClientCert)}`, 'tls');
  }
  if (SERVER_CERT_CODES.has(code)) {
    const fix =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH'
        ? 'check the host name in the URL'
        : c.hasCa
          ? 'it is not issued by the configured `ca`, which replaces the system roots: set `ca` to the CA that issued it, or remove `ca` for a publicly trusted server'
          : 'if it is issued by a private CA, set `ca`';
    return new ProbeError('tls_handshake', `the server certificate of ${c.target} is not trusted (${code}: ${e.message}): ${fix}`, 'tls');
  }
  if (code.startsWith('ERR_SSL_') || /\balert\b/i.test(e.message ?? '')) {
    return new ProbeError('tls_handshake', `TLS handshake with ${c.target} failed: ${alertMessage(e, c.hasClientCert)}`, 'tls');
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || (phase === 'connect' && code === 'ETIMEDOUT')) {
    return new ProbeError('timeout', `no TLS connection to ${c.target} within ${c.timeoutMs} ms: the host is slow, filtered by a firewall, or not speaking TLS`, 'tls');
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || e.name === 'TimeoutError') {
    return new ProbeError('timeout', `${at} did not answer within ${c.timeoutMs} ms`, c.stage);
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new ProbeError('timeout', `${at} stopped sending its reply for ${c.timeoutMs} ms`, c.stage);
  }
  if (CONNECT_REFUSED.has(code)) {
    return new ProbeError('connection', `connection refused by ${c.target}: nothing listens there; check the URL and whether the service is up`, 'tls');
  }
  if (UNREACHABLE.has(code)) {
    return new ProbeError('connection', `cannot reach ${c.target} (${code}): check the host name, DNS and the network path`, 'tls');
  }
  if (phase === 'connect') {
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      return new ProbeError('tls_handshake', `${c.target} dropped the connection during the TLS handshake: ${clientCertHint(c.hasClientCert)}`, 'tls');
    }
    return new ProbeError('connection', `cannot connect to ${c.target}: ${e.message ?? String(err)}`, 'tls');
  }
  return new ProbeError('connection', `the connection to ${c.target} failed during ${c.what}: ${e.message ?? String(err)}`, c.stage);
}

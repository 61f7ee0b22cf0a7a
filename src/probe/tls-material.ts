import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { ProbeError } from './errors.js';
import { readFailure, readRegularFile } from '../read-failure.js';

/** Where a credential's TLS client material lives (all optional: plain HTTPS needs none). */
export interface TlsFiles {
  certificate?: string;
  privateKey?: string;
  /** Extra trust for the server, added to the system roots (not replacing them). */
  ca?: string;
}

export interface TlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
  /** Hash of the file contents: a renewed certificate at the same path gets a new Agent. */
  fingerprint: string;
}

function readPart(file: string, what: string): Buffer {
  try {
    return readRegularFile(file);
  } catch (err) {
    throw new ProbeError('tls_handshake', `cannot set up TLS: ${what} ${file} ${readFailure(err)}`, 'tls');
  }
}

/**
 * Reads the files and hashes them: the cycle keeps an Agent across cycles, and a certificate
 * renewed in place must be picked up without a restart (agentFor calls this when a file's stat changes).
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  if (Boolean(files.certificate) !== Boolean(files.privateKey)) {
    throw new ProbeError('tls_handshake', 'cannot set up TLS: a client certificate needs both certificate and privateKey', 'tls');
  }
  const cert = files.certificate ? readPart(files.certificate, 'certificate') : undefined;
  const key = files.privateKey ? readPart(files.privateKey, 'private key') : undefined;
  const ca = files.ca ? readPart(files.ca, 'ca') : undefined;
  const h = createHash('sha256');
  for (const part of [cert, key, ca]) h.update(part ?? '').update('\0');
  return { cert, key, ca, fingerprint: h.digest('hex') };
}

/**
 * One SecureContext per credential: parsing the root store and the key is most of the CPU cost of
 * a fresh TLS connection, so it is built once and shared by every connection the Agent opens.
 */
export function buildSecureContext(m: TlsMaterial, files: TlsFiles): tls.SecureContext {
  try {
    return tls.createSecureContext({
      cert: m.cert,
      key: m.key,
      // `ca` replaces Node's trust store, so the system roots are passed along with the extra CA.
      ca: m.ca ? [...tls.rootCertificates, m.ca.toString('utf8')] : undefined,
    });
  } catch (err) {
    const msg = (err as Error).message;
    if (/key values mismatch/i.test(msg)) {
      throw new ProbeError('tls_handshake', `cannot set up TLS: private key ${files.privateKey} does not match certificate ${files.certificate}`, 'tls');
    }
    throw new ProbeError('tls_handshake', `cannot set up TLS from ${[files.certificate, files.privateKey, files.ca].filter(Boolean).join(', ')}: ${msg}`, 'tls');
  }
}

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileVersion } from '../file-version.js';
import tls from 'node:tls';
import { ProbeError } from './errors.js';
import { readFailure, readRegularFile } from '../read-failure.js';

/** Where a credential's TLS client material lives (all optional: plain HTTPS needs none). */
export interface TlsFiles {
  certificate?: string;
  privateKey?: string;
  /**
   * The trust anchors for the server: they replace the system roots (as curl's `--cacert` does).
   * Without it, Node's default store of system roots.
   */
  ca?: string;
}

interface TlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
  /** Hash of the file contents: a renewed certificate at the same path gets a new context. */
  fingerprint: string;
}

function readPart(file: string, what: string): Buffer {
  try {
    return readRegularFile(file);
  } catch (err) {
    throw new ProbeError('tls_handshake', `cannot set up TLS: ${what} ${file} ${readFailure(err)}`, 'tls');
  }
}

/** Reads the files and hashes them (secureContextFor calls this only when a file's stat changed). */
function readTlsMaterial(files: TlsFiles): TlsMaterial {
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
 * A SecureContext for the material. With `ca`, that CA alone is trusted (it replaces the system
 * roots); without it, no `ca` is passed and Node uses its shared default store. Copying
 * `tls.rootCertificates` into a context would cost ~27 ms CPU and ~1 MB per context.
 */
function buildSecureContext(m: TlsMaterial, files: TlsFiles): tls.SecureContext {
  try {
    return tls.createSecureContext({ cert: m.cert, key: m.key, ...(m.ca ? { ca: m.ca } : {}) });
  } catch (err) {
    const msg = (err as Error).message;
    if (/key values mismatch/i.test(msg)) {
      throw new ProbeError('tls_handshake', `cannot set up TLS: private key ${files.privateKey} does not match certificate ${files.certificate}`, 'tls');
    }
    throw new ProbeError('tls_handshake', `cannot set up TLS from ${[files.certificate, files.privateKey, files.ca].filter(Boolean).join(', ')}: ${msg}`, 'tls');
  }
}

/** A built context and what identifies it; shared by every credential whose files hold the same bytes. */
export interface SharedTlsContext {
  readonly fingerprint: string;
  readonly context: tls.SecureContext;
  readonly hasClientCert: boolean;
  readonly hasCa: boolean;
}

// Contexts are held weakly: the Agents using them keep them alive, and once the last Agent is gone
// (its credentials removed or their files changed) the context is collected and its entry dropped.
const byFingerprint = new Map<string, WeakRef<SharedTlsContext>>();
const byPaths = new Map<string, { stat: string; ref: WeakRef<SharedTlsContext> }>();
const finalizer = new FinalizationRegistry<string>((fingerprint) => {
  if (byFingerprint.get(fingerprint)?.deref() === undefined) byFingerprint.delete(fingerprint);
  for (const [k, v] of byPaths) if (v.ref.deref() === undefined) byPaths.delete(k);
});

/** Cheap change detection: one stat per file instead of reading and hashing on every probe. */
function statSignature(files: TlsFiles): string | null {
  try {
    return [files.certificate, files.privateKey, files.ca]
      .map((f) => {
        if (!f) return '-';
        return fileVersion(statSync(f));
      })
      .join('|');
  } catch {
    return null; // readTlsMaterial will say what is wrong with which file
  }
}

/**
 * The one SecureContext for these files' current contents. Unchanged files (same fileVersion) cost
 * three stats; changed files are read and hashed, and a context is built only for
 * contents no live context has yet.
 */
export function secureContextFor(files: TlsFiles): SharedTlsContext {
  const pathsKey = `${files.certificate ?? ''}\0${files.privateKey ?? ''}\0${files.ca ?? ''}`;
  const stat = statSignature(files);
  const known = byPaths.get(pathsKey);
  const cached = stat !== null && known?.stat === stat ? known.ref.deref() : undefined;
  if (cached) return cached;
  const material = readTlsMaterial(files);
  let shared = byFingerprint.get(material.fingerprint)?.deref();
  if (!shared) {
    shared = { fingerprint: material.fingerprint, context: buildSecureContext(material, files), hasClientCert: Boolean(material.cert), hasCa: Boolean(material.ca) };
    byFingerprint.set(material.fingerprint, new WeakRef(shared));
    finalizer.register(shared, material.fingerprint);
  }
  if (stat !== null) byPaths.set(pathsKey, { stat, ref: new WeakRef(shared) });
  return shared;
}

/**
 * Whether a certificate, its key and `ca` load together as one TLS identity, building (or finding)
 * the shared context the probe will use: OpenSSL refuses a key that does not match its certificate,
 * so a context that loads proves the pair without parsing the key a second time.
 */
export function loadsAsIdentity(files: TlsFiles): boolean {
  try {
    secureContextFor(files);
    return true;
  } catch {
    return false; // the inspection says what is wrong, in its own words
  }
}

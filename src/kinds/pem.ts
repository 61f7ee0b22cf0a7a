import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { CertificateSummary, Expiry, Finding } from '../types.js';
import { readFailure } from '../read-failure.js';

/** A local file could not be used; the message names the file and what is wrong with it. */
export class InspectError extends Error {
  constructor(
    readonly code: 'file_missing' | 'file_unreadable' | 'file_empty' | 'not_pem' | 'bad_certificate' | 'bad_key' | 'bad_json',
    message: string,
  ) {
    super(message);
    this.name = 'InspectError';
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n([\s\S]*?)-----END CERTIFICATE-----/g;

export function readLocalFile(file: string, what: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file_missing' : 'file_unreadable';
    throw new InspectError(code, `${what} ${file} ${readFailure(err)}`);
  }
  if (buf.length === 0 || buf.toString('latin1').trim() === '') throw new InspectError('file_empty', `${what} ${file} is empty`);
  return buf;
}

/** DER starts with a SEQUENCE tag; PEM is text. */
const looksLikeDer = (buf: Buffer) => buf[0] === 0x30 && (buf[1] ?? 0) >= 0x80;

/** Reads a PEM file holding one certificate or a chain, in file order. */
export function readCertificateChain(file: string, what = 'certificate'): X509Certificate[] {
  const buf = readLocalFile(file, what);
  if (looksLikeDer(buf)) {
    throw new InspectError('not_pem', `${what} ${file} is DER (binary), expected PEM; convert it with: openssl x509 -inform der -in ${file} -out cert.pem`);
  }
  const text = buf.toString('utf8');
  const certs: X509Certificate[] = [];
  let i = 0;
  for (const m of text.matchAll(PEM_CERT)) {
    i++;
    try {
      certs.push(new X509Certificate(m[0]));
    } catch (err) {
      throw new InspectError('bad_certificate', `${what} ${file}: PEM block ${i} is not a valid certificate (${(err as Error).message})`);
    }
  }
  if (!certs.length) {
    const hint = text.includes('PRIVATE KEY-----') ? ' (it holds a private key)' : '';
    throw new InspectError('not_pem', `${what} ${file} contains no PEM certificate${hint}`);
  }
  return certs;
}

export const certNotAfter = (c: X509Certificate): Date => new Date(c.validTo);
export const certNotBefore = (c: X509Certificate): Date => new Date(c.validFrom);

/** `certificate` for the first certificate of a file, `chain[1]`… for the ones after it. */
export function chainSource(base: string, index: number): string {
  return index === 0 ? base : `${base}.chain[${index}]`;
}

export function summarize(c: X509Certificate, source: string): CertificateSummary {
  return {
    source,
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serial: c.serialNumber,
    fingerprint256: c.fingerprint256,
    notBefore: certNotBefore(c).toISOString(),
    notAfter: certNotAfter(c).toISOString(),
  };
}

/** Expiries and summaries of a whole chain; the earliest notAfter is what evaluation will pick. */
export function describeChain(certs: readonly X509Certificate[], base: string): { expiries: Expiry[]; certificates: CertificateSummary[] } {
  const expiries: Expiry[] = [];
  const certificates: CertificateSummary[] = [];
  certs.forEach((c, i) => {
    const source = chainSource(base, i);
    expiries.push({ source, expiresAt: certNotAfter(c) });
    certificates.push(summarize(c, source));
  });
  return { expiries, certificates };
}

export function readPrivateKey(file: string, what = 'private key'): KeyObject {
  const buf = readLocalFile(file, what);
  try {
    return createPrivateKey(buf);
  } catch (err) {
    const msg = (err as Error).message;
    if (/passphrase|encrypted/i.test(msg)) throw new InspectError('bad_key', `${what} ${file} is encrypted; credwatch needs the unencrypted key`);
    throw new InspectError('bad_key', `${what} ${file} is not a readable private key (${msg})`);
  }
}

/**
 * Whether the key file matches the certificate, remembered per certificate and key file version:
 * parsing a private key is most of an inspection's CPU, and a daemon sees the same pair every cycle.
 */
const matched = new Map<string, boolean>();
const MATCH_CACHE_MAX = 20_000;

function keyMatches(cert: X509Certificate, keyFile: string, what: string): boolean {
  let st;
  try {
    st = statSync(keyFile);
  } catch {
    return cert.checkPrivateKey(readPrivateKey(keyFile, what)); // throws, naming the file and the problem
  }
  const id = `${cert.fingerprint256}\0${keyFile}\0${st.ino}:${st.size}:${st.mtimeMs}`;
  const known = matched.get(id);
  if (known !== undefined) return known;
  const ok = cert.checkPrivateKey(readPrivateKey(keyFile, what));
  if (matched.size >= MATCH_CACHE_MAX) matched.clear();
  matched.set(id, ok);
  return ok;
}

/**
 * Checks a private key file against a certificate: that it matches (critical otherwise) and that
 * no one but the owner can read it (warning otherwise).
 */
export function checkKey(cert: X509Certificate, keyFile: string, what = 'private key'): Finding[] {
  const findings: Finding[] = [];
  if (!keyMatches(cert, keyFile, what)) findings.push({ level: 'critical', reason: `${what} ${keyFile} does not match the certificate` });
  const mode = statSync(keyFile).mode & 0o777;
  if (mode & 0o077) {
    findings.push({ level: 'warning', reason: `${what} ${keyFile} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it` });
  }
  return findings;
}

import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { statSync } from 'node:fs';
import type { CertificateSummary, Expiry, Finding, Observation } from '../types.js';
import { readFailure, readFailureCode, readRegularFile } from '../read-failure.js';
import { CredwatchError, inspectFailure, type FileErrorCode } from '../errors.js';
import { byFileVersion } from './file-memo.js';
import { loadsAsIdentity } from '../probe/tls-material.js';

/** A local file could not be used; the message names the file and what is wrong with it. */
export class InspectError extends CredwatchError<FileErrorCode> {
  constructor(code: FileErrorCode, message: string) {
    super(code, message);
    this.name = 'InspectError';
  }
}

/**
 * A certificate block: `CERTIFICATE`, OpenSSL's `TRUSTED CERTIFICATE` (the certificate followed by
 * trust settings) and the older `X509 CERTIFICATE`, with the lines indented or not (as YAML and
 * Kubernetes manifests paste them). Group 1 is the label, group 2 the base64 body.
 */
const PEM_CERT = /-----BEGIN ((?:TRUSTED |X509 )?CERTIFICATE)-----([\s\S]*?)-----END \1-----/g;

/** The DER certificate of one block; a TRUSTED CERTIFICATE's trust settings after it are dropped. */
function certificateOfBlock(label: string, body: string): X509Certificate {
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  return new X509Certificate(label === 'TRUSTED CERTIFICATE' ? firstDerElement(der) : der);
}

/** The first DER TLV of a buffer (the certificate SEQUENCE), by its definite length. */
function firstDerElement(der: Buffer): Buffer {
  if (der.length < 2 || der[0] !== 0x30) return der;
  const first = der[1]!;
  if (first < 0x80) return der.subarray(0, 2 + first);
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return der;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return der.subarray(0, Math.min(der.length, 2 + n + len));
}

/** ASN.1 times OpenSSL could not print come back as text no Date can read ("Bad time value"). */
const validDate = (text: string | undefined) => text !== undefined && !Number.isNaN(new Date(text).getTime());

export function readLocalFile(file: string, what: string): Buffer {
  let buf: Buffer;
  try {
    buf = readRegularFile(file);
  } catch (err) {
    throw new InspectError(readFailureCode(err), `${what} ${file} ${readFailure(err)}`);
  }
  if (buf.length === 0 || buf.toString('latin1').trim() === '') throw new InspectError('file_empty', `${what} ${file} is empty`);
  return buf;
}

/**
 * The text up to the end of its last END line. A BEGIN with no END after it is what makes the lazy
 * block regex quadratic (each one scans to the end of the file); cut off, every BEGIN left has an
 * END ahead of it, and the scan is linear in the file size.
 */
function scannable(text: string): string {
  const last = text.lastIndexOf('-----END ');
  if (last < 0) return '';
  const close = text.indexOf('-----', last + 9);
  return close < 0 ? '' : text.slice(0, close + 5);
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
  for (const m of scannable(text).matchAll(PEM_CERT)) {
    i++;
    let cert: X509Certificate;
    try {
      cert = certificateOfBlock(m[1]!, m[2]!);
    } catch (err) {
      throw new InspectError('bad_certificate', `${what} ${file}: PEM block ${i} is not a valid certificate (${(err as Error).message})`);
    }
    for (const [field, value] of [['notBefore', cert.validFrom], ['notAfter', cert.validTo]] as const) {
      if (!validDate(value)) throw new InspectError('bad_certificate', `${what} ${file}: PEM block ${i} has an unreadable ${field} time ("${value}")`);
    }
    certs.push(cert);
  }
  if (!certs.length) {
    const hint = text.includes('PRIVATE KEY-----') ? ' (it holds a private key)' : '';
    throw new InspectError('not_pem', `${what} ${file} contains no PEM certificate${hint}`);
  }
  return certs;
}

const certNotAfter = (c: X509Certificate): Date => new Date(c.validTo);
const certNotBefore = (c: X509Certificate): Date => new Date(c.validFrom);

/** `certificate` for the first certificate of a file, `chain[1]`… for the ones after it. */
export function chainSource(base: string, index: number): string {
  return index === 0 ? base : `${base}.chain[${index}]`;
}

// Node leaves `subject` undefined for an empty subject (a certificate named only by its SAN).
const dn = (text: string | undefined) => (text ?? '').replace(/\n/g, ', ');

/** A certificate's common name, or null (an empty subject, or one without CN). */
function commonName(c: X509Certificate): string | null {
  const cn = (c.subject ?? '').split('\n').find((part) => part.startsWith('CN='));
  return cn ? cn.slice(3) : null;
}

/** How reasons name the certificate at `index` of a file with `count`: position and CN (else serial). */
function certificateLabel(base: string, c: X509Certificate, index: number, count: number): string {
  if (count <= 1) return base;
  const cn = commonName(c);
  return `${base} ${index + 1} of ${count} (${cn ? `CN=${cn}` : `serial ${c.serialNumber}`})`;
}

export function summarize(c: X509Certificate, source: string): CertificateSummary {
  return {
    source,
    subject: dn(c.subject),
    issuer: dn(c.issuer),
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
    expiries.push({ source, expiresAt: certNotAfter(c), label: certificateLabel(base, c, i, certs.length) });
    certificates.push(summarize(c, source));
  });
  return { expiries, certificates };
}

function readPrivateKey(file: string, what = 'private key'): KeyObject {
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
 * Checks a private key file against a certificate: that it matches (critical otherwise) and that
 * no one but the owner can read it (warning otherwise).
 */
export function checkKey(cert: X509Certificate, keyFile: string, what = 'private key', knownToMatch = false): Finding[] {
  const findings: Finding[] = [];
  if (!knownToMatch && !cert.checkPrivateKey(readPrivateKey(keyFile, what))) findings.push({ level: 'critical', reason: `${what} ${keyFile} does not match the certificate` });
  const mode = statSync(keyFile).mode & 0o777;
  if (mode & 0o077) {
    findings.push({ level: 'warning', reason: `${what} ${keyFile} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it` });
  }
  return findings;
}

/**
 * Inspects a PEM certificate file (and optionally its key): the shared core of x509, clara-project
 * and oauth2. `probeWith`: this run probes with this certificate and key (and that `ca`), so the
 * probe's shared TLS context is built here, when the files changed, and proves the key matches
 * (loadsAsIdentity) without the key being parsed a second time.
 */
export function inspectCertificateFile(certFile: string, keyFile: string | undefined, source: string, obs: Observation, probeWith?: { ca?: string }): void {
  const seen = byFileVersion(`pem\0${certFile}\0${keyFile ?? ''}\0${source}`, [certFile, keyFile], () => {
    const chain = readCertificateChain(certFile);
    if (!keyFile) return { ...describeChain(chain, source), findings: [] };
    const matched = probeWith !== undefined && loadsAsIdentity({ certificate: certFile, privateKey: keyFile, ca: probeWith.ca });
    return { ...describeChain(chain, source), findings: checkKey(chain[0]!, keyFile, 'private key', matched) };
  });
  obs.expiries.push(...seen.expiries);
  obs.certificates.push(...seen.certificates);
  obs.findings.push(...seen.findings);
}

/** Runs an inspection, turning any thrown error into `observation.error` (status `error`). */
export function guarded(obs: Observation, fn: () => void): Observation {
  try {
    fn();
  } catch (err) {
    obs.error = inspectFailure(err);
  }
  return obs;
}

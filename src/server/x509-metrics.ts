// Opt-in series compatible with enix's x509-certificate-exporter (x509_cert_not_after,
// x509_cert_not_before, x509_cert_expired with filepath, subject_CN, issuer_CN, serial_number, …),
// so its Grafana dashboards and alert rules work unchanged on credwatch's certificate files.
import { basename } from 'node:path';
import type { Config, CredentialConfig } from '../config/schema.js';
import type { CertificateSummary, CredentialResult } from '../types.js';

/** One certificate of one file, as the exporter labels it. */
interface X509CertSeries {
  labels: Record<string, string>;
  notBefore: number;
  notAfter: number;
  expired: boolean;
}

export interface X509Family {
  certificates: X509CertSeries[];
  /** Certificate files that could not be read in their last check (the exporter's x509_read_errors). */
  readErrors: number;
}

/** The exporter's distinguished-name labels: `<prefix>_C`, `_ST`, `_L`, `_O`, `_OU`, `_CN`. */
const NAME_PARTS = ['C', 'ST', 'L', 'O', 'OU', 'CN'] as const;

/** `CN=api, O=Example` (as stored: Node's subject lines joined by ", ") → `{ CN: 'api', O: 'Example' }`, first of each. */
export function parseName(dn: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of dn.split(/, (?=[A-Za-z][A-Za-z0-9.]*=)/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq);
    if (!(key in out)) out[key] = part.slice(eq + 1);
  }
  return out;
}

/** Go's big.Int.String() of the serial: the exporter prints serials in decimal. */
export function decimalSerial(hex: string): string {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  if (!clean) return hex;
  try {
    return BigInt(`0x${clean}`).toString(10);
  } catch {
    return hex;
  }
}

/** The certificate file a credential names: x509's `path`, or the client `certificate` of the mTLS kinds. */
function certificateFile(cred: CredentialConfig): string | null {
  if (cred.kind === 'x509' && typeof cred.path === 'string') return cred.path;
  return typeof cred.certificate === 'string' ? cred.certificate : null;
}

function seriesOf(cred: CredentialConfig, file: string, c: CertificateSummary, now: Date): X509CertSeries {
  const labels: Record<string, string> = { filename: basename(file), filepath: file, serial_number: decimalSerial(c.serial), credential: cred.id };
  for (const [prefix, dn] of [['issuer', c.issuer], ['subject', c.subject]] as const) {
    const name = parseName(dn);
    for (const k of NAME_PARTS) if (name[k]) labels[`${prefix}_${k}`] = name[k]!;
  }
  const notAfter = Date.parse(c.notAfter);
  return { labels, notBefore: Date.parse(c.notBefore) / 1000, notAfter: notAfter / 1000, expired: now.getTime() > notAfter };
}

/** Pure: config + recorded results → the exporter-compatible family. */
export function x509Family(config: Pick<Config, 'credentials'>, results: readonly CredentialResult[], now: Date): X509Family {
  const byId = new Map(results.map((r) => [r.id, r]));
  const certificates: X509CertSeries[] = [];
  let readErrors = 0;
  for (const cred of config.credentials) {
    const file = certificateFile(cred);
    const r = byId.get(cred.id);
    if (!file || !r) continue;
    if (r.status === 'error' && !r.certificates.length) readErrors++;
    for (const c of r.certificates) certificates.push(seriesOf(cred, file, c, now));
  }
  return { certificates, readErrors };
}

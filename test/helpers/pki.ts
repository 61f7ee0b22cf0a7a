// Test PKI generated at run time: CAs, server and client certificates, keys as PEM.
// Clearly fake: every subject carries "credwatch test".
import 'reflect-metadata';
import { webcrypto, createPrivateKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface Issued {
  cert: string; // PEM
  key: string; // PKCS#8 PEM
  serial: string;
  /** For signing further certificates (CAs only). */
  keys: CryptoKeyPair;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CertOptions {
  cn?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Days from now, alternative to notAfter. */
  days?: number;
  dns?: string[];
  ips?: string[];
  /** Reuse a key pair (fast bulk generation). */
  keys?: CryptoKeyPair;
  serial?: string;
  /** The whole subject DN instead of `CN=<cn>`; '' for an empty subject (a certificate named by its SAN only). */
  subject?: string;
}

let serialCounter = 1;
const nextSerial = () => (serialCounter++).toString(16).padStart(8, '0') + Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');

export async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

function dates(o: CertOptions) {
  const notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = o.notAfter ?? new Date(Date.now() + (o.days ?? 365) * DAY);
  return { notBefore, notAfter };
}

export async function createCa(o: CertOptions = {}): Promise<Issued> {
  const keys = o.keys ?? (await newKeys());
  const { notBefore, notAfter } = dates({ days: 3650, ...o });
  const serial = o.serial ?? nextSerial();
  const subject = `CN=${o.cn ?? 'credwatch test CA'}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 2, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys), serial, keys, subject, notBefore, notAfter };
}

async function issue(ca: Issued, o: CertOptions, eku: string): Promise<Issued> {
  const keys = o.keys ?? (await newKeys());
  const { notBefore, notAfter } = dates(o);
  const serial = o.serial ?? nextSerial();
  const subject = o.subject ?? `CN=${o.cn ?? 'credwatch test'}`;
  const names: x509.JsonGeneralName[] = [
    ...(o.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([eku]),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys), serial, keys, subject, notBefore, notAfter };
}

/** A TLS server certificate; defaults to localhost and 127.0.0.1. */
export function createServerCert(ca: Issued, o: CertOptions = {}): Promise<Issued> {
  return issue(ca, { cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], ...o }, '1.3.6.1.5.5.7.3.1');
}

/** A TLS client certificate (for mTLS). */
export function createClientCert(ca: Issued, o: CertOptions = {}): Promise<Issued> {
  return issue(ca, { cn: 'credwatch test client', ...o }, '1.3.6.1.5.5.7.3.2');
}

/** A CA, a localhost server certificate and a client certificate, ready for an mTLS server. */
export async function createMtlsPki(o: { clientDays?: number } = {}) {
  const ca = await createCa();
  const server = await createServerCert(ca);
  const client = await createClientCert(ca, { days: o.clientDays ?? 300 });
  return { ca, server, client };
}

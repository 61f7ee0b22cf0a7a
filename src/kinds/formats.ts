// Certificate files in the formats ops teams hold: PEM (pem.ts), DER, PKCS#12 / PFX and PKCS#7.
// The format is told by the content, never by the file name. PKCS#12 and PKCS#7 are parsed by
// node-forge: it reads both the legacy PKCS#12 encryption (RC2-40 / 3DES, what Windows and
// OpenSSL 1.x export) and the current one (PBES2 AES-256, OpenSSL 3's default), which WebCrypto
// based parsers cannot decrypt.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type Forge from 'node-forge';
import type { Finding } from '../types.js';
import type { Secret } from '../secret.js';
import { InspectError, readCertificateChain, readLocalFile } from './pem.js';

type CertificateFormat = 'pem' | 'der' | 'pkcs12' | 'pkcs7';

interface CertificateFile {
  format: CertificateFormat;
  /** File order; for PKCS#12 the certificate of the key inside comes first. */
  certificates: X509Certificate[];
  /** Facts about the file that are not dates (a PKCS#12 key that matches none of its certificates). */
  findings: Finding[];
}

interface ReadOptions {
  /** PKCS#12 password (`password` / `passwordFile`). */
  password?: Secret;
  what?: string;
}

/** A DER SEQUENCE with a long-form length: every certificate, PFX and PKCS#7 file starts so. */
const isDerSequence = (buf: Buffer) => buf[0] === 0x30 && (buf[1] ?? 0) >= 0x80;

let loaded: typeof Forge | undefined;
/** node-forge loads on the first PKCS#12 or PKCS#7 file: loading it takes longer than a whole PEM-only check. */
const lib = (): typeof Forge => (loaded ??= createRequire(import.meta.url)('node-forge') as typeof Forge);

const toForgeDer = (buf: Buffer) => lib().util.createBuffer(buf.toString('binary'));
const fromForgeDer = (obj: Forge.asn1.Asn1): Buffer => Buffer.from(lib().asn1.toDer(obj).getBytes(), 'binary');

/** Reads one certificate file in any supported format; throws InspectError naming the file. */
export function readCertificateFile(file: string, opts: ReadOptions = {}): CertificateFile {
  const what = opts.what ?? 'certificate';
  const buf = readLocalFile(file, what);
  if (isDerSequence(buf)) return readDer(buf, file, what, opts);
  const text = buf.toString('latin1');
  if (/-----BEGIN PKCS7-----/.test(text)) {
    let der: Buffer;
    try {
      der = Buffer.from(lib().pem.decode(text).find((m) => m.type === 'PKCS7')!.body, 'binary');
    } catch (err) {
      throw new InspectError('bad_certificate', `${what} ${file}: the PKCS7 block is not readable (${(err as Error).message})`);
    }
    return { format: 'pkcs7', certificates: readPkcs7(der, file, what), findings: [] };
  }
  return { format: 'pem', certificates: readCertificateChain(file, what), findings: [] };
}

function readDer(buf: Buffer, file: string, what: string, opts: ReadOptions): CertificateFile {
  const forge = lib();
  try {
    return { format: 'der', certificates: [new X509Certificate(buf)], findings: [] };
  } catch {
    // Not a single certificate: a PFX or a PKCS#7 bundle, told apart by their first field.
  }
  let top: Forge.asn1.Asn1;
  try {
    top = forge.asn1.fromDer(toForgeDer(buf), { strict: false } as unknown as boolean);
  } catch (err) {
    throw new InspectError('bad_certificate', `${what} ${file} is binary but not DER (${(err as Error).message})`);
  }
  const first = Array.isArray(top.value) ? top.value[0] : undefined;
  if (first?.type === forge.asn1.Type.INTEGER) return readPkcs12(top, file, what, opts);
  if (first?.type === forge.asn1.Type.OID) return { format: 'pkcs7', certificates: readPkcs7(buf, file, what), findings: [] };
  throw new InspectError('bad_certificate', `${what} ${file} is DER but neither a certificate, a PKCS#12 file nor a PKCS#7 bundle`);
}

// Not in @types/node-forge: the ASN.1 validators forge's own PKCS#7 reader uses.
interface ForgeInternals {
  pkcs7asn1: { contentInfoValidator: unknown; signedDataValidator: unknown };
  asn1: { validate(obj: unknown, v: unknown, capture: object, errors: string[]): boolean };
}

/** The certificates of a PKCS#7 SignedData (`.p7b`, `.p7c`), whatever their key algorithm. */
function readPkcs7(der: Buffer, file: string, what: string): X509Certificate[] {
  const forge = lib();
  const { pkcs7asn1: pkcs7Validators, asn1: internals } = forge as unknown as ForgeInternals;
  const validate = internals.validate.bind(internals);
  // forge's message API only loads RSA certificates; its validators capture the raw ones.
  const info: Record<string, Forge.asn1.Asn1> = {};
  const signed: Record<string, Forge.asn1.Asn1> = {};
  let ok = false;
  try {
    const obj = forge.asn1.fromDer(toForgeDer(der));
    ok =
      validate(obj, pkcs7Validators.contentInfoValidator, info, []) &&
      forge.asn1.derToOid(info.contentType as unknown as Forge.util.ByteStringBuffer) === forge.pki.oids.signedData &&
      validate((info.content?.value as Forge.asn1.Asn1[] | undefined)?.[0], pkcs7Validators.signedDataValidator, signed, []);
  } catch (err) {
    throw new InspectError('bad_certificate', `${what} ${file}: not a readable PKCS#7 bundle (${(err as Error).message})`);
  }
  if (!ok) throw new InspectError('bad_certificate', `${what} ${file}: a PKCS#7 file, but not a SignedData certificate bundle`);
  const raw = (signed.certificates?.value ?? []) as Forge.asn1.Asn1[];
  const certs = raw.map((c, i) => {
    try {
      return new X509Certificate(fromForgeDer(c));
    } catch (err) {
      throw new InspectError('bad_certificate', `${what} ${file}: PKCS#7 entry ${i + 1} is not a valid certificate (${(err as Error).message})`);
    }
  });
  if (!certs.length) throw new InspectError('not_pem', `${what} ${file}: the PKCS#7 bundle holds no certificate`);
  return certs;
}

interface ForgeBag {
  cert?: Forge.pki.Certificate | null;
  key?: Forge.pki.PrivateKey | null;
  asn1?: Forge.asn1.Asn1;
}

function bagCertificate(bag: ForgeBag): X509Certificate {
  const forge = lib();
  const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1!;
  return new X509Certificate(fromForgeDer(asn1));
}

function bagKey(bag: ForgeBag): KeyObject {
  const forge = lib();
  // RSA keys come back as forge keys; others (EC, Ed25519) as their PrivateKeyInfo.
  const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as Forge.pki.rsa.PrivateKey)) : bag.asn1!;
  return createPrivateKey({ key: fromForgeDer(info), format: 'der', type: 'pkcs8' });
}

/** Every certificate of a PFX counts; the key inside must match one of them (its own comes first). */
function readPkcs12(top: Forge.asn1.Asn1, file: string, what: string, opts: ReadOptions): CertificateFile {
  const forge = lib();
  const OID = { certBag: forge.pki.oids.certBag!, shrouded: forge.pki.oids.pkcs8ShroudedKeyBag!, keyBag: forge.pki.oids.keyBag! };
  const password = opts.password?.reveal();
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    // strict=false: keep going on the BER that some Windows exports contain.
    p12 = forge.pkcs12.pkcs12FromAsn1(top, false, password ?? '');
  } catch (err) {
    const msg = (err as Error).message;
    if (/MAC could not be verified|wrong password|Invalid password/i.test(msg)) {
      throw new InspectError(
        'bad_certificate',
        password === undefined
          ? `${what} ${file} is a password-protected PKCS#12 file; set passwordFile`
          : `${what} ${file}: the PKCS#12 password is wrong (the file's integrity check does not verify with it)`,
      );
    }
    throw new InspectError('bad_certificate', `${what} ${file}: not a readable PKCS#12 file (${msg})`);
  }
  const certBags = (p12.getBags({ bagType: OID.certBag })[OID.certBag] ?? []) as ForgeBag[];
  const keyBags = [
    ...((p12.getBags({ bagType: OID.shrouded })[OID.shrouded] ?? []) as ForgeBag[]),
    ...((p12.getBags({ bagType: OID.keyBag })[OID.keyBag] ?? []) as ForgeBag[]),
  ];
  let certs: X509Certificate[];
  try {
    certs = certBags.map(bagCertificate);
  } catch (err) {
    throw new InspectError('bad_certificate', `${what} ${file}: a certificate in the PKCS#12 file is not valid (${(err as Error).message})`);
  }
  if (!certs.length) throw new InspectError('not_pem', `${what} ${file}: the PKCS#12 file holds no certificate`);
  const findings: Finding[] = [];
  keyBags.forEach((bag, i) => {
    let key: KeyObject;
    try {
      key = bagKey(bag);
    } catch (err) {
      findings.push({ level: 'critical', reason: `private key ${i + 1} in ${file} is not readable (${(err as Error).message})` });
      return;
    }
    const at = certs.findIndex((c) => {
      try {
        return c.checkPrivateKey(key);
      } catch {
        return false; // a key of another algorithm
      }
    });
    if (at < 0) findings.push({ level: 'critical', reason: `the private key in ${file} does not match any certificate in it` });
    else if (i === 0 && at > 0) certs.unshift(...certs.splice(at, 1));
  });
  return { format: 'pkcs12', certificates: certs, findings };
}

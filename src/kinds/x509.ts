import { z } from 'zod';
import type { CredentialOf, Expansion, Kind } from './kind.js';
import type { ConfigProblem } from '../config/schema.js';
import type { SchemaHelpers } from '../config/helpers.js';
import { DERIVED_SEPARATOR } from '../config/derived-id.js';
import { emptyObservation, type Observation } from '../types.js';
import { chainSource, checkKey, describeChain, guarded } from './pem.js';
import { readCertificateFile } from './formats.js';
import { byFileVersion, secretPart } from './file-memo.js';
import { discoverFiles, entryProblems, relativeName, type FoundFile, type KeptCertificate, type ParsedFile } from './file-discovery.js';

export type X509Credential = CredentialOf<'x509', typeof schema>;

// What discovery hands to inspection, on the credentials it made (never in config or JSON).
const DISCOVERED = Symbol('credwatch.x509.discovered');
type Discovery =
  | { role: 'entry'; problems: string[] }
  | { role: 'file'; parsed: ParsedFile; only?: number };
type WithDiscovery = X509Credential & { [DISCOVERED]?: Discovery };

/** Lower case, runs of anything but [a-z0-9._-] as one `-`: "DigiCert Global Root G2" → `digicert-global-root-g2`. */
function cnSlug(cn: string): string {
  return cn
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `#cn-slug` per certificate; `serial-<hex>` without a CN; `~<serial>` appended where two share a CN. */
function splitNames(certs: readonly KeptCertificate[]): string[] {
  const base = certs.map((c) => (c.cn && cnSlug(c.cn)) || `serial-${c.summary.serial.toLowerCase()}`);
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  return base.map((b, i) => (count.get(b)! > 1 ? `${b}~${certs[i]!.summary.serial.toLowerCase()}` : b));
}

function fileCredentials(cred: X509Credential, base: string, found: FoundFile): WithDiscovery[] {
  const { paths: _paths, ...rest } = cred;
  const id = `${cred.id}${DERIVED_SEPARATOR}${relativeName(base, found.file)}`;
  const child = (suffix: string, d: Discovery): WithDiscovery => ({ ...rest, id: id + suffix, path: found.file, [DISCOVERED]: d });
  if (cred.bundle !== 'split' || found.parsed.error) return [child('', { role: 'file', parsed: found.parsed })];
  return splitNames(found.parsed.certificates).map((name, i) => child(`#${name}`, { role: 'file', parsed: found.parsed, only: i }));
}

function observeParsed(d: Extract<Discovery, { role: 'file' }>): Observation {
  const obs = emptyObservation();
  if (d.parsed.error) {
    obs.error = d.parsed.error;
    return obs;
  }
  const certs = d.only === undefined ? d.parsed.certificates : [d.parsed.certificates[d.only]!];
  certs.forEach((c, i) => {
    const source = chainSource('certificate', i);
    obs.expiries.push({ source, expiresAt: new Date(c.summary.notAfter) });
    obs.certificates.push({ ...c.summary, source });
  });
  obs.findings.push(...d.parsed.findings);
  return obs;
}

const schema = (h: SchemaHelpers) =>
  z.strictObject({
    /** One file; or `paths`: files, folders and globs, each file its own credential. */
    path: h.file().optional(),
    paths: z.array(h.file()).min(1, 'must list at least one file, folder or glob').optional(),
    key: h.file().optional(),
    /** PKCS#12 password (`passwordFile` reads it from a file). */
    password: h.secret().optional(),
    /** `split`: every certificate of a file is its own credential, named by subject CN. */
    bundle: z.enum(['earliest', 'split']).default('earliest'),
  });

export const x509Kind: Kind<X509Credential> = {
  name: 'x509',
  schema,
  check(cred) {
    const problems: { path: string; message: string }[] = [];
    if (cred.path && cred.paths) problems.push({ path: 'paths', message: 'set either path (one file) or paths (files, folders, globs), not both' });
    else if (!cred.path && !cred.paths) problems.push({ path: 'path', message: 'is required (or paths: files, folders, globs)' });
    if (cred.key && (cred.paths || cred.bundle === 'split')) problems.push({ path: 'key', message: 'belongs to one certificate: use it with path, without bundle: split' });
    return problems;
  },
  async expand(cred): Promise<Expansion<X509Credential> | null> {
    if (!cred.paths && cred.bundle !== 'split') return null;
    const found = await discoverFiles(cred.id, cred.paths ?? [cred.path!], cred.password);
    // The entry keeps a result of its own: the discovery, warning where an entry names nothing.
    const entry: WithDiscovery = { ...cred, [DISCOVERED]: { role: 'entry', problems: found.problems } };
    return { credentials: [entry, ...found.files.flatMap((f) => fileCredentials(cred, found.base, f))], removedReason: 'file removed' };
  },
  async inspect(cred: WithDiscovery) {
    const d = cred[DISCOVERED];
    if (d?.role === 'file') return observeParsed(d);
    const obs = emptyObservation();
    if (d?.role === 'entry') {
      for (const p of d.problems) obs.findings.push({ level: 'warning', reason: p });
      return obs;
    }
    if (!cred.path) return obs;
    return guarded(obs, () => {
      const key = `x509\0${cred.path}\0${cred.key ?? ''}\0${secretPart(cred.password?.reveal())}`;
      const seen = byFileVersion(key, [cred.path, cred.key], () => {
        const file = readCertificateFile(cred.path!, { password: cred.password });
        const { expiries, certificates } = describeChain(file.certificates, 'certificate');
        const findings = cred.key ? [...file.findings, ...checkKey(file.certificates[0]!, cred.key)] : file.findings;
        return { expiries, certificates, findings };
      });
      obs.expiries.push(...seen.expiries);
      obs.certificates.push(...seen.certificates);
      obs.findings.push(...seen.findings);
    });
  },
  lint: (creds) =>
    creds.flatMap((c): ConfigProblem[] =>
      c.paths ? entryProblems(c.paths).map((message) => ({ path: '', level: 'warning', message: `credential "${c.id}": ${message}` })) : [],
    ),
};

import { z } from 'zod';
import type { Kind } from './kind.js';
import type { CredentialConfig } from '../config/schema.js';
import { emptyObservation, type Observation } from '../types.js';
import { checkKey, describeChain, readCertificateChain } from './pem.js';

export interface X509Credential extends CredentialConfig {
  kind: 'x509';
  path: string;
  key?: string;
}

/** Inspects a PEM certificate file (and optionally its key): the shared core of x509 and clara-project. */
export function inspectCertificateFile(certFile: string, keyFile: string | undefined, source: string, obs: Observation): void {
  const chain = readCertificateChain(certFile);
  const { expiries, certificates } = describeChain(chain, source);
  obs.expiries.push(...expiries);
  obs.certificates.push(...certificates);
  if (keyFile) obs.findings.push(...checkKey(chain[0]!, keyFile));
}

/** Runs an inspection, turning any thrown error into `observation.error` (status `error`). */
export function guarded(obs: Observation, fn: () => void): Observation {
  try {
    fn();
  } catch (err) {
    obs.error = (err as Error).message;
  }
  return obs;
}

export const x509Kind: Kind<X509Credential> = {
  name: 'x509',
  schema: (h) => z.strictObject({ path: h.file(), key: h.file().optional() }),
  async inspect(cred) {
    const obs = emptyObservation();
    return guarded(obs, () => inspectCertificateFile(cred.path, cred.key, 'certificate', obs));
  },
};

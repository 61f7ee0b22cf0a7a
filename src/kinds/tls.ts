import { z } from 'zod';
import type { Kind } from './kind.js';
import type { CredentialConfig } from '../config/schema.js';
import { emptyObservation } from '../types.js';
import { describeChain, readLocalFile } from './pem.js';
import { fetchServedChain } from '../probe/tls-endpoint.js';

export interface TlsCredential extends CredentialConfig {
  kind: 'tls';
  host: string;
  port: number;
  servername?: string;
  ca?: string;
  timeoutMs?: number;
}

export const TLS_DEFAULT_TIMEOUT_MS = 10_000;

const why = (code: string) =>
  code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code.includes('altname')
    ? 'the certificate is not valid for this name'
    : code === 'CERT_HAS_EXPIRED'
      ? 'a certificate in the chain has expired'
      : code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
        ? 'the server does not send its intermediate certificate(s), or the issuer is not trusted (set `ca` for a private CA)'
        : code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
          ? 'the chain ends in a CA that is not trusted (set `ca` for a private CA)'
          : 'the chain does not verify';

/**
 * A remote TLS endpoint: the chain it serves right now, each certificate's expiry (the earliest
 * counts), and whether that chain verifies for the name clients use.
 */
export const tlsKind: Kind<TlsCredential> = {
  name: 'tls',
  schema: (h) =>
    z.strictObject({
      host: z.string().min(1, 'must not be empty').regex(/^[^\s/:]+$|^\[?[0-9a-fA-F:.]+\]?$/, 'must be a host name or IP address, without scheme or port'),
      port: z.number().int('must be a whole number').min(1, 'must be at least 1').max(65535, 'must be at most 65535').default(443),
      servername: z.string().min(1, 'must not be empty').optional(),
      ca: h.file().optional(),
      timeoutMs: z.number().int('must be a whole number').min(100, 'must be at least 100').max(600000, 'must be at most 600000').optional(),
    }),
  async inspect(cred) {
    const obs = emptyObservation();
    const name = cred.servername ?? cred.host;
    const where = `${cred.host}:${cred.port}`;
    let ca: Buffer | undefined;
    if (cred.ca) {
      try {
        ca = readLocalFile(cred.ca, 'ca');
      } catch (err) {
        obs.error = (err as Error).message;
        return obs;
      }
    }
    try {
      const served = await fetchServedChain({ host: cred.host.replace(/^\[|\]$/g, ''), port: cred.port, servername: cred.servername, ca, timeoutMs: cred.timeoutMs ?? TLS_DEFAULT_TIMEOUT_MS });
      const { expiries, certificates } = describeChain(served.certificates, 'certificate');
      obs.expiries.push(...expiries);
      obs.certificates.push(...certificates);
      if (served.verifyError) {
        obs.findings.push({ level: 'critical', reason: `the chain served by ${where} does not verify for ${name} (${served.verifyError}): ${why(served.verifyError)}` });
      }
    } catch (err) {
      obs.error = (err as Error).message;
    }
    return obs;
  },
};

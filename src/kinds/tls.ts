import { z } from 'zod';
import type { CredentialOf, Kind } from './kind.js';
import { timeoutMsSchema, type SchemaHelpers } from '../config/helpers.js';
import { DERIVED_SEPARATOR } from '../config/derived-id.js';
import { emptyObservation } from '../types.js';
import { describeChain, readLocalFile } from './pem.js';
import { fetchServedChain } from '../probe/tls-endpoint.js';
import { STARTTLS_PROTOCOLS, type StartTlsProtocol } from '../probe/starttls.js';
import { inspectFailure } from '../errors.js';

export type TlsCredential = CredentialOf<'tls', typeof schema>;

const TLS_DEFAULT_TIMEOUT_MS = 10_000;

const DEFAULT_PORT: Record<StartTlsProtocol | 'tls', number> = { tls: 443, smtp: 25, imap: 143, pop3: 110, postgres: 5432 };

export const effectivePort = (cred: Pick<TlsCredential, 'port' | 'starttls'>) => cred.port ?? DEFAULT_PORT[cred.starttls ?? 'tls'];

const HOST = /^[^\s/:]+$|^\[?[0-9a-fA-F:.]+\]?$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+)(?::(\d{1,5}))?$/;

/** `mail.example.com:587` → host and port; the port defaults as for `host`. */
function parseHostPort(entry: string, cred: Pick<TlsCredential, 'port' | 'starttls'>): { host: string; port: number } | null {
  const m = HOST_PORT.exec(entry);
  if (!m) return null;
  const port = m[2] === undefined ? effectivePort(cred) : Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : null;
}

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

const schema = (h: SchemaHelpers) =>
  z.strictObject({
    /** One endpoint; or `hosts`: `host:port` entries sharing this config, each its own credential. */
    host: z.string().min(1, 'must not be empty').regex(HOST, 'must be a host name or IP address, without scheme or port').optional(),
    hosts: z.array(z.string().regex(HOST_PORT, 'must be host:port, e.g. mail.example.com:587')).min(1, 'must list at least one host:port').optional(),
    /** Default: the protocol's usual port (443; with starttls smtp 25, imap 143, pop3 110, postgres 5432). */
    port: z.number().int('must be a whole number').min(1, 'must be at least 1').max(65535, 'must be at most 65535').optional(),
    starttls: z.enum(STARTTLS_PROTOCOLS).optional(),
    servername: z.string().min(1, 'must not be empty').optional(),
    ca: h.file().optional(),
    timeoutMs: timeoutMsSchema().optional(),
  });

/**
 * A remote TLS endpoint: the chain it serves right now, each certificate's expiry (the earliest
 * counts), and whether that chain verifies for the name clients use.
 */
export const tlsKind: Kind<TlsCredential> = {
  name: 'tls',
  schema,
  check(cred) {
    const problems: { path: string; message: string }[] = [];
    if (cred.host && cred.hosts) problems.push({ path: 'hosts', message: 'set either host or hosts, not both' });
    else if (!cred.host && !cred.hosts) problems.push({ path: 'host', message: 'is required (or hosts: a list of host:port)' });
    cred.hosts?.forEach((h, i) => {
      if (!parseHostPort(h, cred)) problems.push({ path: `hosts[${i}]`, message: 'the port must be 1..65535' });
    });
    return problems;
  },
  async expand(cred) {
    if (!cred.hosts) return null;
    const { hosts: _hosts, ...rest } = cred;
    const credentials = cred.hosts.map((entry): TlsCredential => {
      const { host, port } = parseHostPort(entry, cred)!;
      return { ...rest, id: `${cred.id}${DERIVED_SEPARATOR}${host}:${port}`, host, port };
    });
    return { credentials, removedReason: 'host removed' };
  },
  async inspect(cred, ctx) {
    const obs = emptyObservation();
    if (!cred.host) return obs;
    const host = cred.host;
    const port = effectivePort(cred);
    const name = cred.servername ?? host;
    const where = `${host}:${port}`;
    let ca: Buffer | undefined;
    if (cred.ca) {
      try {
        ca = readLocalFile(cred.ca, 'ca');
      } catch (err) {
        obs.error = inspectFailure(err);
        return obs;
      }
    }
    try {
      const served = await fetchServedChain({
        host: host.replace(/^\[|\]$/g, ''),
        port,
        servername: cred.servername,
        ca,
        // The kind's own timeoutMs, else probe.timeoutMs (the credential's, else the global one).
        timeoutMs: cred.timeoutMs ?? ctx.timeoutMs ?? TLS_DEFAULT_TIMEOUT_MS,
        starttls: cred.starttls,
      });
      const { expiries, certificates } = describeChain(served.certificates, 'certificate');
      obs.expiries.push(...expiries);
      obs.certificates.push(...certificates);
      if (served.verifyError) {
        obs.findings.push({ level: 'critical', reason: `the chain served by ${where} does not verify for ${name} (${served.verifyError}): ${why(served.verifyError)}` });
      }
    } catch (err) {
      obs.error = inspectFailure(err);
    }
    return obs;
  },
};

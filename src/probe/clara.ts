import type { ProbeContext } from '../kinds/kind.js';
import { Secret } from '../secret.js';
import type { ProbeResult } from '../types.js';
import { runBearerProbe, type ProbeCall, type ProbeOptions } from './bearer-probe.js';
import { ClaraCredentialsError, parseClaraCredentials } from './clara-credentials.js';
import { ProbeError } from './errors.js';
import { readFailure, readRegularFile } from '../read-failure.js';

export { parseClaraCredentials, ClaraCredentialsError, type ClaraClientCredentials } from './clara-credentials.js';

export const CLARA_DEFAULT_PATH = '/api/v3/transactions';

/** The parts of a clara-project credential the probe needs. */
export interface ClaraProbeCredential {
  id: string;
  country: 'mx' | 'br' | 'co';
  baseUrl?: string;
  certificate: string;
  privateKey: string;
  ca?: string;
  clientId?: Secret;
  clientSecret?: Secret;
  credentialsFile?: string;
  probe?: { path?: string; taxIdentifiers?: string[]; timeoutMs?: number; failuresBeforeAlert?: number };
}

/** Country endpoints from the provider's docs; `baseUrl` overrides (a sandbox, a test server). */
export const claraBaseUrl = (c: Pick<ClaraProbeCredential, 'country' | 'baseUrl'>) => c.baseUrl ?? `https://public-api.${c.country}.clara.com`;

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

/** Read on every probe: a renewed project's credentials file replaces the old one in place. */
function clientCredentials(c: ClaraProbeCredential): { clientId: string; clientSecret: Secret } {
  if (c.clientId && c.clientSecret) return { clientId: c.clientId.reveal(), clientSecret: c.clientSecret };
  if (!c.credentialsFile) throw new ProbeError('token_rejected', 'no client credentials: set credentialsFile, or clientId and clientSecret', 'token');
  let text: string;
  try {
    text = readRegularFile(c.credentialsFile).toString('utf8');
  } catch (err) {
    throw new ProbeError('token_rejected', `credentialsFile ${c.credentialsFile} ${readFailure(err)}`, 'token');
  }
  try {
    const parsed = parseClaraCredentials(text);
    return { clientId: parsed.clientId, clientSecret: new Secret(parsed.clientSecret) };
  } catch (err) {
    const msg = err instanceof ClaraCredentialsError ? err.message : String(err);
    throw new ProbeError('token_rejected', `credentialsFile ${c.credentialsFile} ${msg}`, 'token');
  }
}

/**
 * Clara's two layers, as a real integration uses them: the project's client certificate on the
 * connection, a token from `/oauth/token` (HTTP Basic, cached for its life), then `GET probe.path`
 * once, or once per X-Tax-Identifier so every company of the group is proven.
 */
export async function probeClara(cred: ClaraProbeCredential, ctx: ProbeContext, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const base = claraBaseUrl(cred);
  const url = join(base, cred.probe?.path ?? CLARA_DEFAULT_PATH);
  const taxIds = cred.probe?.taxIdentifiers ?? [];
  const calls: ProbeCall[] = taxIds.length ? taxIds.map((taxIdentifier) => ({ method: 'GET', url, taxIdentifier })) : [{ method: 'GET', url }];
  let client: { clientId: string; clientSecret: Secret };
  try {
    client = clientCredentials(cred);
  } catch (err) {
    const e = err as ProbeError;
    return {
      ok: false,
      stage: e.stage,
      httpStatus: null,
      latencyMs: 0,
      tokenExpiresAt: null,
      error: e.info(),
      ...(taxIds.length ? { entities: taxIds.map((taxIdentifier) => ({ taxIdentifier, ok: false, httpStatus: null, error: e.info() })) } : {}),
    };
  }
  return runBearerProbe(
    {
      tls: { certificate: cred.certificate, privateKey: cred.privateKey, ca: cred.ca },
      auth: { type: 'oauth', grant: { tokenUrl: join(base, '/oauth/token'), clientId: client.clientId, clientSecret: client.clientSecret, clientAuth: 'basic' } },
      calls,
      entities: taxIds.length > 0,
    },
    ctx,
    opts,
  );
}

import { z } from 'zod';
import type { CredentialOf, Kind } from './kind.js';
import type { ProbeContext } from '../probe/context.js';
import type { SchemaHelpers } from '../config/helpers.js';
import { emptyObservation, type ProbeResult } from '../types.js';
import { guarded, inspectCertificateFile, readCertificateChain } from './pem.js';
import type { ProbeOptions } from '../probe/bearer-probe.js';
import { sharedAcrossEnvironments } from './environment-lint.js';
import { httpsUrl } from '../config/helpers.js';

// The probe layer pulls in undici; load it only when a probe actually runs.
const runBearerProbe: typeof import('../probe/bearer-probe.js').runBearerProbe = async (...args) =>
  (await import('../probe/bearer-probe.js')).runBearerProbe(...args);

export type OAuth2Credential = CredentialOf<'oauth2', typeof schema>;

/**
 * Client credentials for any provider: the token (over mTLS when a certificate is set), then
 * `GET probe.url` with it; without `probe.url` a token alone is the proof.
 */
export function probeOAuth2(cred: OAuth2Credential, ctx: ProbeContext, opts: ProbeOptions = {}): Promise<ProbeResult> {
  return runBearerProbe(
    {
      tls: { certificate: cred.certificate, privateKey: cred.privateKey, ca: cred.ca },
      auth: {
        type: 'oauth',
        grant: { tokenUrl: cred.tokenUrl, clientId: cred.clientId, clientSecret: cred.clientSecret, clientAuth: cred.clientAuth, scope: cred.scope },
      },
      calls: cred.probe?.url ? [{ method: 'GET', url: cred.probe.url, headers: cred.probe.headers }] : [],
    },
    ctx,
    opts,
  );
}

const schema = (h: SchemaHelpers) =>
  z.strictObject({
    tokenUrl: httpsUrl(),
    clientId: h.fromFile(z.string().min(1, 'must not be empty')),
    clientSecret: h.secret(),
    clientAuth: z.enum(['basic', 'body']).default('basic'),
    scope: z.string().min(1, 'must not be empty').optional(),
    certificate: h.file().optional(),
    privateKey: h.file().optional(),
    ca: h.file().optional(),
    /** The client secret's known expiry (an Entra ID secret's end date): an expiry with source `secret`. */
    expiresAt: h.date().optional(),
    probe: h
      .probe({
        url: httpsUrl().optional(),
        headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name'), z.string()).optional(),
      })
      .optional(),
  });

export const oauth2Kind: Kind<OAuth2Credential> = {
  name: 'oauth2',
  schema,
  check(cred) {
    const problems: { path: string; message: string }[] = [];
    if (cred.certificate && !cred.privateKey) problems.push({ path: 'privateKey', message: 'is required with certificate' });
    if (cred.privateKey && !cred.certificate) problems.push({ path: 'certificate', message: 'is required with privateKey' });
    const auth = Object.keys(cred.probe?.headers ?? {}).find((k) => k.toLowerCase() === 'authorization');
    if (auth) problems.push({ path: `probe.headers.${auth}`, message: 'is set by the probe (the bearer token); remove it' });
    return problems;
  },
  async inspect(cred, ctx) {
    const obs = emptyObservation();
    if (cred.expiresAt) obs.expiries.push({ source: 'secret', expiresAt: cred.expiresAt });
    return guarded(obs, () => {
      // The client certificate is a renewal task of its own; the daily token is not.
      if (cred.certificate) inspectCertificateFile(cred.certificate, cred.privateKey, 'certificate', obs, ctx.probing ? { ca: cred.ca } : undefined);
      if (cred.ca) readCertificateChain(cred.ca, 'ca');
    });
  },
  probe: (cred, ctx) => probeOAuth2(cred, ctx),
  probeCost: (cred) => ({ calls: cred.probe?.url ? 1 : 0, token: true }),
  lint: (creds) =>
    sharedAcrossEnvironments(
      creds,
      (c) => `${c.tokenUrl} ${c.clientId}`,
      'OAuth client id',
      'give each environment its own client, so a test system cannot throttle or lock out production',
    ),
};

import { z } from 'zod';
import type { CredentialOf, Kind } from './kind.js';
import type { ProbeContext } from '../probe/context.js';
import type { SchemaHelpers } from '../config/helpers.js';
import { emptyObservation, type ProbeResult } from '../types.js';
import { guarded, readCertificateChain } from './pem.js';
import type { ProbeCall, ProbeOptions, TokenSource } from '../probe/bearer-probe.js';
import { sharedAcrossEnvironments } from './environment-lint.js';
import { httpsUrl } from '../config/helpers.js';

// The probe layer pulls in undici; load it only when a probe actually runs.
const runBearerProbe: typeof import('../probe/bearer-probe.js').runBearerProbe = async (...args) =>
  (await import('../probe/bearer-probe.js')).runBearerProbe(...args);

/** From the provider's docs (seeds/clarus-wms-api-authentication.txt). */
export const CLARUS_TOKEN_URL = 'https://clarus-api.com/oauth/token';

export type ClarusCredential = CredentialOf<'clarus', typeof schema>;

function tokenSource(cred: ClarusCredential, headers: Record<string, string>): TokenSource {
  if (cred.token) return { type: 'static', token: cred.token };
  const o = cred.oauth!;
  return {
    type: 'oauth',
    grant: { tokenUrl: o.tokenUrl, clientId: o.clientId, clientSecret: o.clientSecret, refreshToken: o.refreshToken, scope: o.scope, headers },
  };
}

/**
 * A bearer token plus the tenant header on every request (the token request included); the test
 * call is a REST GET on `probe.url`, or a GraphQL POST of `probe.graphql` whose `errors` fail it.
 */
export function probeClarus(cred: ClarusCredential, ctx: ProbeContext, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const tenant = { 'x-clarus-subdomain': cred.subdomain };
  const call: ProbeCall = cred.probe.graphql
    ? { method: 'POST', url: cred.probe.url, headers: tenant, body: JSON.stringify({ query: cred.probe.graphql }), graphql: true }
    : { method: 'GET', url: cred.probe.url, headers: tenant };
  return runBearerProbe({ tls: { ca: cred.ca }, auth: tokenSource(cred, tenant), calls: [call] }, ctx, opts);
}

const schema = (h: SchemaHelpers) =>
  z.strictObject({
    subdomain: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be the tenant subdomain alone (letters, digits, -), e.g. acme'),
    /** The dedicated API user this credential belongs to (one per environment). */
    account: z.string().min(1, 'must not be empty').optional(),
    token: h.secret().optional(),
    oauth: z
      .strictObject({
        tokenUrl: httpsUrl().default(CLARUS_TOKEN_URL),
        clientId: h.fromFile(z.string().min(1, 'must not be empty')).optional(),
        clientSecret: h.secret().optional(),
        refreshToken: h.secret().optional(),
        scope: z.string().min(1, 'must not be empty').optional(),
      })
      .optional(),
    ca: h.file().optional(),
    /** The token's or client secret's known expiry: an expiry with source `secret`, next to what the probe proves. */
    expiresAt: h.date().optional(),
    probe: h.probe({ url: httpsUrl(), graphql: z.string().min(1, 'must not be empty').optional() }),
  });

export const clarusKind: Kind<ClarusCredential> = {
  name: 'clarus',
  schema,
  check(cred) {
    const problems: { path: string; message: string }[] = [];
    if (cred.token && cred.oauth) problems.push({ path: 'oauth', message: 'set either token or oauth, not both' });
    else if (!cred.token && !cred.oauth) problems.push({ path: 'token', message: 'set token, or oauth (clientId and clientSecret, or a refreshToken)' });
    const o = cred.oauth;
    if (o) {
      if (o.clientSecret && !o.clientId) problems.push({ path: 'oauth.clientId', message: 'is required with clientSecret' });
      if (!o.refreshToken && !(o.clientId && o.clientSecret)) {
        problems.push({ path: 'oauth', message: 'set clientId and clientSecret (client credentials), or refreshToken' });
      }
    }
    return problems;
  },
  async inspect(cred) {
    const obs = emptyObservation();
    // Only the trust file is local; the token is proven by the probe, and by a date where one is known.
    if (cred.expiresAt) obs.expiries.push({ source: 'secret', expiresAt: cred.expiresAt });
    return guarded(obs, () => {
      if (cred.ca) readCertificateChain(cred.ca, 'ca');
    });
  },
  probe: (cred, ctx) => probeClarus(cred, ctx),
  probeCost: (cred) => ({ calls: 1, token: cred.oauth !== undefined }),
  lint: (creds) => [
    ...sharedAcrossEnvironments(
      creds,
      (c) => c.account?.toLowerCase(),
      'Clarus API account',
      'Clarus asks for a dedicated API user per environment; a shared login knocks the other sessions out',
    ),
    ...sharedAcrossEnvironments(
      creds,
      (c) => (c.oauth?.clientId ? `${c.oauth.tokenUrl} ${c.oauth.clientId}` : undefined),
      'OAuth client id',
      'give each environment its own API user and client, so throttling and audit stay separate',
    ),
  ],
};

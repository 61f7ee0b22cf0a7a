import { ProbeError } from './errors.js';
import { header, type HttpResponse } from './http.js';
import { serverText } from './redact.js';
import { parseRetryAfter } from './retry-after.js';

interface CallContext {
  /** `GET /api/v3/transactions`: method and path only (a query may hold a key). */
  what: string;
  graphql: boolean;
  /** Extra words for 403s: which entity or tenant the call acted for. */
  actingFor?: string;
  /** How the token was obtained, for 401 messages. */
  token: 'static' | 'fresh' | 'refreshed';
  /** The static token's `exp`, when it is a JWT. */
  staticExpiry?: number | null;
  secrets: readonly string[];
  nowMs: number;
}

function graphqlProblem(res: HttpResponse, c: CallContext): ProbeError | null {
  if (res.tooLarge) return new ProbeError('bad_response', `${c.what} sent a GraphQL reply larger than 1 MiB: use a smaller probe query`, 'call', res.status);
  let data: unknown;
  try {
    data = JSON.parse(res.body?.toString('utf8') ?? '');
  } catch {
    return new ProbeError('bad_response', `${c.what} answered HTTP ${res.status} with something that is not JSON: probe.url is probably not the GraphQL endpoint`, 'call', res.status);
  }
  const errors = (data as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const first = (errors[0] as { message?: unknown } | null)?.message;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return new ProbeError('bad_response', `${c.what} answered with GraphQL errors: ${serverText(first ?? errors[0], c.secrets)}${more}`, 'call', res.status);
  }
  return null;
}

function unauthorizedMessage(c: CallContext): string {
  if (c.token === 'static') {
    const exp = c.staticExpiry;
    const when = exp && exp <= c.nowMs ? ` (it expired at ${new Date(exp).toISOString()})` : '';
    return `${c.what} refused the configured token (HTTP 401)${when}: issue a new token and update the config`;
  }
  return `${c.what} refused a ${c.token === 'fresh' ? 'just-issued' : 'freshly refreshed'} token (HTTP 401): the client can get tokens but they are not accepted here; check the client's permissions and the token's audience`;
}

/** What an API reply means for the probe: null when it is a success. */
export function callProblem(res: HttpResponse, c: CallContext): ProbeError | null {
  const s = res.status;
  if (s >= 200 && s < 300) return c.graphql ? graphqlProblem(res, c) : null;
  if (s === 401) return new ProbeError('unauthorized', unauthorizedMessage(c), 'call', s);
  if (s === 403) {
    const msg = c.actingFor
      ? `${c.what} answered HTTP 403 for ${c.actingFor}: the credential works but may not act for that entity; check that it belongs to the group and the project's permissions`
      : `${c.what} answered HTTP 403: the credential works but may not do this; check its permissions`;
    return new ProbeError('forbidden', msg, 'call', s);
  }
  if (s === 429 || s === 503) {
    const retry = parseRetryAfter(header(res.headers, 'retry-after'), c.nowMs)?.toISOString();
    const after = retry ? `; no probe before ${retry}` : '';
    if (s === 429) return new ProbeError('rate_limited', `${c.what} is rate limiting us (HTTP 429)${after}`, 'call', s, retry);
    return new ProbeError('server_error', `${c.what} is unavailable (HTTP 503)${after}: a provider-side problem`, 'call', s, retry);
  }
  if (s >= 500) return new ProbeError('server_error', `${c.what} failed with HTTP ${s}: a provider-side problem; retry later or check their status page`, 'call', s);
  if (s >= 300 && s < 400) {
    const loc = header(res.headers, 'location');
    return new ProbeError('bad_response', `${c.what} redirected (HTTP ${s}${loc ? ` to ${serverText(loc, c.secrets)}` : ''}): point the probe at the final address`, 'call', s);
  }
  return new ProbeError('bad_response', `${c.what} answered HTTP ${s}: check the probe's path or url`, 'call', s);
}

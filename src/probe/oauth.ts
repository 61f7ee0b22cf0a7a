import { Secret } from '../secret.js';
import type { ProbeAgent } from './agent.js';
import { ProbeError } from './errors.js';
import { header, send, type HttpResponse } from './http.js';
import { jwtExpiry } from './jwt.js';
import { serverText } from './redact.js';
import { parseRetryAfter } from './retry-after.js';

/** How to ask for a token: client credentials, or a refresh token when one is configured. */
export interface TokenGrant {
  tokenUrl: string;
  clientId?: string;
  clientSecret?: Secret;
  /** `basic` (default): HTTP Basic client_id:client_secret; `body`: both in the form. */
  clientAuth?: 'basic' | 'body';
  scope?: string;
  /** Set → `grant_type=refresh_token`. */
  refreshToken?: Secret;
  /** Headers every request to this provider carries (Clarus: X-Clarus-Subdomain). */
  headers?: Record<string, string>;
}

export interface Token {
  accessToken: Secret;
  /** When the token stops working (ms), from `expires_in` and the JWT `exp`; null if unknown. */
  expiresAt: number | null;
  obtainedAt: number;
  /** A rotated refresh token, when the server sent one: the old one may no longer work. */
  refreshToken?: Secret;
}

interface TokenCallOptions {
  timeoutMs: number;
  clock: () => number;
}

/** Values that must never appear in a message, revealed only to mask them. */
export function grantSecrets(g: TokenGrant): string[] {
  const raw = [g.clientSecret?.reveal(), g.refreshToken?.reveal()].filter((s): s is string => Boolean(s));
  // Servers echo requests in different encodings: the Basic header and the form body too.
  const basic = g.clientId && g.clientSecret ? [Buffer.from(`${g.clientId}:${g.clientSecret.reveal()}`).toString('base64')] : [];
  return [...raw, ...raw.map((s) => encodeURIComponent(s)), ...basic];
}

function requestBody(g: TokenGrant): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams();
  if (g.refreshToken) {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', g.refreshToken.reveal());
  } else {
    form.set('grant_type', 'client_credentials');
  }
  if (g.scope) form.set('scope', g.scope);
  const headers: Record<string, string> = {
    ...g.headers,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (g.clientId && g.clientSecret && g.clientAuth !== 'body') {
    // Raw id:secret, as the providers' own examples send it (curl -u / base64 of the pair).
    headers.authorization = `Basic ${Buffer.from(`${g.clientId}:${g.clientSecret.reveal()}`).toString('base64')}`;
  } else if (g.clientId) {
    form.set('client_id', g.clientId);
    if (g.clientSecret) form.set('client_secret', g.clientSecret.reveal());
  }
  return { headers, body: form.toString() };
}

const OAUTH_REFUSALS: Record<string, string> = {
  invalid_client: 'the client id or secret is wrong, or the client was disabled (a renewed project comes with new ones)',
  invalid_grant: 'the refresh token was refused (expired, revoked or already rotated): issue a new one',
  unauthorized_client: 'this client may not use this grant type',
  invalid_scope: 'the requested scope is not granted to this client',
  unsupported_grant_type: 'the endpoint does not support this grant type',
  invalid_request: 'the endpoint found the token request malformed',
};

function parseJson(buf: Buffer | null): unknown {
  if (!buf || buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}

function describeNonJson(res: HttpResponse): string {
  const type = header(res.headers, 'content-type')?.split(';')[0]?.trim();
  if (!res.body || res.body.length === 0) return 'an empty body';
  const start = res.body.subarray(0, 200).toString('utf8').trimStart().toLowerCase();
  if (type === 'text/html' || start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<')) {
    return `an HTML page (${type ?? 'no content type'}) instead of JSON: tokenUrl probably points at a web page, a login form or a proxy error page`;
  }
  return `a body that is not JSON (${type ?? 'no content type'})`;
}

/** Reads an error reply from the token endpoint into a ProbeError. */
function refusal(res: HttpResponse, g: TokenGrant, nowMs: number): ProbeError {
  const where = `the token endpoint ${new URL(g.tokenUrl).origin}${new URL(g.tokenUrl).pathname}`;
  const data = parseJson(res.body) as { error?: unknown; error_description?: unknown } | undefined;
  const oauthError = typeof data?.error === 'string' ? data.error : undefined;
  const secrets = grantSecrets(g);
  const detail = oauthError
    ? ` ${serverText(oauthError, secrets, 60)}${typeof data?.error_description === 'string' ? ` (${serverText(data.error_description, secrets)})` : ''}`
    : '';
  const s = res.status;
  if (s === 401 || (s === 400 && oauthError)) {
    const why = (oauthError && OAUTH_REFUSALS[oauthError]) ?? (g.refreshToken ? 'check the refresh token and client id' : 'check clientId and clientSecret');
    return new ProbeError('token_rejected', `${where} refused the request (HTTP ${s}${detail}): ${why}`, 'token', s);
  }
  if (s === 403) return new ProbeError('forbidden', `${where} answered HTTP 403${detail}: this client may not obtain tokens here`, 'token', s);
  if (s === 429) {
    const retry = parseRetryAfter(header(res.headers, 'retry-after'), nowMs);
    const iso = retry?.toISOString();
    return new ProbeError('rate_limited', `${where} is rate limiting us (HTTP 429)${iso ? `; no new attempt before ${iso}` : ''}`, 'token', s, iso);
  }
  if (s >= 500) return new ProbeError('server_error', `${where} failed with HTTP ${s}: a provider-side problem; retry later or check their status page`, 'token', s);
  if (s >= 300 && s < 400) {
    const loc = header(res.headers, 'location');
    return new ProbeError('bad_token_response', `${where} redirected (HTTP ${s}${loc ? ` to ${serverText(loc, secrets)}` : ''}): set tokenUrl to the final address`, 'token', s);
  }
  return new ProbeError('bad_token_response', `${where} answered HTTP ${s}${detail}: check tokenUrl`, 'token', s);
}

function lifetimeSeconds(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** POSTs the grant to the token endpoint and returns the token, or throws a classified ProbeError. */
export async function fetchToken(agent: ProbeAgent, g: TokenGrant, o: TokenCallOptions): Promise<Token> {
  const { headers, body } = requestBody(g);
  const res = await send(agent, { method: 'POST', url: g.tokenUrl, headers, body, stage: 'token', what: 'the token endpoint', readBody: true }, o.timeoutMs);
  const now = o.clock();
  const where = `the token endpoint ${new URL(g.tokenUrl).origin}${new URL(g.tokenUrl).pathname}`;
  if (res.status < 200 || res.status >= 300) throw refusal(res, g, now);
  if (res.tooLarge) {
    throw new ProbeError('bad_token_response', `${where} sent more than 1 MiB (HTTP ${res.status}): that is not a token reply; check tokenUrl`, 'token', res.status);
  }
  const data = parseJson(res.body);
  if (data === undefined) throw new ProbeError('bad_token_response', `${where} answered HTTP ${res.status} with ${describeNonJson(res)}`, 'token', res.status);
  const reply = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const access = reply.access_token;
  if (typeof access !== 'string' || access.length === 0) {
    throw new ProbeError('bad_token_response', `${where} answered HTTP ${res.status} with JSON but no access_token: check tokenUrl and the grant it expects`, 'token', res.status);
  }
  // expires_in is only RECOMMENDED (RFC 6749 §5.1); the JWT's exp is the issuer's own word.
  const seconds = lifetimeSeconds(reply.expires_in);
  const candidates = [seconds !== null ? now + seconds * 1000 : null, jwtExpiry(access)].filter((v): v is number => v !== null);
  const refreshed = typeof reply.refresh_token === 'string' && reply.refresh_token ? new Secret(reply.refresh_token) : undefined;
  return {
    accessToken: new Secret(access),
    expiresAt: candidates.length ? Math.min(...candidates) : null,
    obtainedAt: now,
    ...(refreshed ? { refreshToken: refreshed } : {}),
  };
}

import { performance } from 'node:perf_hooks';
import type { ProbeContext } from './context.js';
import type { Secret } from '../secret.js';
import type { ProbeEntity, ProbeErrorInfo, ProbeResult, ProbeStage } from '../types.js';
import { agentFor, type ProbeAgent } from './agent.js';
import { callProblem } from './call.js';
import { isProbeError, ProbeError } from './errors.js';
import { failedProbe } from './failed.js';
import { send } from './http.js';
import { jwtExpiry } from './jwt.js';
import { fetchToken, grantSecrets, type TokenGrant } from './oauth.js';
import type { TlsFiles } from './tls-material.js';
import { tokenCacheFor, type CachedToken } from './token-cache.js';

export type TokenSource = { type: 'static'; token: Secret } | { type: 'oauth'; grant: TokenGrant };

export interface ProbeCall {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The reply must be JSON without an `errors` array. */
  graphql?: boolean;
  /** Clara: the entity this call acts for (sent as X-Tax-Identifier, reported in `entities`). */
  taxIdentifier?: string;
}

interface BearerProbeSpec {
  tls: TlsFiles;
  auth: TokenSource;
  /** Test calls, in order; none means the token alone is the probe. */
  calls: ProbeCall[];
  /** Report every call in `probe.entities` (all are made even when one fails). */
  entities?: boolean;
}

export interface ProbeOptions {
  /** Wall clock for token lifetimes and Retry-After (tests move it; `--at` does not). */
  clock?: () => number;
  /** Off: one connection per request (the benchmark's "new TLS connection per probe"). */
  keepAlive?: boolean;
}

interface Outcome {
  taxIdentifier?: string;
  httpStatus: number | null;
  error: ProbeError | null;
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

/** The token-cache key: a change of client, secret, URL or scope means a different token. */
function grantKey(g: TokenGrant): string {
  return JSON.stringify([g.tokenUrl, g.clientId ?? '', g.clientAuth ?? 'basic', g.scope ?? '', g.headers ?? {}, ...grantSecrets(g)]);
}

/**
 * The probe every HTTPS kind shares: the credential's Agent, a bearer token (static or OAuth 2.0
 * with caching), then the test calls. Never throws: every failure is classified into the result.
 */
export async function runBearerProbe(spec: BearerProbeSpec, ctx: ProbeContext, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const clock = opts.clock ?? Date.now;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let tokenExpiresAt: string | null = null;
  let result: ProbeResult;
  try {
    const agent = agentFor(ctx.state, spec.tls, { timeoutMs: ctx.timeoutMs, keepAlive: opts.keepAlive });
    const auth = spec.auth;
    const cache = auth.type === 'oauth' ? tokenCacheFor(ctx.state, clock) : undefined;
    const staticExpiry = auth.type === 'static' ? jwtExpiry(auth.token.reveal()) : null;
    const secrets = auth.type === 'oauth' ? grantSecrets(auth.grant) : [];

    const getToken = async (): Promise<CachedToken | null> => {
      if (auth.type === 'static' || !cache) return null;
      const grant = { ...auth.grant, refreshToken: cache.refreshToken(auth.grant.refreshToken) };
      const got = await cache.get(grantKey(auth.grant), () => {
        // Counted when made, whatever its outcome: a refused or failed request may still be billed.
        if (ctx.requests) ctx.requests.token++;
        return fetchToken(agent, grant, { timeoutMs: ctx.timeoutMs, clock });
      });
      if (!got.cached) ctx.log.debug({ tokenEndpoint: endpointName(grant.tokenUrl), tokenExpiresAt: iso(got.token.expiresAt) }, 'fetched a new access token');
      tokenExpiresAt = iso(got.token.expiresAt);
      return got;
    };

    let current = await getToken();
    if (auth.type === 'static') tokenExpiresAt = iso(staticExpiry);
    if (spec.calls.length === 0) {
      result = { ok: true, stage: 'token', httpStatus: null, latencyMs: elapsed(), tokenExpiresAt, error: null };
    } else {
      const outcomes: Outcome[] = [];
      let tokenFailure: ProbeError | null = null;
      for (const call of spec.calls) {
        if (tokenFailure) {
          outcomes.push({ taxIdentifier: call.taxIdentifier, httpStatus: null, error: tokenFailure });
          continue;
        }
        const bearer = auth.type === 'static' ? auth.token : current!.token.accessToken;
        const how = auth.type === 'static' ? 'static' : current!.cached ? 'cached' : 'fresh';
        let outcome = await callOnce(agent, call, bearer, how === 'cached' ? 'fresh' : how, staticExpiry, secrets, ctx, clock);
        // A cached token can be revoked early: refresh once and retry once (never for a fresh one).
        if (how === 'cached' && outcome.httpStatus === 401 && cache && current) {
          cache.invalidate(current.token);
          ctx.log.info({ call: whatOf(call) }, 'API refused the cached token (401): fetching a new one and retrying once');
          try {
            current = await getToken();
          } catch (err) {
            tokenFailure = asProbeError(err);
            outcomes.push({ taxIdentifier: call.taxIdentifier, httpStatus: null, error: tokenFailure });
            continue;
          }
          outcome = await callOnce(agent, call, current!.token.accessToken, 'refreshed', null, secrets, ctx, clock);
        }
        if (outcome.httpStatus === 401 && cache && current) cache.invalidate(current.token);
        outcomes.push(outcome);
      }
      result = assemble(outcomes, spec.entities === true, elapsed(), tokenExpiresAt);
    }
  } catch (err) {
    const e = asProbeError(err);
    result = failedProbe(e.info(), {
      stage: e.stage,
      httpStatus: e.httpStatus,
      latencyMs: elapsed(),
      tokenExpiresAt,
      retryAfter: e.retryAfter,
      taxIdentifiers: spec.entities ? spec.calls.map((c) => c.taxIdentifier ?? '') : undefined,
    });
  }
  ctx.log.debug(
    { stage: result.stage, httpStatus: result.httpStatus, latencyMs: result.latencyMs, code: result.error?.code ?? null },
    result.ok ? 'probe passed' : 'probe failed',
  );
  return result;
}

function asProbeError(err: unknown): ProbeError {
  if (isProbeError(err)) return err;
  // A bug, not a provider problem; still a result rather than a crash of the whole cycle.
  return new ProbeError('connection', `probe failed unexpectedly: ${(err as Error)?.message ?? String(err)}`, 'tls');
}

const endpointName = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

const whatOf = (call: ProbeCall) => `${call.method} ${new URL(call.url).pathname}`;

async function callOnce(
  agent: ProbeAgent,
  call: ProbeCall,
  bearer: Secret,
  token: 'static' | 'fresh' | 'refreshed',
  staticExpiry: number | null,
  secrets: readonly string[],
  ctx: ProbeContext,
  clock: () => number,
): Promise<Outcome> {
  const what = whatOf(call);
  if (ctx.requests) ctx.requests.call++;
  const user = Object.fromEntries(Object.entries(call.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
    ...user,
    ...(call.taxIdentifier ? { 'x-tax-identifier': call.taxIdentifier } : {}),
    authorization: `Bearer ${bearer.reveal()}`,
  };
  try {
    const res = await send(agent, { method: call.method, url: call.url, headers, body: call.body, stage: 'call', what, readBody: call.graphql === true }, ctx.timeoutMs);
    const problem = callProblem(res, {
      what,
      graphql: call.graphql === true,
      actingFor: call.taxIdentifier ? `X-Tax-Identifier ${call.taxIdentifier}` : undefined,
      token,
      staticExpiry,
      secrets: [...secrets, bearer.reveal()],
      nowMs: clock(),
    });
    return { taxIdentifier: call.taxIdentifier, httpStatus: res.status, error: problem };
  } catch (err) {
    return { taxIdentifier: call.taxIdentifier, httpStatus: null, error: asProbeError(err) };
  }
}

function assemble(outcomes: Outcome[], entities: boolean, latencyMs: number, tokenExpiresAt: string | null): ProbeResult {
  const failed = outcomes.find((o) => o.error);
  const last = outcomes[outcomes.length - 1]!;
  const retryAfter = outcomes
    .map((o) => o.error?.retryAfter)
    .filter((r): r is string => Boolean(r))
    .sort()
    .pop();
  const stage: ProbeStage = failed ? failed.error!.stage : 'call';
  const error: ProbeErrorInfo | null = failed ? failed.error!.info() : null;
  const result: ProbeResult = {
    ok: !failed,
    stage,
    httpStatus: failed ? failed.httpStatus : last.httpStatus,
    latencyMs,
    tokenExpiresAt,
    error,
  };
  if (retryAfter) result.retryAfter = retryAfter;
  if (entities) {
    result.entities = outcomes.map(
      (o): ProbeEntity => ({ taxIdentifier: o.taxIdentifier ?? '', ok: !o.error, httpStatus: o.httpStatus, error: o.error ? o.error.info() : null }),
    );
  }
  return result;
}

import type { Secret } from '../secret.js';
import type { Token } from './oauth.js';

/** A token without `expires_in` or `exp` is trusted this long; a 401 still replaces it sooner. */
const UNKNOWN_LIFETIME_MS = 60 * 60 * 1000;
/** Refresh this long before the end: the probe itself, clock skew, the next call. */
const MAX_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** Refresh ahead by a tenth of the token's life, at most five minutes. */
function refreshAt(t: Token): number {
  const end = t.expiresAt ?? t.obtainedAt + UNKNOWN_LIFETIME_MS;
  const life = Math.max(0, end - t.obtainedAt);
  return end - Math.min(MAX_REFRESH_MARGIN_MS, life / 10);
}

export interface CachedToken {
  token: Token;
  /** True when it came from the cache rather than from a request made just now. */
  cached: boolean;
}

/**
 * One credential's token, in memory only. Tokens are asked for once per lifetime (the providers bill
 * every request), renewed ahead of their end, never after a failure except the 401 case, and
 * concurrent probes share one request in flight.
 */
class TokenCache {
  #key: string | undefined;
  #token: Token | undefined;
  #pending: Promise<Token> | undefined;
  /** A refresh token the server rotated: it replaces the configured one. */
  #refreshToken: Secret | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  /** The refresh token to use next (the latest rotated one, else the configured one). */
  refreshToken(configured: Secret | undefined): Secret | undefined {
    return this.#refreshToken ?? configured;
  }

  /**
   * A usable token for `key` (which changes when the client id, secret, URL or scope do):
   * the cached one while it is fresh, else the result of `fetch`.
   */
  async get(key: string, fetch: () => Promise<Token>): Promise<CachedToken> {
    if (this.#key !== key) {
      this.#key = key;
      this.#token = undefined;
      this.#pending = undefined;
      this.#refreshToken = undefined;
    }
    const t = this.#token;
    if (t && this.clock() < refreshAt(t)) return { token: t, cached: true };
    if (!this.#pending) {
      const pending = fetch().then(
        (token) => {
          if (this.#pending === pending) {
            this.#token = token;
            this.#pending = undefined;
            if (token.refreshToken) this.#refreshToken = token.refreshToken;
          }
          return token;
        },
        (err: unknown) => {
          if (this.#pending === pending) this.#pending = undefined;
          throw err;
        },
      );
      this.#pending = pending;
    }
    return { token: await this.#pending, cached: false };
  }

  /** Forget `token` after the API refused it; a newer token fetched meanwhile is kept. */
  invalidate(token: Token): void {
    if (this.#token === token) this.#token = undefined;
  }

  /** The cached token, if any (for display). */
  current(): Token | undefined {
    return this.#token;
  }
}

const TOKEN_STATE_KEY = 'probe.token';

export function tokenCacheFor(state: Map<string, unknown>, clock: () => number): TokenCache {
  let cache = state.get(TOKEN_STATE_KEY) as TokenCache | undefined;
  if (!cache) {
    cache = new TokenCache(clock);
    state.set(TOKEN_STATE_KEY, cache);
  }
  return cache;
}

/** Whether the credential's state holds a token the next probe will reuse (no token request). */
export function hasUsableToken(state: Map<string, unknown>, nowMs = Date.now()): boolean {
  const t = (state.get(TOKEN_STATE_KEY) as TokenCache | undefined)?.current();
  return t !== undefined && nowMs < refreshAt(t);
}

// Shared by the HTTP notifiers: classify a status or a network failure into a NotifyError.
import type { Dispatcher } from 'undici';
import { NotifyError } from './notifier.js';
import { scrubSecrets, urlSecretParts } from '../secret.js';
import { retryAfterDelayMs } from '../retry-after.js';

/**
 * fetch refuses a URL with `user:pass@`; the userinfo goes into an `Authorization: Basic` header
 * instead (decoded, as curl does), and the URL that is fetched carries none.
 */
export function splitUserinfo(url: string): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (!u.username && !u.password) return { url };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}

/** Which statuses trying again can fix: timeouts, throttling, server trouble. Everything else is permanent. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** `what` names the target without its URL (which may carry a token): "slack webhook". */
export function statusError(what: string, status: number, retryAfter?: string | null, detail?: string): NotifyError {
  const retryable = isRetryableStatus(status);
  const hint = retryable ? '' : status === 404 ? ' (wrong URL?)' : status === 401 || status === 403 ? ' (not authorised)' : '';
  const msg = `${what} answered HTTP ${status}${hint}${detail ? `: ${detail.slice(0, 200)}` : ''}`;
  // A date already past asks for no wait.
  const wait = retryAfterDelayMs(retryAfter, Date.now());
  return new NotifyError(msg, {
    code: `http_${status}`,
    retryable,
    retryAfterMs: wait === null ? undefined : Math.max(0, wait),
    status,
  });
}

/** A request that got no answer: refused, reset, timed out, DNS. Always worth retrying. */
export function networkError(what: string, err: unknown): NotifyError {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'ECONNABORTED' || e?.code === 'ETIMEDOUT') {
    return new NotifyError(`${what}: no answer in time`, { code: 'timeout', retryable: true });
  }
  const code = e?.cause?.code ?? e?.code;
  const why = code ?? e?.cause?.message ?? e?.message ?? 'request failed';
  return new NotifyError(`${what}: connection failed (${why})`, { code: 'connection', retryable: true });
}

interface PostResult {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * POST a body with a timeout; never follows redirects (a moved webhook is a config problem).
 * With a `dispatcher` (an undici Agent with its own `ca`), the request goes through undici's own
 * fetch, which that Agent belongs to. Userinfo in the URL becomes an `Authorization: Basic` header.
 */
export async function post(what: string, url: string, body: string, headers: Record<string, string>, timeoutMs: number, dispatcher?: Dispatcher): Promise<PostResult> {
  const target = splitUserinfo(url);
  if (target.authorization && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers = { ...headers, authorization: target.authorization };
  url = target.url;
  let res: Response;
  try {
    const init = { method: 'POST', body, headers, redirect: 'manual' as const, signal: AbortSignal.timeout(timeoutMs) };
    res = dispatcher ? ((await (await import('undici')).fetch(url, { ...init, dispatcher })) as unknown as Response) : await fetch(url, init);
  } catch (err) {
    throw networkError(what, err);
  }
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The status is what matters; a broken body after it does not change the outcome.
  }
  if (res.status < 200 || res.status >= 300) throw statusError(what, res.status, res.headers.get('retry-after'), scrubSecrets(text, urlSecretParts(url)));
  return { status: res.status, headers: res.headers, text };
}

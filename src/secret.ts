import { inspect } from 'node:util';

const REDACTED = '<secret>';

/**
 * A secret value from the config. It prints as `<secret>` everywhere (JSON, util.inspect,
 * template strings), so a log line or an error that carries the object leaks nothing; the value
 * comes out only through `reveal()`, at the one place that sends it over the wire.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

// ---------------------------------------------------------------------------------------------
// The one scrubber. Every text that came back from a server (an error page, an OAuth
// error_description, an SMTP reply, a redirect's Location) passes through `scrubSecrets` before it
// is logged, stored or shown. It masks every configured secret in each encoding credwatch sends it
// in, and the path and query of configured secret URLs.

/** Shorter values are not masked: they would shred ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** `application/x-www-form-urlencoded` as URLSearchParams writes it: space → `+`, and `!'()~` escaped. */
const formEncode = (v: string) => new URLSearchParams({ x: v }).toString().slice(2);

/** The forms a value travels in: raw, URL-encoded, form-encoded, base64 (Basic auth, SMTP AUTH). */
export function secretForms(value: string): string[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  return [...new Set([value, encodeURIComponent(value), formEncode(value), b64, b64.replace(/=+$/, ''), Buffer.from(value, 'utf8').toString('base64url')])].filter(
    (f) => f.length >= MIN_SECRET_LENGTH,
  );
}

/** What a server might echo of a secret URL: the whole URL, its userinfo, its path and query, long path segments, query values. */
export function urlSecretParts(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [url];
  }
  const parts = [url];
  if (u.password) parts.push(u.password, decodeURIComponent(u.password), `${u.username}:${u.password}`, `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
  else if (u.username) parts.push(u.username, decodeURIComponent(u.username));
  const pathAndQuery = u.pathname + u.search;
  if (pathAndQuery.length >= 8) parts.push(pathAndQuery);
  if (u.pathname.length >= 8) parts.push(u.pathname);
  parts.push(...u.pathname.split('/').filter((seg) => seg.length >= 8));
  for (const [, v] of u.searchParams) parts.push(v);
  return parts;
}

/** Query values and userinfo only: for URLs whose path is not a secret (a probe's API address). */
export function urlQuerySecrets(url: string): string[] {
  try {
    const u = new URL(url);
    const parts = [...u.searchParams.values()];
    if (u.password) parts.push(decodeURIComponent(u.password), `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
    return parts;
  } catch {
    return [];
  }
}

/** Every configured secret form, indexed by its first four characters (linear scrubbing for any number of secrets). */
const known = new Map<string, Set<string>>();

function index(map: Map<string, Set<string>>, form: string): void {
  const key = form.slice(0, MIN_SECRET_LENGTH);
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(form);
}

/** Adds a configured secret (all its forms) to what `scrubSecrets` masks, process-wide. */
export function registerSecret(value: string): void {
  for (const f of secretForms(value)) index(known, f);
}

/** Forgets every registered secret (tests). */
export function clearRegisteredSecrets(): void {
  known.clear();
}

function maskWith(text: string, maps: Map<string, Set<string>>[]): string {
  let out = '';
  let i = 0;
  let copied = 0;
  while (i <= text.length - MIN_SECRET_LENGTH) {
    const key = text.slice(i, i + MIN_SECRET_LENGTH);
    let best = '';
    for (const m of maps) {
      const set = m.get(key);
      if (set) for (const f of set) if (f.length > best.length && text.startsWith(f, i)) best = f;
    }
    if (best) {
      out += text.slice(copied, i) + REDACTED;
      i += best.length;
      copied = i;
    } else i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Masks every registered secret, and `extra` values (a token obtained at run time), in every form,
 * as `<secret>`. Linear in the text's length whatever the number of secrets.
 */
export function scrubSecrets(text: string, extra: readonly string[] = []): string {
  if (text.length < MIN_SECRET_LENGTH) return text;
  const maps = [known];
  if (extra.length) {
    const more = new Map<string, Set<string>>();
    for (const e of extra) for (const f of secretForms(e)) index(more, f);
    maps.push(more);
  }
  return maskWith(text, maps);
}

// Tells the one scrubber (src/secret.ts) what this config holds that must never be echoed back:
// every Secret value, the userinfo, path and query of notifier URLs (a webhook's path is often its
// credential), and the query values and userinfo of any other URL (a probe's `?api_key=`).
import { registerSecret, Secret, urlQuerySecrets, urlSecretParts } from '../secret.js';
import type { Config } from './schema.js';

const looksLikeUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

function walk(node: unknown, notifierUrl: boolean, seen: Set<object>): void {
  if (node instanceof Secret) {
    const v = node.reveal();
    registerSecret(v);
    if (looksLikeUrl(v)) for (const p of urlSecretParts(v)) registerSecret(p);
    return;
  }
  if (typeof node === 'string') {
    if (!looksLikeUrl(node)) return;
    for (const p of notifierUrl ? urlSecretParts(node).slice(1) : urlQuerySecrets(node)) registerSecret(p);
    return;
  }
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) for (const item of node) walk(item, notifierUrl, seen);
  else for (const [k, v] of Object.entries(node)) if (!(node instanceof Date)) walk(v, notifierUrl && k === 'url', seen);
}

export function registerConfigSecrets(config: Config): void {
  const seen = new Set<object>();
  for (const n of config.notifiers) for (const [k, v] of Object.entries(n)) walk(v, k === 'url', seen);
  walk(config.credentials, false, seen);
  walk(config.server, false, seen);
}

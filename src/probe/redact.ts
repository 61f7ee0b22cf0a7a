import { scrubSecrets } from '../secret.js';

/**
 * Text that came from a server (an OAuth `error_description`, a GraphQL error) goes into result
 * messages. Servers sometimes echo what they were sent, so every known secret is masked and the
 * text is cut short and stripped of control characters before it is shown to anyone.
 */
export function serverText(text: unknown, secrets: readonly string[], max = 200): string {
  let s = typeof text === 'string' ? text : JSON.stringify(text) ?? '';
  s = scrubSecrets(s, secrets);
  s = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

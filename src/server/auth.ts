import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../secret.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * True when no token is configured, or the request carries `Authorization: Bearer <token>`.
 * Both sides are hashed first so the comparison takes the same time whatever the length.
 */
export function bearerAllowed(authorization: string | undefined, token: Secret | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  const presented = m ? m[1]! : '';
  const ok = timingSafeEqual(digest(presented), digest(token.reveal()));
  return ok && presented.length > 0;
}

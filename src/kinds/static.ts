import { z } from 'zod';
import type { Kind } from './kind.js';
import type { CredentialConfig } from '../config/schema.js';
import { emptyObservation } from '../types.js';

export interface StaticCredential extends CredentialConfig {
  kind: 'static';
  expiresAt: Date;
}

/** Any secret whose expiry is known but cannot be read from anywhere (an API key, a password). */
export const staticKind: Kind<StaticCredential> = {
  name: 'static',
  schema: (h) => z.strictObject({ expiresAt: h.date() }),
  async inspect(cred) {
    const obs = emptyObservation();
    obs.expiries.push({ source: 'secret', expiresAt: cred.expiresAt });
    return obs;
  },
};

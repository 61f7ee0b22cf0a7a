import { z } from 'zod';
import type { CredentialOf, Kind } from './kind.js';
import type { SchemaHelpers } from '../config/helpers.js';
import { emptyObservation } from '../types.js';

const schema = (h: SchemaHelpers) => z.strictObject({ expiresAt: h.date() });

export type StaticCredential = CredentialOf<'static', typeof schema>;

/** Any secret whose expiry is known but cannot be read from anywhere (an API key, a password). */
export const staticKind: Kind<StaticCredential> = {
  name: 'static',
  schema,
  async inspect(cred) {
    const obs = emptyObservation();
    obs.expiries.push({ source: 'secret', expiresAt: cred.expiresAt });
    return obs;
  },
};

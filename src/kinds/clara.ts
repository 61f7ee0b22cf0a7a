import { z } from 'zod';
import type { Kind } from './kind.js';
import type { CredentialConfig } from '../config/schema.js';
import type { Secret } from '../secret.js';
import { emptyObservation } from '../types.js';
import { InspectError, readLocalFile } from './pem.js';
import { guarded, inspectCertificateFile } from './x509.js';
import { parseClaraCredentials } from '../probe/clara-credentials.js';

/** Clara API projects live at most 360 days (seeds/clara-api-authentication.txt). */
export const CLARA_MAX_VALIDITY_DAYS = 360;
const DAY_MS = 86_400_000;

export const CLARA_COUNTRIES = ['mx', 'br', 'co'] as const;

export interface ClaraCredential extends CredentialConfig {
  kind: 'clara-project';
  country: (typeof CLARA_COUNTRIES)[number];
  baseUrl?: string;
  project: string;
  createdAt: Date;
  validityDays?: number;
  expiresAt?: Date;
  certificate: string;
  privateKey: string;
  ca?: string;
  credentialsFile?: string;
  clientId?: Secret;
  clientSecret?: Secret;
  probe?: { path?: string; taxIdentifiers?: string[]; timeoutMs?: number; failuresBeforeAlert?: number };
}

/** The project's own end of life: `expiresAt`, else `createdAt + validityDays × 24 h`. */
export function projectExpiry(cred: Pick<ClaraCredential, 'createdAt' | 'validityDays' | 'expiresAt'>): Date {
  return cred.expiresAt ?? new Date(cred.createdAt.getTime() + (cred.validityDays ?? CLARA_MAX_VALIDITY_DAYS) * DAY_MS);
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export const claraKind: Kind<ClaraCredential> = {
  name: 'clara-project',
  schema: (h) =>
    z.strictObject({
      country: z.enum(CLARA_COUNTRIES),
      baseUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
      project: z.string().min(1, 'must not be empty'),
      createdAt: h.date(),
      validityDays: z
        .number()
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(CLARA_MAX_VALIDITY_DAYS, `must be at most ${CLARA_MAX_VALIDITY_DAYS}`)
        .optional(),
      expiresAt: h.date().optional(),
      certificate: h.file(),
      privateKey: h.file(),
      ca: h.file().optional(),
      credentialsFile: h.file().optional(),
      clientId: h.secret().optional(),
      clientSecret: h.secret().optional(),
      probe: h
        .probe({
          path: z.string().startsWith('/', 'must start with /').optional(),
          taxIdentifiers: z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one tax identifier').optional(),
        })
        .optional(),
    }),
  check(cred) {
    const problems: { path: string; message: string }[] = [];
    if (cred.validityDays === undefined && cred.expiresAt === undefined) {
      problems.push({ path: 'validityDays', message: 'set validityDays (1..360) or expiresAt' });
    } else if (cred.validityDays !== undefined && cred.expiresAt !== undefined) {
      problems.push({ path: 'expiresAt', message: 'set either validityDays or expiresAt, not both' });
    }
    if (cred.expiresAt) {
      const limit = new Date(cred.createdAt.getTime() + CLARA_MAX_VALIDITY_DAYS * DAY_MS);
      if (cred.expiresAt.getTime() <= cred.createdAt.getTime()) {
        problems.push({ path: 'expiresAt', message: `must be after createdAt (${isoDay(cred.createdAt)})` });
      } else if (cred.expiresAt.getTime() > limit.getTime()) {
        problems.push({ path: 'expiresAt', message: `must be at most ${CLARA_MAX_VALIDITY_DAYS} days after createdAt (${isoDay(limit)} at the latest)` });
      }
    }
    const inline = cred.clientId !== undefined || cred.clientSecret !== undefined;
    if (cred.credentialsFile && inline) {
      problems.push({ path: 'credentialsFile', message: 'set either credentialsFile or clientId/clientSecret, not both' });
    } else if (!cred.credentialsFile && !(cred.clientId && cred.clientSecret)) {
      problems.push({ path: cred.clientId ? 'clientSecret' : 'credentialsFile', message: 'set credentialsFile, or both clientId and clientSecret' });
    }
    return problems;
  },
  async inspect(cred) {
    const obs = emptyObservation();
    obs.expiries.push({ source: 'project', expiresAt: projectExpiry(cred) });
    return guarded(obs, () => {
      inspectCertificateFile(cred.certificate, cred.privateKey, 'certificate', obs);
      if (cred.credentialsFile) {
        const text = readLocalFile(cred.credentialsFile, 'credentialsFile').toString('utf8');
        try {
          parseClaraCredentials(text);
        } catch (err) {
          throw new InspectError('bad_json', `credentialsFile ${cred.credentialsFile} ${(err as Error).message}`);
        }
      }
    });
  },
  // The probe layer pulls in undici; load it only when a probe actually runs.
  probe: async (cred, ctx) => (await import('../probe/clara.js')).probeClara(cred, ctx),
  // One call per X-Tax-Identifier (one without), and a token from /oauth/token.
  probeCost: (cred) => ({ calls: Math.max(1, cred.probe?.taxIdentifiers?.length ?? 0), token: true }),
};

import { z } from 'zod';
import type { CredentialOf, Kind } from './kind.js';
import type { SchemaHelpers } from '../config/helpers.js';
import { Secret } from '../secret.js';
import { emptyObservation, type ProbeResult } from '../types.js';
import { isoDay } from '../iso-day.js';
import { guarded, inspectCertificateFile, InspectError, readLocalFile } from './pem.js';
import type { ProbeContext } from '../probe/context.js';
import { failedProbe } from '../probe/failed.js';
import type { ProbeCall, ProbeOptions } from '../probe/bearer-probe.js';
import { ProbeError } from '../probe/errors.js';
import { CredwatchError } from '../errors.js';

// The probe layer pulls in undici; load it only when a probe actually runs.
const runBearerProbe: typeof import('../probe/bearer-probe.js').runBearerProbe = async (...args) =>
  (await import('../probe/bearer-probe.js')).runBearerProbe(...args);

/** Clara API projects live at most 360 days (seeds/clara-api-authentication.txt). */
const CLARA_MAX_VALIDITY_DAYS = 360;
const DAY_MS = 86_400_000;

const CLARA_COUNTRIES = ['mx', 'br', 'co'] as const;

export type ClaraCredential = CredentialOf<'clara-project', typeof schema>;

/** The project's own end of life: `expiresAt`, else `createdAt + validityDays × 24 h`. */
export function projectExpiry(cred: Pick<ClaraCredential, 'createdAt' | 'validityDays' | 'expiresAt'>): Date {
  return cred.expiresAt ?? new Date(cred.createdAt.getTime() + (cred.validityDays ?? CLARA_MAX_VALIDITY_DAYS) * DAY_MS);
}


/** What the Clara dashboard's one-time "Client Credentials (JSON)" download holds. */
interface ClaraClientCredentials {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** A credentials file that cannot be used; the message never quotes a value from it. */
export class ClaraCredentialsError extends CredwatchError<'bad_json'> {
  constructor(message: string) {
    super('bad_json', message);
    this.name = 'ClaraCredentialsError';
  }
}

/**
 * Parses the Client Credentials JSON. Accepts the API's `client_id` / `client_secret` / `scopes`,
 * camelCase, and the dashboard's labels ("Client ID", "Client Secret").
 */
export function parseClaraCredentials(text: string): ClaraClientCredentials {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // JSON.parse's message quotes the offending text, which may be part of the secret.
    const pos = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ClaraCredentialsError(`is not valid JSON${pos ? ` (syntax error at position ${pos})` : ''}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ClaraCredentialsError('must hold a JSON object');
  const obj = data as Record<string, unknown>;
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = obj[k];
      if (typeof v === 'string' && v.trim()) return v.trim();
    }
    return undefined;
  };
  const clientId = pick('client_id', 'clientId', 'Client ID');
  const clientSecret = pick('client_secret', 'clientSecret', 'Client Secret');
  const missing = [!clientId && 'client_id', !clientSecret && 'client_secret'].filter(Boolean);
  if (missing.length) throw new ClaraCredentialsError(`has no ${missing.join(' and no ')} (also accepted: clientId/clientSecret, "Client ID"/"Client Secret")`);
  const raw = obj.scopes ?? obj.scope ?? obj.Scopes;
  const scopes = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : [];
  return { clientId: clientId!, clientSecret: clientSecret!, scopes };
}

/**
 * The one reader of `credentialsFile`, for inspection and probe alike: read (regular file,
 * size-capped) and parsed, every failure an `InspectError` whose message names the file.
 */
function readClaraCredentials(file: string): ClaraClientCredentials {
  const text = readLocalFile(file, 'credentialsFile').toString('utf8');
  try {
    return parseClaraCredentials(text);
  } catch (err) {
    throw new InspectError('bad_json', `credentialsFile ${file} ${(err as Error).message}`);
  }
}

const CLARA_DEFAULT_PATH = '/api/v3/transactions';

/** The parts of a clara-project credential the probe needs. */
export type ClaraProbeCredential = Pick<
  ClaraCredential,
  'id' | 'country' | 'baseUrl' | 'certificate' | 'privateKey' | 'ca' | 'clientId' | 'clientSecret' | 'credentialsFile' | 'probe'
>;

/** Country endpoints from the provider's docs; `baseUrl` overrides (a sandbox, a test server). */
const claraBaseUrl = (c: Pick<ClaraCredential, 'country' | 'baseUrl'>) => c.baseUrl ?? `https://public-api.${c.country}.clara.com`;

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

/** Read on every probe: a renewed project's credentials file replaces the old one in place. */
function clientCredentials(c: ClaraProbeCredential): { clientId: string; clientSecret: Secret } {
  if (c.clientId && c.clientSecret) return { clientId: c.clientId, clientSecret: c.clientSecret };
  if (!c.credentialsFile) throw new ProbeError('token_rejected', 'no client credentials: set credentialsFile, or clientId and clientSecret', 'token');
  try {
    const parsed = readClaraCredentials(c.credentialsFile);
    return { clientId: parsed.clientId, clientSecret: new Secret(parsed.clientSecret) };
  } catch (err) {
    throw new ProbeError('token_rejected', (err as Error).message, 'token');
  }
}

/**
 * Clara's two layers, as a real integration uses them: the project's client certificate on the
 * connection, a token from `/oauth/token` (HTTP Basic, cached for its life), then `GET probe.path`
 * once, or once per X-Tax-Identifier so every company of the group is proven.
 */
export async function probeClara(cred: ClaraProbeCredential, ctx: ProbeContext, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const base = claraBaseUrl(cred);
  const url = join(base, cred.probe?.path ?? CLARA_DEFAULT_PATH);
  const taxIds = cred.probe?.taxIdentifiers ?? [];
  const calls: ProbeCall[] = taxIds.length ? taxIds.map((taxIdentifier) => ({ method: 'GET', url, taxIdentifier })) : [{ method: 'GET', url }];
  let client: { clientId: string; clientSecret: Secret };
  try {
    client = clientCredentials(cred);
  } catch (err) {
    const e = err as ProbeError;
    return failedProbe(e.info(), { stage: e.stage, taxIdentifiers: taxIds.length ? taxIds : undefined });
  }
  return runBearerProbe(
    {
      tls: { certificate: cred.certificate, privateKey: cred.privateKey, ca: cred.ca },
      auth: { type: 'oauth', grant: { tokenUrl: join(base, '/oauth/token'), clientId: client.clientId, clientSecret: client.clientSecret, clientAuth: 'basic' } },
      calls,
      entities: taxIds.length > 0,
    },
    ctx,
    opts,
  );
}

const schema = (h: SchemaHelpers) =>
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
    // An identifier, not a secret (lint messages show it); `clientIdFile` works too.
    clientId: h.fromFile(z.string().min(1, 'must not be empty')).optional(),
    clientSecret: h.secret().optional(),
    probe: h
      .probe({
        path: z.string().startsWith('/', 'must start with /').optional(),
        taxIdentifiers: z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one tax identifier').optional(),
      })
      .optional(),
  });

export const claraKind: Kind<ClaraCredential> = {
  name: 'clara-project',
  schema,
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
  async inspect(cred, ctx) {
    const obs = emptyObservation();
    obs.expiries.push({ source: 'project', expiresAt: projectExpiry(cred) });
    return guarded(obs, () => {
      inspectCertificateFile(cred.certificate, cred.privateKey, 'certificate', obs, ctx.probing ? { ca: cred.ca } : undefined);
      if (cred.credentialsFile) readClaraCredentials(cred.credentialsFile);
    });
  },
  probe: (cred, ctx) => probeClara(cred, ctx),
  // One call per X-Tax-Identifier (one without), and a token from /oauth/token.
  probeCost: (cred) => ({ calls: Math.max(1, cred.probe?.taxIdentifiers?.length ?? 0), token: true }),
};

/** What the Clara dashboard's one-time "Client Credentials (JSON)" download holds. */
export interface ClaraClientCredentials {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** A credentials file that cannot be used; the message never quotes a value from it. */
export class ClaraCredentialsError extends Error {
  readonly code = 'bad_json';
  constructor(message: string) {
    super(message);
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

// One step before inspection: config entries that stand for many credentials (x509 `paths`,
// `bundle: split`; tls `hosts`) become them, and derived credentials of an earlier cycle that are
// gone become a last result that resolves their alerts ("file removed").
import type { Config, CredentialConfig } from '../config/schema.js';
import { parentIdOf, removalReason } from '../config/derived-id.js';
import { mapLimit } from '../concurrency.js';
import type { CredentialResult } from '../types.js';
import type { InspectContext } from './kind.js';
import { kinds } from './index.js';
import { retainDiscoveryCache } from './file-discovery.js';

interface DiscoveredCredentials {
  /** What the cycle inspects, in config order; an entry's derived credentials follow it. */
  credentials: CredentialConfig[];
  /** One `ok` result per derived credential that disappeared since the last recorded cycle. */
  removed: CredentialResult[];
}

/** Whether `--only ID` can name this id: a configured one, or one derived from an entry that expands. */
export function isSelectableId(config: Pick<Config, 'credentials'>, id: string): boolean {
  const parent = parentIdOf(id);
  return config.credentials.some((c) => c.id === id || (c.id === parent && kinds.get(c.kind)?.expand !== undefined));
}

function removedResult(id: string, kind: string, reason: string): CredentialResult {
  return {
    id,
    kind,
    status: 'ok',
    expiresAt: null,
    daysLeft: null,
    renewBy: null,
    expiries: [],
    probe: null,
    reasons: [reason],
    certificates: [],
    levels: { expiry: 'ok', probe: 'ok' },
    probeFailures: 0,
  };
}

/**
 * Expands the selected entries. `only` may name configured ids and derived ones (`PARENT/…`);
 * `recordedIds` are the ids with a recorded latest result, from which disappeared ones are found.
 */
export async function discoverCredentials(
  config: Pick<Config, 'credentials' | 'probe'>,
  only: readonly string[] | undefined,
  recordedIds: Iterable<string>,
  ctx: InspectContext,
): Promise<DiscoveredCredentials> {
  const wanted = only?.length ? new Set(only) : null;
  const viaChild = new Set<string>();
  if (wanted) for (const id of wanted) if (parentIdOf(id)) viaChild.add(parentIdOf(id)!);
  const selected = wanted ? config.credentials.filter((c) => wanted.has(c.id) || viaChild.has(c.id)) : config.credentials;

  const recorded = new Map<string, string[]>();
  for (const id of recordedIds) {
    const parent = parentIdOf(id);
    if (parent) recorded.set(parent, [...(recorded.get(parent) ?? []), id]);
  }

  const expanded = await mapLimit(selected, config.probe.concurrency, async (cred) => {
    const kind = kinds.get(cred.kind);
    if (!kind?.expand) return { credentials: [cred], removed: [] as CredentialResult[] };
    let expansion;
    try {
      expansion = await kind.expand(cred, ctx);
    } catch (err) {
      // The entry itself then fails inspection with the reason; its derived ones keep their last results.
      ctx.log.error({ credential: cred.id, err: (err as Error).message }, 'discovery crashed');
      return { credentials: [cred], removed: [] };
    }
    if (!expansion) return { credentials: [cred], removed: [] };
    // Reached through a derived id only: just those.
    const keep = (id: string) => !wanted || wanted.has(cred.id) || wanted.has(id);
    const credentials = expansion.credentials.filter((c) => keep(c.id));
    const now = new Set(expansion.credentials.map((c) => c.id));
    const removed = (recorded.get(cred.id) ?? [])
      .filter((id) => !now.has(id) && keep(id))
      .map((id) => removedResult(id, cred.kind, removalReason(expansion.removedReason, cred.id)));
    return { credentials, removed };
  });
  if (!wanted) retainDiscoveryCache(new Set(config.credentials.map((c) => c.id)));
  return { credentials: expanded.flatMap((e) => e.credentials), removed: expanded.flatMap((e) => e.removed) };
}

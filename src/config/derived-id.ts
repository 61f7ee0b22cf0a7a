// Ids of the credentials one config entry stands for (files found by `paths`, each of `hosts`):
// `PARENT/…`. A configured id never holds a `/`, so the parent of a derived id is unambiguous.

export const DERIVED_SEPARATOR = '/';

/** `certs/ca/root.pem` → `certs`; null for a configured (underived) id. */
export function parentIdOf(id: string): string | null {
  const i = id.indexOf(DERIVED_SEPARATOR);
  return i > 0 ? id.slice(0, i) : null;
}

/** The config entry behind an id: its own, else its parent's (a derived credential inherits owner, runbook, notify). */
export function configFor<C>(byId: ReadonlyMap<string, C>, id: string): C | undefined {
  return byId.get(id) ?? byId.get(parentIdOf(id) ?? '');
}

export const REMOVED_MARK = ': no longer found by ';

/** The one reason of a derived credential's last result once it is gone: "file removed: no longer found by certs". */
export const removalReason = (what: string, parentId: string) => `${what}${REMOVED_MARK}${parentId}`;

export const isRemovalReason = (reason: string) => reason.includes(REMOVED_MARK);

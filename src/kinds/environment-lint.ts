import type { ConfigProblem } from '../config/schema.js';

interface Tagged {
  id: string;
  environment?: string;
}

/**
 * Warnings for an identity (an API user, an OAuth client) used by credentials of different
 * environments: providers ask for one per environment, and sharing one lets a test system's
 * traffic throttle, log out or lock production. `label` names the identity without its value.
 */
export function sharedAcrossEnvironments<C extends Tagged>(
  creds: readonly C[],
  identity: (c: C) => string | undefined,
  label: string,
  advice: string,
): ConfigProblem[] {
  const groups = new Map<string, C[]>();
  for (const c of creds) {
    const key = identity(c);
    if (!key || !c.environment) continue;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: ConfigProblem[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i]!;
        const b = group[j]!;
        if (a.environment === b.environment) continue;
        out.push({
          path: '',
          level: 'warning',
          message: `credentials "${a.id}" (environment ${a.environment}) and "${b.id}" (environment ${b.environment}) share one ${label}: ${advice}`,
        });
      }
    }
  }
  return out;
}

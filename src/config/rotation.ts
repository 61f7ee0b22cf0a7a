// Rotation links between credentials (`replaces`, `switchedAt`): checks that need the whole list.
import type { ConfigProblem, CredentialConfig } from './schema.js';

/**
 * `replaces` must name an existing id, not the credential itself; one successor per predecessor;
 * no loops. `switchedAt` belongs to a successor. Paths use the credential's position in the file
 * (`list` holds null where an item did not validate), so they point at the line to fix.
 */
export function checkRotations(list: readonly (CredentialConfig | null)[], raw: readonly unknown[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (i: number, key: string, message: string) => problems.push({ path: `credentials[${i}].${key}`, level: 'error', message });
  // Ids of every item, valid or not: a bad predecessor is reported at its own path, not as unknown here.
  const known = new Set(raw.map((c) => (c as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string'));
  const indexOf = new Map<string, number>();
  list.forEach((c, i) => {
    if (c && !indexOf.has(c.id)) indexOf.set(c.id, i);
  });

  /** predecessor id → [successor id, its index], for the first successor of each. */
  const successorOf = new Map<string, [string, number]>();
  /** successor id → predecessor id, only for links that passed the checks above (loop detection). */
  const edges = new Map<string, string>();
  list.forEach((c, i) => {
    if (!c) return;
    if (c.switchedAt && c.replaces === undefined) error(i, 'switchedAt', 'is only for a successor: set replaces to the id of the credential it succeeds');
    if (c.replaces === undefined) return;
    if (c.replaces === c.id) return error(i, 'replaces', `"${c.id}" cannot replace itself`);
    if (!known.has(c.replaces)) return error(i, 'replaces', `no credential with id "${c.replaces}"`);
    const first = successorOf.get(c.replaces);
    if (first) {
      return error(i, 'replaces', `"${c.replaces}" already has a successor, "${first[0]}" (credentials[${first[1]}]); one successor per predecessor`);
    }
    successorOf.set(c.replaces, [c.id, i]);
    edges.set(c.id, c.replaces);
  });

  // Each credential replaces at most one other, so following `replaces` either ends or comes back.
  const reported = new Set<string>();
  for (const start of edges.keys()) {
    const path = [start];
    let next = edges.get(start);
    while (next !== undefined && next !== start && !path.includes(next)) {
      path.push(next);
      next = edges.get(next);
    }
    if (next !== start || path.some((id) => reported.has(id))) continue;
    path.forEach((id) => reported.add(id));
    // Report once, at the loop's first credential in the file.
    const at = path.reduce((best, id) => ((indexOf.get(id) ?? 0) < (indexOf.get(best) ?? 0) ? id : best));
    const from = path.indexOf(at);
    const ordered = [...path.slice(from), ...path.slice(0, from)];
    const words = ordered.map((id, k) => `${id} replaces ${ordered[(k + 1) % ordered.length]}`).join(', ');
    error(indexOf.get(at) ?? 0, 'replaces', `rotation loop: ${words}`);
  }
  return problems.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

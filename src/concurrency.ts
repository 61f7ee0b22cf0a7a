/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Cooperative time slicing for work that is synchronous underneath (certificate parsing, file
 * reads): `await slice()` costs nothing until `budgetMs` of uninterrupted work has passed, then
 * gives the event loop one turn (timers, I/O: /healthz) before going on. Shared by all workers of
 * a mapLimit, and they all wait on the same turn: if each worker yielded on its own, their
 * setImmediate callbacks would run back to back in one loop phase, `budgetMs` each, and the loop
 * would not reach I/O for workers × budgetMs.
 */
export function timeSlicer(budgetMs = 8, now: () => number = () => performance.now()): () => Promise<void> | undefined {
  let since = now();
  let turn: Promise<void> | null = null;
  return () => {
    if (turn) return turn;
    if (now() - since < budgetMs) return undefined;
    turn = new Promise<void>((resolve) =>
      setImmediate(() => {
        turn = null;
        since = now();
        resolve();
      }),
    );
    return turn;
  };
}

/** Resolves on the next turn of the event loop (setImmediate): whatever I/O is waiting goes first. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

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
 * gives the event loop one turn (timers, /healthz) before going on. Shared by all workers of a
 * mapLimit, so the whole cycle yields at least every `budgetMs`.
 */
export function timeSlicer(budgetMs = 8): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

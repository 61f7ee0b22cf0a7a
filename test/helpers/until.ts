// Polls until a condition holds or a bound passes: tests wait for what they expect, never a fixed time.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UntilOptions {
  /** Give up after this long (default 20 s). */
  ms?: number;
  /** Between tries (default 200 ms). */
  everyMs?: number;
  /** Added to the timeout error, e.g. the tail of a daemon's stderr. */
  context?: () => string;
}

/**
 * Calls `fn` until it returns something truthy, and returns that. A throw counts as "not yet"; the
 * last one is named in the timeout error.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, o: UntilOptions | number = {}): Promise<T> {
  const { ms = 20_000, everyMs = 200, context } = typeof o === 'number' ? { ms: o } : o;
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      const why = last ? `: ${(last as Error).message}` : '';
      throw new Error(`timed out after ${ms} ms waiting for ${what}${why}${context ? `\n${context()}` : ''}`);
    }
    await sleep(everyMs);
  }
}

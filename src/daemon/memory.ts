import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps V8's young generation at its initial size (1 MB semi-spaces) instead of letting it grow
 * to 16 MB ones after the first busy cycle. A daemon that is idle between cycles does not need the
 * throughput, and the grown semi-spaces stay resident for good: about a third of idle RSS. The
 * flag is read each time V8 considers growing new space, so setting it at start-up takes effect;
 * the price is more (cheap) scavenges during a cycle.
 */
export function keepYoungGenerationSmall(): void {
  if (process.env.CREDWATCH_V8_DEFAULTS === '1') return;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  // Not --optimize-for-size: measured on 1,000 clara + 1,000 x509 it lowered the peak RSS by a
  // quarter (about 240 MB to 190 MB) but cost half again as much CPU per steady-state probe
  // (3.4 ms to 5.1 ms). The heap is compacted when the daemon goes idle instead (compactWhenIdle).
}

/** How long after a cycle the daemon must have stayed idle before it compacts its heap. */
const IDLE_COMPACT_DELAY_MS = 2000;
const MEMORY_REDUCING = { type: 'major', execution: 'sync', flavor: 'last-resort' } as const;

type Collector = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let collector: Collector | null | undefined;

/** V8's full collection, reached without a command-line flag (null where the runtime refuses). */
function fullCollection(): Collector | null {
  if (collector === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collector = runInNewContext('gc') as Collector;
    } catch {
      collector = null;
    }
  }
  return collector;
}

/**
 * After a cycle, once the daemon has stayed idle for a moment: full, compacting collections.
 * The cycle's garbage would otherwise keep its pages resident until V8's memory reducer gets to
 * them, if it does; an idle daemon with 1,000 x509 credentials held a 31 MB heap with 14 MB live.
 * A pause of a few tens of milliseconds per cycle, off the cycle.
 */
export function compactWhenIdle(busy: () => boolean): void {
  if (process.env.CREDWATCH_V8_DEFAULTS === '1') return;
  setTimeout(() => {
    const gc = busy() ? null : fullCollection();
    if (!gc) return;
    // V8's memory-reducing flavour ('last-resort': compact, give pages back) where the runtime
    // knows the option. V8 shrinks the young generation (16 MB once grown) only when it measured
    // some allocation since the previous collection: an idle daemon measures exactly none and
    // kept it about half the runs (idle RSS 96 MB instead of 77 MB). A few hundred KB allocated
    // between two collections lets the second one shrink it, every run measured.
    gc(MEMORY_REDUCING);
    const trickle = Array.from({ length: 4096 }, (_, i) => ({ i }));
    gc(MEMORY_REDUCING);
    void trickle;
  }, IDLE_COMPACT_DELAY_MS).unref();
}

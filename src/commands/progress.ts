// A progress line on stderr for a check that keeps a person waiting at a terminal: nothing for
// the first two seconds (most checks are done by then), nothing at all when stderr is not a
// terminal (cron, CI, pipes keep their logs clean).

interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

interface ProgressOptions {
  /** Quiet this long before the first line. */
  delayMs?: number;
  /** Redraw at most this often. */
  intervalMs?: number;
  clock?: () => number;
}

interface Progress {
  update(done: number, total: number): void;
  /** Clears the line (if one was drawn) and stops the timer. */
  stop(): void;
}

const PROGRESS_DELAY_MS = 2000;

export function progressLine(done: number, total: number, elapsedMs: number): string {
  return `checking: ${done}/${total} credential${total === 1 ? '' : 's'} done, ${(elapsedMs / 1000).toFixed(1)} s`;
}

export function startProgress(stream: ProgressStream, opts: ProgressOptions = {}): Progress {
  if (stream.isTTY !== true) return { update() {}, stop() {} };
  const clock = opts.clock ?? Date.now;
  const started = clock();
  let done = 0;
  let total = 0;
  let drawn = false;
  const draw = () => {
    stream.write(`\r\x1b[K${progressLine(done, total, clock() - started)}`);
    drawn = true;
  };
  let timer: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    timer = setInterval(draw, opts.intervalMs ?? 250);
    timer.unref();
  }, opts.delayMs ?? PROGRESS_DELAY_MS);
  delay.unref();
  return {
    update(d, t) {
      done = d;
      total = t;
    },
    stop() {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

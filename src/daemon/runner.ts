import type { Logger } from 'pino';

export type CycleReason = 'start' | 'schedule' | 'reload';

/**
 * Runs cycles one at a time. A request while one runs is remembered (several collapse into one)
 * and served as soon as the running cycle ends: a slow cycle delays the next, it never overlaps it.
 */
export class CycleRunner {
  #current: Promise<void> | null = null;
  #pending: CycleReason | null = null;
  #stopped = false;

  constructor(
    private readonly runOne: (reason: CycleReason) => Promise<void>,
    private readonly log: Logger,
  ) {}

  get busy(): boolean {
    return this.#current !== null;
  }

  request(reason: CycleReason): void {
    if (this.#stopped) return;
    if (this.#current) {
      if (!this.#pending) this.log.warn({ reason }, 'previous cycle still running; the next one starts when it finishes');
      this.#pending ??= reason;
      return;
    }
    this.#current = this.#loop(reason);
  }

  async #loop(first: CycleReason): Promise<void> {
    let reason: CycleReason | null = first;
    while (reason && !this.#stopped) {
      this.#pending = null;
      try {
        await this.runOne(reason);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'cycle failed');
      }
      reason = this.#pending;
    }
    this.#current = null;
  }

  /** No new cycles; resolves true when the one in flight (if any) ended within `ms`. */
  async stop(ms: number): Promise<boolean> {
    this.#stopped = true;
    this.#pending = null;
    if (!this.#current) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const done = await Promise.race([this.#current.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }
}

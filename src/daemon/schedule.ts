import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

/**
 * The cron side of the daemon: ticks call `onTick`; overlap is handled by the CycleRunner,
 * not by node-cron, so that a tick during a slow cycle is kept (and logged) instead of dropped.
 */
export class Schedule {
  #task: ScheduledTask | null = null;
  #expr = '';

  constructor(
    private readonly onTick: () => void,
    private readonly log: Logger,
  ) {}

  get expression(): string {
    return this.#expr;
  }

  start(expr: string): void {
    this.stop();
    this.#expr = expr;
    this.#task = cron.schedule(expr, () => this.onTick(), {
      name: 'credwatch-check',
      // Late ticks (a blocked event loop, a suspended VM) are not worth node-cron's console warning.
      suppressMissedWarning: true,
      logger: {
        info: (m) => this.log.debug({ cron: m }, 'node-cron'),
        warn: (m) => this.log.warn({ cron: m }, 'node-cron'),
        error: (m) => this.log.error({ cron: String(m) }, 'node-cron'),
        debug: (m) => this.log.debug({ cron: String(m) }, 'node-cron'),
      },
    });
  }

  get running(): boolean {
    const s = this.#task?.getStatus();
    return s !== undefined && s !== 'stopped' && s !== 'destroyed';
  }

  /** The second scheduled run from now: a cycle must have finished by then (plus grace) to be healthy. */
  secondRunFromNow(): number {
    const runs = this.#task?.getNextRuns(2) ?? [];
    return runs[1]?.getTime() ?? runs[0]?.getTime() ?? Date.now();
  }

  nextRun(): Date | null {
    return this.#task?.getNextRun() ?? null;
  }

  stop(): void {
    if (this.#task) void this.#task.destroy();
    this.#task = null;
  }
}

import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import type { CheckReport } from '../types.js';
import { recordedReport } from '../commands/status.js';
import { ackVersion } from '../store/acks.js';
import { latestCheckId } from '../store/results.js';

/**
 * The recorded report, rebuilt only when a new check was recorded (by this daemon or by a
 * `credwatch check` against the same database) or the config was swapped. /status, /metrics and
 * the page read it on every request; between cycles it never changes.
 */
export class ReportCache {
  #key = '';
  #config: Config | null = null;
  #report: CheckReport | null = null;

  constructor(private readonly db: Db) {}

  get(config: Config): CheckReport {
    // An `ack` from another process changes what is shown without a new check.
    const key = `${latestCheckId(this.db)}:${ackVersion(this.db)}`;
    if (this.#report && key === this.#key && config === this.#config) return this.#report;
    this.#report = recordedReport(config, this.db);
    this.#key = key;
    this.#config = config;
    return this.#report;
  }
}

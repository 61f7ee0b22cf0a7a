// The long-running service: one cycle at start, then on schedule.check, never overlapping;
// the HTTP server; SIGHUP reload; a bounded, clean stop.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { runCycle } from '../cycle.js';
import { ProbeStates } from '../probe-states.js';
import { busyTimeout, openDatabase, probeDatabaseWrite, setBusyTimeout, type Db } from '../store/db.js';
import { dailyHistory, lastCheck } from '../store/results.js';
import { eventsForCredential } from '../store/outbox.js';
import { probeRequestTotals } from '../store/probe-requests.js';
import { assessHealth, databaseGone, databaseIdentity, diskFull, type DatabaseIdentity, type HealthReport } from '../server/health.js';
import { processRegistry } from '../server/metrics.js';
import { startServer, type RunningServer, type ServerContext } from '../server/server.js';
import { metricsSnapshot } from '../server/snapshot.js';
import { x509Family } from '../server/x509-metrics.js';
import { formatListen } from '../server/listen.js';
import { createAlertStage, type AlertStage } from './alerts-stage.js';
import { describeChange, loadForReload } from './reload.js';
import { CycleRunner, type CycleReason } from './runner.js';
import { Schedule } from './schedule.js';
import { ReportCache } from './report-cache.js';

interface DaemonOptions {
  config: Config;
  log: Logger;
  /** How long SIGTERM waits for the cycle in flight before abandoning it (its transaction never started or is atomic). */
  shutdownGraceMs?: number;
}

const SHUTDOWN_GRACE_MS = 4000;

/** The daemon's SQLite lock wait: short, so no statement blocks the event loop for long. */
const DAEMON_BUSY_TIMEOUT_MS = 100;
/** A cycle that met another process's lock runs again after this long. */
const BUSY_RETRY_MS = 2000;
/** A lock held by someone else this long makes /healthz unhealthy. */
const LOCK_TOLERANCE_MS = 30_000;

const isBusy = (err: unknown) => /SQLITE_BUSY|SQLITE_LOCKED/.test(String((err as { code?: string })?.code)) || /database is locked/i.test(String((err as Error)?.message));

export class Daemon {
  #config: Config;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #states = new ProbeStates();
  readonly #schedule: Schedule;
  readonly #runner: CycleRunner;
  readonly #processRegistry = processRegistry();
  #db!: Db;
  #reports!: ReportCache;
  #alerts!: AlertStage;
  #server: RunningServer | null = null;
  #alertsBusy: Promise<void> = Promise.resolve();
  #cycleNo = 0;
  #cycles = { ok: 0, failed: 0 };
  #lastFinishedAt: string | null = null;
  #lastDurationMs = 0;
  #deadline = 0;
  #stopping: Promise<void> | null = null;
  #dbIdentity: DatabaseIdentity | null = null;
  #lockedSince: number | null = null;
  #reloading: Promise<void> = Promise.resolve();
  /** The config loaded at start counts as the first successful load (as Prometheus counts it). */
  #configReload = { successful: true, lastSuccessAt: Date.now() };
  #resolveStopped!: () => void;
  /** Resolves once the daemon has stopped and closed everything. */
  readonly stopped: Promise<void>;

  constructor(opts: DaemonOptions) {
    this.#config = opts.config;
    this.#log = opts.log;
    this.#graceMs = opts.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
    this.#runner = new CycleRunner((reason) => this.#cycle(reason), opts.log);
    this.#schedule = new Schedule(() => this.#runner.request('schedule'), opts.log);
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
  }

  get config(): Config {
    return this.#config;
  }

  /** Opens the database, binds the server, starts the schedule and the first cycle. Throws if any cannot start. */
  async start(): Promise<void> {
    const c = this.#config;
    this.#db = openDatabase(c.database);
    // From here on a lock held by another process must not stall the event loop (and /healthz)
    // for seconds: waits are short, and a cycle that met a lock is retried asynchronously.
    setBusyTimeout(this.#db, DAEMON_BUSY_TIMEOUT_MS);
    this.#dbIdentity = databaseIdentity(c.database);
    this.#reports = new ReportCache(this.#db);
    try {
      this.#server = await startServer(this.#context(), c.server.listen);
    } catch (err) {
      this.#db.close();
      throw new Error(`cannot listen on ${c.server.listen}: ${(err as Error).message}`);
    }
    this.#alerts = createAlertStage(this.#db, () => this.#config, this.#log);
    this.#schedule.start(c.schedule.check);
    this.#deadline = this.#nextDeadline();
    this.#log.info(
      {
        listen: formatListen(this.#server.address),
        schedule: c.schedule.check,
        nextRun: this.#schedule.nextRun()?.toISOString(),
        credentials: c.credentials.length,
        database: c.database,
        auth: c.server.token ? 'bearer' : 'none',
      },
      'credwatch daemon started',
    );
    this.#runner.request('start');
  }

  /** The listening address (useful when the config asked for port 0). */
  get address() {
    return this.#server?.address ?? null;
  }

  async #cycle(reason: CycleReason): Promise<void> {
    const config = this.#config;
    const n = ++this.#cycleNo;
    const t0 = performance.now();
    try {
      const report = await runCycle(config, this.#db, {
        now: new Date(),
        log: this.#log.child({ cycle: n, reason }),
        probeStates: this.#states,
      });
      this.#cycles.ok++;
      this.#lastFinishedAt = new Date().toISOString();
      this.#lastDurationMs = performance.now() - t0;
      this.#deadline = this.#nextDeadline();
      // Stopping: still queue the events (a local transaction), but skip the network re-post.
      await this.#serialAlerts(() => this.#alerts.afterCycle(report, { repost: !this.#stopping }));
    } catch (err) {
      this.#cycles.failed++;
      if (isBusy(err) && !this.#stopping) {
        this.#log.warn({ retryInMs: BUSY_RETRY_MS }, 'database locked by another process; retrying the cycle shortly');
        setTimeout(() => this.#runner.request(reason), BUSY_RETRY_MS).unref();
      }
      throw err;
    }
  }

  /** Alert work after each cycle runs one at a time (the dispatcher has its own loop). */
  #serialAlerts(fn: () => Promise<void>): Promise<void> {
    const run = this.#alertsBusy.then(fn).catch((err) => this.#log.error({ err: (err as Error).message }, 'notification stage failed'));
    this.#alertsBusy = run;
    return run;
  }

  /** Two schedule periods from now, plus room for one cycle to run. */
  #nextDeadline(): number {
    return this.#schedule.secondRunFromNow() + Math.max(this.#lastDurationMs, this.#config.probe.timeoutMs);
  }

  health(): HealthReport {
    return assessHealth({
      schedulerRunning: this.#schedule.running && !this.#stopping,
      deadline: this.#deadline,
      lastCycleFinishedAt: this.#lastFinishedAt,
      databaseError: this.#databaseProblem(),
      now: Date.now(),
    });
  }

  /**
   * The write probe never waits for a lock (busy_timeout 0): /healthz must answer at once. A lock
   * held by someone else counts as a problem only once it has lasted longer than a cycle may take.
   */
  #databaseProblem(): string | null {
    if (!this.#db.open) return 'database is closed';
    const file = this.#config.database;
    const gone = databaseGone(file, this.#dbIdentity);
    if (gone) return gone;
    const busy = busyTimeout(this.#db);
    setBusyTimeout(this.#db, 0);
    let error: string | null;
    try {
      error = probeDatabaseWrite(this.#db);
    } finally {
      setBusyTimeout(this.#db, busy);
    }
    if (error && /locked|busy/i.test(error)) {
      this.#lockedSince ??= Date.now();
      if (Date.now() - this.#lockedSince < LOCK_TOLERANCE_MS) return null;
      return `${file} has been locked by another process for ${Math.round((Date.now() - this.#lockedSince) / 1000)} s`;
    }
    this.#lockedSince = null;
    if (!error && diskFull(file)) return `${file}: disk full`;
    return error && /full/i.test(error) ? `${file}: disk full (${error})` : error;
  }

  #context(): ServerContext {
    return {
      config: () => this.#config,
      report: () => this.#reports.get(this.#config),
      health: () => this.health(),
      metrics: () => {
        const report = this.#reports.get(this.#config);
        return metricsSnapshot(report, {
          lastCheck: lastCheck(this.#db),
          // The server is up a moment before the alert stage: report nothing rather than fail.
          notifications: this.#alerts?.notificationCounts() ?? [],
          outboxBacklog: this.#alerts?.backlog() ?? null,
          outboxOldestPendingSeconds: this.#alerts?.oldestPendingSeconds() ?? null,
          cycles: { ...this.#cycles },
          probeRequests: probeRequestTotals(this.#db),
          configReload: { ...this.#configReload },
          x509: this.#config.server.metrics?.x509CertificateExporter ? x509Family(this.#config, report.credentials, new Date()) : undefined,
        });
      },
      processRegistry: this.#processRegistry,
      log: this.#log,
      history: (id, since) => dailyHistory(this.#db, id, since),
      events: (id, since) => eventsForCredential(this.#db, id, since),
    };
  }

  /** SIGHUP: a config with any problem is rejected (every problem logged); a good one takes over for the next cycle. */
  reload(): Promise<void> {
    // Two quick SIGHUPs reload twice, one after the other, never interleaved.
    this.#reloading = this.#reloading.then(() => this.#reload());
    return this.#reloading;
  }

  async #reload(): Promise<void> {
    if (this.#stopping) return;
    const next = loadForReload(this.#config.file, this.#log);
    if (!next) {
      this.#configReload = { ...this.#configReload, successful: false };
      return;
    }
    if (this.#stopping) return;
    this.#configReload = { successful: true, lastSuccessAt: Date.now() };
    const before = this.#config;
    const change = describeChange(before, next);
    if (change.database) {
      // Swapping databases under a running outbox could lose or repeat events; a restart is the honest way.
      this.#log.warn({ running: before.database, configured: next.database }, 'database path changed: takes effect on restart; keeping the open database');
      next.database = before.database;
    }
    if (change.listen) {
      try {
        const server = await startServer(this.#context(), next.server.listen);
        const old = this.#server;
        this.#server = server;
        await old?.close();
      } catch (err) {
        this.#log.error({ listen: next.server.listen, err: (err as Error).message }, 'cannot listen on the new address; keeping the old one');
        next.server = { ...next.server, listen: before.server.listen };
      }
    }
    this.#config = next;
    if (change.schedule) this.#schedule.start(next.schedule.check);
    this.#deadline = Math.max(this.#deadline, this.#nextDeadline());
    await this.#states.retain(new Set(next.credentials.map((c) => c.id)));
    this.#log.info(
      { credentials: next.credentials.length, added: change.added, removed: change.removed, schedule: next.schedule.check, listen: next.server.listen },
      'config reloaded',
    );
    // New credentials should not wait a whole period to show up.
    this.#runner.request('reload');
  }

  /** Stops scheduling, lets the cycle in flight finish (bounded), closes the server and the database. */
  shutdown(signal: string): Promise<void> {
    this.#stopping ??= this.#shutdown(signal);
    return this.#stopping;
  }

  async #shutdown(signal: string): Promise<void> {
    const t0 = performance.now();
    this.#log.info({ signal, cycleInFlight: this.#runner.busy }, 'stopping');
    this.#schedule.stop();
    const closing = this.#server?.close();
    const finished = await this.#runner.stop(this.#graceMs);
    if (!finished) this.#log.warn({ graceMs: this.#graceMs }, 'cycle still running after the grace period; abandoning it (nothing half-written: results are recorded in one transaction)');
    else await Promise.race([this.#alertsBusy, new Promise((r) => setTimeout(r, 500).unref())]);
    await this.#alerts?.stop(500);
    await Promise.race([closing, new Promise((r) => setTimeout(r, 500).unref())]);
    await Promise.race([this.#states.close(), new Promise((r) => setTimeout(r, 500).unref())]);
    if (this.#db?.open) this.#db.close();
    this.#log.info({ signal, durationMs: Math.round(performance.now() - t0) }, 'stopped');
    this.#log.flush?.();
    this.#resolveStopped();
  }
}

// Shared pieces for the alert, outbox and notifier tests: results built by the real evaluator,
// a config, an on-disk database with the real migrations, loggers that can be read back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { evaluate, DAY_MS } from '../../src/evaluate.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import type { Config, CredentialConfig, NotifierConfig } from '../../src/config/schema.js';
import type { CertificateSummary, CredentialResult, ProbeResult } from '../../src/types.js';
import type { AlertEvent } from '../../src/alerts/types.js';

export { DAY_MS };
export const HOUR_MS = 3_600_000;

export const T0 = new Date('2026-11-22T10:00:00.000Z');
export const at = (days: number, from = T0) => new Date(from.getTime() + days * DAY_MS);
export const hours = (h: number, from: Date) => new Date(from.getTime() + h * HOUR_MS);

export interface ResultSpec {
  id?: string;
  kind?: string;
  now: Date;
  /** The credential's expiry; omitted for a credential with no date. */
  expiresAt?: Date;
  /** Certificate fingerprints (renewal detection). */
  fingerprints?: string[];
  /** 'ok' / 'failing' runs a probe; null (default) means no probe this cycle. */
  probe?: 'ok' | 'failing' | null;
  /** Could not inspect (status error). */
  error?: string;
}

const cert = (fingerprint256: string, expiresAt: Date): CertificateSummary => ({
  source: 'certificate',
  subject: 'CN=credwatch test',
  issuer: 'CN=credwatch test CA',
  serial: '01',
  fingerprint256,
  notBefore: new Date(expiresAt.getTime() - 365 * DAY_MS).toISOString(),
  notAfter: expiresAt.toISOString(),
});

/** A probe that passed (200 at `call`) or whose token was rejected (401 at `token`). */
export const probeResult = (ok: boolean, latencyMs = 12): ProbeResult => ({
  ok,
  stage: ok ? 'call' : 'token',
  httpStatus: ok ? 200 : 401,
  latencyMs,
  tokenExpiresAt: null,
  error: ok ? null : { code: 'token_rejected', message: 'token endpoint answered 401' },
});

/** A result as the real evaluator makes it (thresholds 30/7, renewal lead 14 days, alert on first probe failure). */
export function result(spec: ResultSpec): CredentialResult {
  const fps = spec.fingerprints ?? [];
  return evaluate({
    id: spec.id ?? 'api-cert',
    kind: spec.kind ?? 'x509',
    observation: {
      expiries: spec.expiresAt ? [{ source: fps.length ? 'certificate' : 'secret', expiresAt: spec.expiresAt }] : [],
      findings: [],
      certificates: spec.expiresAt ? fps.map((f) => cert(f, spec.expiresAt!)) : [],
      ...(spec.error ? { error: { code: 'file_missing', message: spec.error } } : {}),
    },
    probe: spec.probe ? probeResult(spec.probe === 'ok') : null,
    previousProbeFailures: 0,
    warningDays: 30,
    criticalDays: 7,
    renewalLeadDays: 14,
    failuresBeforeAlert: 1,
    now: spec.now,
  });
}

export function credential(id: string, extra: Partial<CredentialConfig> = {}): CredentialConfig {
  return { id, kind: 'x509', renewalLeadDays: 14, ...extra };
}

export function config(o: { credentials?: CredentialConfig[]; notifiers?: NotifierConfig[]; notify?: string[]; owner?: string; remindDays?: number[]; repeatHours?: number } = {}): Config {
  return {
    file: '/tmp/credwatch.yaml',
    database: ':memory:',
    retentionDays: 400,
    thresholds: { warningDays: 30, criticalDays: 7, remindDays: o.remindDays ?? [60, 30, 14, 7, 3, 1], repeatHours: o.repeatHours ?? 24 },
    probe: { timeoutMs: 5000, concurrency: 4, failuresBeforeAlert: 1 },
    schedule: { check: '*/15 * * * *' },
    server: { listen: '127.0.0.1:0' },
    notifiers: o.notifiers ?? [],
    ha: false,
    defaults: { notify: o.notify ?? [], ...(o.owner ? { owner: o.owner } : {}) },
    credentials: o.credentials ?? [credential('api-cert')],
  };
}

/** A fresh on-disk database with the real migrations; `reopen` simulates a restart. */
export function tempDb(): { dir: string; file: string; db: Db; reopen(): Db; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-alerts-'));
  const file = join(dir, 'credwatch.db');
  const handle = {
    dir,
    file,
    db: openDatabase(file),
    reopen() {
      handle.db.close();
      handle.db = openDatabase(file);
      return handle.db;
    },
    cleanup() {
      try {
        handle.db.close();
      } catch {
        // already closed
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

export const silentLog = (): Logger => pino({ level: 'silent' });

/** A logger whose every line (JSON) is kept, for leak checks. */
export function capturingLog(): { log: Logger; text(): string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { log: pino({ level: 'trace' }, sink), text: () => lines.join('') };
}

/** Every value of every row of every table, as one string (for "is the canary anywhere?"). */
export function dumpDatabase(db: Db): string {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  return tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t.name}"`).all())).join('\n');
}

/** An event with characters every renderer must escape (& < > " '). */
export function sampleEvent(over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    id: 'clara-erp-prod:expiry:1:firing-critical',
    event: 'firing',
    severity: 'critical',
    credential: { id: 'clara-erp-prod', kind: 'clara-project', owner: 'payments-team', runbook: 'https://wiki.example.com/runbooks/clara?team=pay&env=prod' },
    expiresAt: '2026-11-27T00:00:00.000Z',
    daysLeft: 4,
    renewBy: '2026-11-06T00:00:00.000Z',
    summary: 'clara-erp-prod: critical, expires in 4 days (2026-11-27)',
    reasons: ['project expires in 4 days (2026-11-27)', `key file is readable by <group> & "others" ('o+r')`],
    occurredAt: '2026-11-22T10:00:00.000Z',
    ...over,
  };
}

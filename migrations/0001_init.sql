-- One row per check cycle.
CREATE TABLE checks (
  id          INTEGER PRIMARY KEY,
  checked_at  TEXT    NOT NULL,          -- the run's clock (--at replaces it)
  started_at  TEXT    NOT NULL,          -- wall clock
  duration_ms INTEGER NOT NULL,
  credentials INTEGER NOT NULL,
  summary     TEXT    NOT NULL           -- JSON { ok, warning, ... }
);

-- One row per credential per check. Never a secret: certificates hold fingerprints and serials.
CREATE TABLE results (
  id             INTEGER PRIMARY KEY,
  check_id       INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
  credential_id  TEXT    NOT NULL,
  kind           TEXT    NOT NULL,
  checked_at     TEXT    NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('ok','warning','critical','expired','failing','error')),
  expires_at     TEXT,
  days_left      INTEGER,
  renew_by       TEXT,
  expiries       TEXT    NOT NULL,       -- JSON [{ source, expiresAt, daysLeft }]
  certificates   TEXT    NOT NULL,       -- JSON [{ source, subject, issuer, serial, fingerprint256, notBefore, notAfter }]
  probe          TEXT,                   -- JSON probe result or NULL
  probe_failures INTEGER NOT NULL DEFAULT 0,
  expiry_level   TEXT    NOT NULL,
  probe_level    TEXT    NOT NULL,
  reasons        TEXT    NOT NULL        -- JSON [string]
);
CREATE INDEX results_credential ON results (credential_id, id);
CREATE INDEX results_checked_at ON results (checked_at);

-- The newest result of each credential, so reading current state never scans history.
CREATE TABLE latest_results (
  credential_id TEXT PRIMARY KEY,
  result_id     INTEGER NOT NULL REFERENCES results(id)
);

-- Probe request accounting (billed quotas) and alert acknowledgements.

-- Every HTTP request a probe made, per credential, calendar month (UTC, of the run's clock) and type.
-- Monotonic: credwatch_probe_requests_total sums the months; never pruned with history.
CREATE TABLE probe_requests (
  credential_id TEXT    NOT NULL,
  month         TEXT    NOT NULL,          -- YYYY-MM
  type          TEXT    NOT NULL CHECK (type IN ('token','call')),
  count         INTEGER NOT NULL,
  PRIMARY KEY (credential_id, month, type)
);

-- "We are on it": silences reminders of one credential until a new firing, an escalation,
-- resolution, `until` or `credwatch unack` ends it. Ended rows are kept as history.
CREATE TABLE acks (
  id            INTEGER PRIMARY KEY,
  credential_id TEXT    NOT NULL,
  acked_by      TEXT    NOT NULL,
  note          TEXT,
  at            TEXT    NOT NULL,          -- when it was given (wall clock)
  until         TEXT,                      -- ends by itself at this instant (the run's clock decides)
  ended_at      TEXT,
  end_reason    TEXT                       -- unack | until | firing | escalation | resolved
);
CREATE UNIQUE INDEX acks_active ON acks (credential_id) WHERE ended_at IS NULL;

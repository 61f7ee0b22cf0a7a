-- Alert state, the outbox and delivery bookkeeping. Never a secret: events hold the contract's
-- JSON only, errors are our own messages (no URLs with tokens, no passwords).

-- What has been announced for one condition of one credential. Written in the same transaction
-- as the events it causes, so a restart never re-announces and never forgets.
CREATE TABLE alert_state (
  credential_id TEXT    NOT NULL,
  condition     TEXT    NOT NULL CHECK (condition IN ('expiry','probe')),
  level         TEXT    NOT NULL CHECK (level IN ('ok','warning','critical','expired','failing')),
  episode       INTEGER NOT NULL,          -- part of every event id; a new one after resolve, renewal, de-escalation
  mark          INTEGER,                   -- lowest remindDays mark covered in this episode (NULL: none yet)
  repeats       INTEGER NOT NULL DEFAULT 0, -- repeat reminders sent in this episode
  last_event_at TEXT,                      -- occurredAt of the last firing/reminder (repeat clock)
  last_event_id TEXT,                      -- the last firing/reminder (what Alertmanager is re-sent)
  expires_at    TEXT,                      -- last known expiry (renewal detection)
  fingerprints  TEXT    NOT NULL DEFAULT '[]', -- JSON [sha256 fingerprint] last seen (renewal detection)
  updated_at    TEXT    NOT NULL,
  PRIMARY KEY (credential_id, condition)
);

-- The outbox: one row per event, keyed by its stable idempotency key.
CREATE TABLE alert_events (
  seq           INTEGER PRIMARY KEY,       -- insertion order: deliveries per alert go out in this order
  id            TEXT    NOT NULL UNIQUE,
  credential_id TEXT    NOT NULL,
  condition     TEXT    NOT NULL CHECK (condition IN ('expiry','probe')),
  event         TEXT    NOT NULL CHECK (event IN ('firing','reminder','resolved')),
  severity      TEXT    NOT NULL,
  level         TEXT    NOT NULL,          -- the condition's level after this event ('ok' for heads-up reminders and resolves)
  body          TEXT    NOT NULL,          -- the contract's event JSON
  created_at    TEXT    NOT NULL
);
CREATE INDEX alert_events_alert ON alert_events (credential_id, condition, seq);

-- One row per (event, notifier). Claimed with a conditional UPDATE so two dispatchers never both send.
CREATE TABLE deliveries (
  event_seq       INTEGER NOT NULL REFERENCES alert_events(seq) ON DELETE CASCADE,
  notifier        TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('pending','sending','delivered','failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT    NOT NULL,          -- wall clock
  claimed_by      TEXT,
  claimed_until   TEXT,                      -- a claim older than this was abandoned (crash) and may be taken over
  last_error_code TEXT,
  last_error      TEXT,
  delivered_at    TEXT,
  PRIMARY KEY (event_seq, notifier)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- Every attempt, whatever its outcome.
CREATE TABLE delivery_attempts (
  id            INTEGER PRIMARY KEY,
  event_id      TEXT    NOT NULL,            -- alert_events.id, or a test event's id
  notifier      TEXT    NOT NULL,
  attempt       INTEGER NOT NULL,
  started_at    TEXT    NOT NULL,
  finished_at   TEXT    NOT NULL,
  outcome       TEXT    NOT NULL CHECK (outcome IN ('delivered','retry','failed')),
  error_code    TEXT,
  error_message TEXT,
  retry_after_ms INTEGER
);
CREATE INDEX delivery_attempts_notifier ON delivery_attempts (notifier, id);

-- Monotonic counters for credwatch_notifications_total{notifier,outcome}; survive history pruning.
CREATE TABLE notification_counts (
  notifier TEXT    NOT NULL,
  outcome  TEXT    NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY (notifier, outcome)
);

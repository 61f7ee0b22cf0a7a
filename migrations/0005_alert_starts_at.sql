-- When the level an event announces began, as evaluated (not when a replica happened to post it):
-- Alertmanager's startsAt. For an expiry it is derived from the expiry itself (the instant the
-- level's threshold was crossed), so every replica of an HA pair posts the same value.
ALTER TABLE alert_events ADD COLUMN starts_at TEXT;

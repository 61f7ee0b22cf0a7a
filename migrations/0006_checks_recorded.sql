-- A large cycle's results are written in several short transactions, so the daemon's HTTP server
-- keeps answering while 10,000 rows go in. Its checks row is inserted first with recorded = 0 and
-- set to 1 in the transaction that moves the latest pointers: until then no reader sees the check.
-- Every check recorded before this migration was recorded whole.
ALTER TABLE checks ADD COLUMN recorded INTEGER NOT NULL DEFAULT 1;

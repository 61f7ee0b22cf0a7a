-- Rotation (contract v2): each result records where its credential's rotation pair stood.
ALTER TABLE results ADD COLUMN rotation TEXT; -- JSON { role, peer, state, overlapDaysLeft, switchedAt } or NULL

-- Retention deletes old results and then the checks rows left without any. SQLite looks up the
-- referencing rows of every deleted parent row, by the child's foreign-key column: without an index
-- on it, a scan of the whole child table per deleted row.
--  * results.check_id: the "no result left" test and ON DELETE CASCADE, for every deleted checks
--    row. Once history reached retentionDays, every cycle spent seconds blocked here (a year of
--    15-minute cycles for 100 credentials: 2.4 s per deleted checks row, 233 s for a day's 98
--    rows; with the index, 12 ms).
--  * latest_results.result_id: checked for every deleted results row (one row per credential, so
--    10,000 credentials made each of a cycle's 10,000 deletions scan 10,000 rows).
CREATE INDEX results_check_id ON results (check_id);
CREATE INDEX latest_results_result ON latest_results (result_id);

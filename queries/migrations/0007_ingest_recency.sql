-- Issue 7: an older export read after a newer one must not regress content,
-- and duplicate copies of a message must be counted.
--
-- data_through is how recent a run's data is: for an export, the end of the
-- day of its latest day file (any channel); for a Web API run, the run's
-- start. A stored message, channel or user is replaced only by a copy from
-- a run at least as recent as the run that stored it (ingest/merge.sql).
ALTER TABLE ingest_runs ADD COLUMN data_through TIMESTAMPTZ;
ALTER TABLE ingest_runs ADD COLUMN messages_duplicate BIGINT DEFAULT 0;
COMMENT ON COLUMN ingest_runs.data_through IS 'How recent the run''s data is (UTC): for an export, the end of the day of its latest day file; for a Web API run, its start. Stored rows are never replaced by copies from a less recent run (an older export read after a newer one). NULL for runs before this column existed.';
COMMENT ON COLUMN ingest_runs.messages_duplicate IS 'Extra copies of a message (same channel and ts) read in one batch and dropped: the copy with the newest edit is kept.';

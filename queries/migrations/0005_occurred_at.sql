-- "at" is an SQL keyword: every query on the evidence tables had to quote it.
-- Rename it to occurred_at in incident_events and incident_signals. The
-- tables' contents are rebuilt by every transform, so nothing is lost.

ALTER TABLE incident_events RENAME COLUMN "at" TO occurred_at;
COMMENT ON COLUMN incident_events.occurred_at IS 'The timestamp it set (UTC).';

ALTER TABLE incident_signals RENAME COLUMN "at" TO occurred_at;
COMMENT ON COLUMN incident_signals.occurred_at IS 'When the message was posted (UTC).';

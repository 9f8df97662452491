-- The nightly job's own record: one row per `aftermath run`, one per step.
CREATE SEQUENCE run_seq START 1;

CREATE TABLE runs (
	run_id       BIGINT NOT NULL,
	started_at   TIMESTAMPTZ NOT NULL,
	finished_at  TIMESTAMPTZ NOT NULL,
	status       VARCHAR NOT NULL,
	exit_code    INTEGER NOT NULL,
	failed_step  VARCHAR,
	error        VARCHAR,
	host         VARCHAR,
	pid          INTEGER,
	duration_ms  BIGINT NOT NULL
);
COMMENT ON TABLE runs IS 'Nightly job runs (aftermath run), one row per run, written when the run ends. A run killed before its end leaves no row; its ingest_runs row says interrupted.';
COMMENT ON COLUMN runs.run_id IS 'Run number, increasing.';
COMMENT ON COLUMN runs.started_at IS 'When the run took the lock (UTC).';
COMMENT ON COLUMN runs.finished_at IS 'When the last step ended (UTC).';
COMMENT ON COLUMN runs.status IS 'ok, partial (some inputs skipped, exit code 3) or failed.';
COMMENT ON COLUMN runs.exit_code IS 'The process exit code (SPEC §2): 0 ok, 1 failure, 2 configuration, 3 partial, 5 Slack authentication.';
COMMENT ON COLUMN runs.failed_step IS 'The first step that failed, or NULL.';
COMMENT ON COLUMN runs.error IS 'That step''s error message, or NULL.';
COMMENT ON COLUMN runs.host IS 'Host name of the machine that ran it.';
COMMENT ON COLUMN runs.pid IS 'Process ID of the run.';
COMMENT ON COLUMN runs.duration_ms IS 'Wall time of the whole run, in milliseconds.';

CREATE TABLE run_steps (
	run_id       BIGINT NOT NULL,
	position     INTEGER NOT NULL,
	step         VARCHAR NOT NULL,
	status       VARCHAR NOT NULL,
	started_at   TIMESTAMPTZ NOT NULL,
	finished_at  TIMESTAMPTZ NOT NULL,
	duration_ms  BIGINT NOT NULL,
	counts       MAP(VARCHAR, BIGINT),
	error        VARCHAR
);
COMMENT ON TABLE run_steps IS 'The steps of each nightly run, in order: ingest, transform, report, publish.';
COMMENT ON COLUMN run_steps.run_id IS 'runs.run_id of the run.';
COMMENT ON COLUMN run_steps.position IS 'Order of the step in the run, from 1.';
COMMENT ON COLUMN run_steps.step IS 'Step name: ingest, transform, report or publish.';
COMMENT ON COLUMN run_steps.status IS 'ok, partial, failed, skipped (a step it needs did not succeed) or disabled (by run.* in the configuration).';
COMMENT ON COLUMN run_steps.started_at IS 'When the step started (UTC).';
COMMENT ON COLUMN run_steps.finished_at IS 'When the step ended (UTC).';
COMMENT ON COLUMN run_steps.duration_ms IS 'Wall time of the step, in milliseconds.';
COMMENT ON COLUMN run_steps.counts IS 'The step''s figures by name: messages_new, api_calls, rate_limited, incidents, snapshot_bytes, ...';
COMMENT ON COLUMN run_steps.error IS 'The step''s error or skip reason, or NULL.';

-- The key of the snapshot's user pseudonyms (privacy.pseudonymize_users). It
-- stays in the working warehouse: the published snapshot never holds it, so
-- a pseudonym cannot be turned back into a user ID by hashing known IDs.
CREATE TABLE snapshot_key (
	key        VARCHAR NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE snapshot_key IS 'Secret key of the user pseudonyms in published snapshots (privacy.pseudonymize_users); one row, made on first use, never published.';
COMMENT ON COLUMN snapshot_key.key IS 'Random key mixed into each pseudonym''s hash; stable, so pseudonyms are the same every night.';
COMMENT ON COLUMN snapshot_key.created_at IS 'When the key was made (UTC).';

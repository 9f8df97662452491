-- The derived layer: what transform builds from the raw tables. Transform
-- replaces the contents of these tables in one transaction; their names and
-- columns are the contract analysts rely on.

CREATE TABLE incidents (
	incident_id           VARCHAR NOT NULL,
	kind                  VARCHAR NOT NULL,
	channel_id            VARCHAR NOT NULL,
	channel_name          VARCHAR NOT NULL,
	thread_ts             VARCHAR,
	title                 VARCHAR,
	severity              VARCHAR,
	severity_label        VARCHAR,
	service               VARCHAR,
	status                VARCHAR NOT NULL,
	started_at            TIMESTAMPTZ NOT NULL,
	declared_at           TIMESTAMPTZ NOT NULL,
	detected_at           TIMESTAMPTZ,
	acknowledged_at       TIMESTAMPTZ,
	mitigated_at          TIMESTAMPTZ,
	resolved_at           TIMESTAMPTZ,
	closed_at             TIMESTAMPTZ,
	postmortem_url        VARCHAR,
	postmortem_at         TIMESTAMPTZ,
	detection_source      VARCHAR NOT NULL,
	alert_name            VARCHAR,
	participants          INTEGER NOT NULL,
	message_count         INTEGER NOT NULL,
	time_to_acknowledge_s BIGINT,
	time_to_mitigate_s    BIGINT,
	time_to_resolve_s     BIGINT,
	resolve_target_s      BIGINT,
	within_target         BOOLEAN,
	postmortem_required   BOOLEAN NOT NULL,
	time_to_postmortem_s  BIGINT,
	recurrence_key        VARCHAR,
	recurrence_of         VARCHAR,
	regression_test       VARCHAR NOT NULL,
	excluded              BOOLEAN NOT NULL,
	exclusion_reason      VARCHAR,
	quality_flags         INTEGER NOT NULL,
	slack_url             VARCHAR
);
COMMENT ON TABLE incidents IS 'One row per incident found in Slack: a channel per incident, or a thread in a shared incident channel. Every timestamp has its evidence in incident_events.';
COMMENT ON COLUMN incidents.incident_id IS 'Stable ID: the channel ID for a channel incident, channel_id:thread_ts for a thread incident.';
COMMENT ON COLUMN incidents.kind IS 'channel (one channel per incident) or thread (a thread in a shared incident channel).';
COMMENT ON COLUMN incidents.channel_id IS 'channels.channel_id where the incident lives.';
COMMENT ON COLUMN incidents.channel_name IS 'Current name of that channel.';
COMMENT ON COLUMN incidents.thread_ts IS 'ts of the declaring message, for thread incidents.';
COMMENT ON COLUMN incidents.title IS 'Title from the incident bot, the declaration, the alert or the channel topic; else the channel name.';
COMMENT ON COLUMN incidents.severity IS 'Normalised severity SEV0 (worst) to SEV4, from the last severity stated; NULL if none was.';
COMMENT ON COLUMN incidents.severity_label IS 'The severity as written (Major, P1, SEV-2, High, …).';
COMMENT ON COLUMN incidents.service IS 'Affected service from the service catalog (incidents.services in the configuration) or an explicit Service field; NULL if unknown.';
COMMENT ON COLUMN incidents.status IS 'open, mitigated or resolved, as of the transform.';
COMMENT ON COLUMN incidents.started_at IS 'Impact start: an explicitly stated start if any, else the earlier of detected_at and declared_at.';
COMMENT ON COLUMN incidents.declared_at IS 'When the incident was declared: the channel''s creation, or the declaring message.';
COMMENT ON COLUMN incidents.detected_at IS 'When the alert that started it fired, if an alerting bot posted one.';
COMMENT ON COLUMN incidents.acknowledged_at IS 'Explicit acknowledgement, else the first human response after declaration.';
COMMENT ON COLUMN incidents.mitigated_at IS 'First mitigation: Stable, Monitoring, Mitigated, rolled back, recovering.';
COMMENT ON COLUMN incidents.resolved_at IS 'Resolution: Resolved, Closed, all clear; after a reopening, the resolution that followed it.';
COMMENT ON COLUMN incidents.closed_at IS 'When the channel was archived or a bot closed the incident.';
COMMENT ON COLUMN incidents.postmortem_url IS 'First postmortem (review document, retro, RCA) link posted.';
COMMENT ON COLUMN incidents.postmortem_at IS 'When that link was first posted.';
COMMENT ON COLUMN incidents.detection_source IS 'alert when the first signal came from an alerting bot, human when a person reported it, else unknown.';
COMMENT ON COLUMN incidents.alert_name IS 'Title of the alert that started the incident, if any.';
COMMENT ON COLUMN incidents.participants IS 'People (not bots) who posted in the incident.';
COMMENT ON COLUMN incidents.message_count IS 'Messages in the incident channel or thread, bots and system messages included.';
COMMENT ON COLUMN incidents.time_to_acknowledge_s IS 'acknowledged_at − started_at, in seconds.';
COMMENT ON COLUMN incidents.time_to_mitigate_s IS 'mitigated_at − started_at, in seconds.';
COMMENT ON COLUMN incidents.time_to_resolve_s IS 'resolved_at − started_at, in seconds (NULL while open).';
COMMENT ON COLUMN incidents.resolve_target_s IS 'Resolve target for its severity (incidents.resolve_targets in the configuration), in seconds; NULL without one.';
COMMENT ON COLUMN incidents.within_target IS 'True when resolved within the target; false when resolved late or still open past it; NULL while open within it, or without a target.';
COMMENT ON COLUMN incidents.postmortem_required IS 'True when its severity needs a postmortem (incidents.postmortem_severities) and it is resolved and not excluded.';
COMMENT ON COLUMN incidents.time_to_postmortem_s IS 'postmortem_at − resolved_at, in seconds (negative when the document came first).';
COMMENT ON COLUMN incidents.recurrence_key IS 'Service plus a normalised failure signature (title or alert name without ids, numbers, hashes and hosts).';
COMMENT ON COLUMN incidents.recurrence_of IS 'incident_id of the previous incident with the same recurrence_key within the recurrence window.';
COMMENT ON COLUMN incidents.regression_test IS 'verified (a linked fix touched test files in a local clone), claimed (the channel says so, no verifiable link), missing, or not_applicable (excluded or unresolved).';
COMMENT ON COLUMN incidents.excluded IS 'True for drills, game days, maintenance, tests and cancelled incidents; they are left out of every metric.';
COMMENT ON COLUMN incidents.exclusion_reason IS 'Why it is excluded: the recogniser and the words that matched.';
COMMENT ON COLUMN incidents.quality_flags IS 'Number of data_quality rows about this incident.';
COMMENT ON COLUMN incidents.slack_url IS 'Link to the channel or thread in Slack, when the workspace URL is known.';

CREATE TABLE incident_events (
	incident_id VARCHAR NOT NULL,
	kind        VARCHAR NOT NULL,
	"at"        TIMESTAMPTZ NOT NULL,
	channel_id  VARCHAR NOT NULL,
	message_ts  VARCHAR,
	rule        VARCHAR NOT NULL,
	evidence    VARCHAR
);
COMMENT ON TABLE incident_events IS 'The evidence for every lifecycle timestamp in incidents: exactly one row per timestamp set.';
COMMENT ON COLUMN incident_events.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_events.kind IS 'Which timestamp: started, declared, detected, acknowledged, mitigated, resolved, closed or postmortem.';
COMMENT ON COLUMN incident_events."at" IS 'The timestamp it set (UTC).';
COMMENT ON COLUMN incident_events.channel_id IS 'Channel of the message that set it.';
COMMENT ON COLUMN incident_events.message_ts IS 'ts of the message that set it; NULL for fallbacks not tied to a message (channel creation).';
COMMENT ON COLUMN incident_events.rule IS 'The recogniser that matched, or fallback:<name> when none did.';
COMMENT ON COLUMN incident_events.evidence IS 'The words that matched, or what the fallback used.';

CREATE TABLE incident_signals (
	incident_id VARCHAR NOT NULL,
	kind        VARCHAR NOT NULL,
	"at"        TIMESTAMPTZ NOT NULL,
	channel_id  VARCHAR NOT NULL,
	message_ts  VARCHAR NOT NULL,
	rule        VARCHAR NOT NULL,
	value       VARCHAR,
	evidence    VARCHAR
);
COMMENT ON TABLE incident_signals IS 'Every recogniser match in an incident, used or not: where to look when a timestamp seems wrong.';
COMMENT ON COLUMN incident_signals.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_signals.kind IS 'The event the recogniser signals (declared, mitigated, severity, …).';
COMMENT ON COLUMN incident_signals."at" IS 'When the message was posted (UTC).';
COMMENT ON COLUMN incident_signals.channel_id IS 'Channel of the message.';
COMMENT ON COLUMN incident_signals.message_ts IS 'ts of the message.';
COMMENT ON COLUMN incident_signals.rule IS 'Recogniser name.';
COMMENT ON COLUMN incident_signals.value IS 'The captured value (severity label, service, title, URL, stated time), if any.';
COMMENT ON COLUMN incident_signals.evidence IS 'The words that matched.';

CREATE TABLE incident_links (
	incident_id   VARCHAR NOT NULL,
	kind          VARCHAR NOT NULL,
	url           VARCHAR NOT NULL,
	repo_url      VARCHAR,
	ref           VARCHAR,
	channel_id    VARCHAR NOT NULL,
	message_ts    VARCHAR NOT NULL,
	posted_at     TIMESTAMPTZ NOT NULL,
	commit_sha    VARCHAR,
	check_result  VARCHAR,
	test_files    VARCHAR[]
);
COMMENT ON TABLE incident_links IS 'Links posted in incidents: fix pull requests and commits (with the regression-test check), postmortems, tickets.';
COMMENT ON COLUMN incident_links.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_links.kind IS 'pull_request, commit (URL), sha (bare commit id in text), postmortem or ticket.';
COMMENT ON COLUMN incident_links.url IS 'The link as posted (a bare SHA for kind sha).';
COMMENT ON COLUMN incident_links.repo_url IS 'Repository URL (https://github.com/owner/repo) for fix links.';
COMMENT ON COLUMN incident_links.ref IS 'Pull or merge request number, or commit SHA as posted.';
COMMENT ON COLUMN incident_links.channel_id IS 'Channel of the message that posted it.';
COMMENT ON COLUMN incident_links.message_ts IS 'ts of that message.';
COMMENT ON COLUMN incident_links.posted_at IS 'When it was posted (UTC).';
COMMENT ON COLUMN incident_links.commit_sha IS 'Full SHA of the fix commit found in the local clone.';
COMMENT ON COLUMN incident_links.check_result IS 'touches_tests, no_tests, not_found (not in the clone), no_clone (no repos entry) or NULL for non-fix links.';
COMMENT ON COLUMN incident_links.test_files IS 'Test files the fix commit touched.';

CREATE TABLE incident_participants (
	incident_id   VARCHAR NOT NULL,
	user_id       VARCHAR NOT NULL,
	name          VARCHAR,
	messages      INTEGER NOT NULL,
	first_at      TIMESTAMPTZ NOT NULL,
	last_at       TIMESTAMPTZ NOT NULL,
	active_span_s BIGINT NOT NULL
);
COMMENT ON TABLE incident_participants IS 'People who posted in each incident, with how much and when.';
COMMENT ON COLUMN incident_participants.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_participants.user_id IS 'users.user_id.';
COMMENT ON COLUMN incident_participants.name IS 'Display name, else real name, else handle.';
COMMENT ON COLUMN incident_participants.messages IS 'Messages they posted in the incident.';
COMMENT ON COLUMN incident_participants.first_at IS 'Their first message (UTC).';
COMMENT ON COLUMN incident_participants.last_at IS 'Their last message (UTC).';
COMMENT ON COLUMN incident_participants.active_span_s IS 'last_at − first_at, in seconds.';

CREATE TABLE data_quality (
	incident_id VARCHAR,
	channel_id  VARCHAR NOT NULL,
	problem     VARCHAR NOT NULL,
	detail      VARCHAR NOT NULL
);
COMMENT ON TABLE data_quality IS 'Problems transform found, for the report''s data-quality section: ordering violations, unresolved incidents, missing severity or service, fallbacks, channels that looked like incidents but were not.';
COMMENT ON COLUMN data_quality.incident_id IS 'incidents.incident_id, or NULL for a channel that is not an incident.';
COMMENT ON COLUMN data_quality.channel_id IS 'The channel concerned.';
COMMENT ON COLUMN data_quality.problem IS 'order_violation, never_resolved, no_severity, no_service, fallback, reopened, not_an_incident or postmortem_overdue.';
COMMENT ON COLUMN data_quality.detail IS 'What exactly, in words.';

CREATE TABLE transform_runs (
	run_id        BIGINT NOT NULL,
	started_at    TIMESTAMPTZ NOT NULL,
	finished_at   TIMESTAMPTZ NOT NULL,
	as_of         TIMESTAMPTZ NOT NULL,
	timezone      VARCHAR NOT NULL,
	messages_read BIGINT NOT NULL,
	incidents     INTEGER NOT NULL,
	resolved      INTEGER NOT NULL,
	open          INTEGER NOT NULL,
	excluded      INTEGER NOT NULL,
	config_source VARCHAR NOT NULL,
	rules         JSON NOT NULL
);
COMMENT ON TABLE transform_runs IS 'One row per completed transform; the newest row describes the derived tables as they are.';
COMMENT ON COLUMN transform_runs.run_id IS 'Run number, increasing.';
COMMENT ON COLUMN transform_runs.started_at IS 'When the transform started (UTC).';
COMMENT ON COLUMN transform_runs.finished_at IS 'When it committed (UTC).';
COMMENT ON COLUMN transform_runs.as_of IS 'The instant open incidents are measured to (right-censoring).';
COMMENT ON COLUMN transform_runs.timezone IS 'Time zone weeks are cut in (the configuration''s timezone).';
COMMENT ON COLUMN transform_runs.messages_read IS 'Messages read from the raw layer.';
COMMENT ON COLUMN transform_runs.incidents IS 'Incidents found, excluded ones included.';
COMMENT ON COLUMN transform_runs.resolved IS 'Incidents resolved (not excluded).';
COMMENT ON COLUMN transform_runs.open IS 'Incidents still open (not excluded).';
COMMENT ON COLUMN transform_runs.excluded IS 'Incidents excluded by the inclusion rules.';
COMMENT ON COLUMN transform_runs.config_source IS 'Configuration file used, or built-in defaults.';
COMMENT ON COLUMN transform_runs.rules IS 'Inclusion rules and targets in force, as JSON, so reports can print them.';

CREATE SEQUENCE transform_run_seq START 1;

// Stage 5, write: every derived table replaced in one transaction, with
// the run recorded in transform_runs, so a kill leaves the previous
// derived layer intact and a rerun gives the same tables.
package transform

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// derivedTables are replaced wholesale by every transform.
var derivedTables = []string{"incidents", "incident_events", "incident_signals", "incident_links", "incident_participants", "data_quality"}

// write replaces the derived tables with what b built, in one transaction,
// and records the run. It returns the run ID.
func write(ctx context.Context, conn *sql.Conn, b *build, cfg *config.Config, startedAt time.Time, now func() time.Time, sum *Summary) (runID int64, err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, fmt.Errorf("write derived tables: %w", err)
	}
	defer func() {
		if err != nil {
			if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	for _, t := range derivedTables {
		if _, err := conn.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return 0, fmt.Errorf("clear %s: %w", t, err)
		}
	}
	b.milestone("transform: begin")
	names, err := userNames(ctx, conn)
	if err != nil {
		return 0, err
	}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		for _, t := range []struct {
			table string
			rows  func(emit emitFunc) error
		}{
			{"incidents", func(emit emitFunc) error { return incidentRows(b, cfg, emit) }},
			{"incident_events", func(emit emitFunc) error { return eventRows(b, emit) }},
			{"incident_signals", func(emit emitFunc) error { return signalRows(b, emit) }},
			{"incident_links", func(emit emitFunc) error { return linkRows(b, emit) }},
			{"incident_participants", func(emit emitFunc) error { return participantRows(b, names, emit) }},
			{"data_quality", func(emit emitFunc) error { return qualityRows(b, emit) }},
		} {
			if err := appendRows(c, t.table, t.rows); err != nil {
				return fmt.Errorf("write %s: %w", t.table, err)
			}
			b.milestone("transform: wrote " + t.table)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	rules, err := json.Marshal(map[string]any{
		"exclusions":            exclusionRules(cfg),
		"resolve_targets":       targets(cfg),
		"recurrence_window":     cfg.Incidents.RecurrenceWindow.String(),
		"postmortem_due":        cfg.Incidents.PostmortemDue.String(),
		"postmortem_severities": cfg.Incidents.PostmortemSeverities,
	})
	if err != nil {
		return 0, err
	}
	err = conn.QueryRowContext(ctx, `INSERT INTO transform_runs (run_id, started_at, finished_at, as_of, timezone, messages_read,
		incidents, resolved, open, excluded, config_source, rules, config_hash)
		VALUES (nextval('transform_run_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id`,
		startedAt, now(), startedAt, cfg.Timezone, sum.Messages, sum.Incidents, sum.Resolved, sum.Open, sum.Excluded, cfg.Source, string(rules), sum.ConfigHash).Scan(&runID)
	if err != nil {
		return 0, fmt.Errorf("record transform run: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, fmt.Errorf("commit derived tables: %w", err)
	}
	b.milestone("transform: commit")
	return runID, nil
}

// milestone tells Options.Committed, if set, that the write reached what.
func (b *build) milestone(what string) {
	if b.committed != nil {
		b.committed(what)
	}
}

// configHash is the SHA-256 of the effective configuration as YAML.
func configHash(cfg *config.Config) (string, error) {
	y, err := cfg.YAML()
	if err != nil {
		return "", fmt.Errorf("hash the configuration: %w", err)
	}
	sum := sha256.Sum256(y)
	return hex.EncodeToString(sum[:]), nil
}

// previousConfig returns the last run's configuration source and hash, if
// any run recorded one.
func previousConfig(ctx context.Context, conn *sql.Conn) (runID int64, source, hash string, ok bool, err error) {
	err = conn.QueryRowContext(ctx, `SELECT run_id, config_source, config_hash FROM transform_runs
		WHERE config_hash IS NOT NULL ORDER BY run_id DESC LIMIT 1`).Scan(&runID, &source, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", false, nil
	}
	if err != nil {
		return 0, "", "", false, fmt.Errorf("read the last transform run: %w", err)
	}
	return runID, source, hash, true, nil
}

func exclusionRules(cfg *config.Config) []map[string]string {
	var out []map[string]string
	for _, r := range cfg.Recognisers {
		for _, e := range r.Events {
			if e == "exclude" && r.On() {
				row := map[string]string{"name": r.Name, "pattern": r.Pattern}
				if r.Within > 0 {
					row["within"] = r.Within.String()
				}
				out = append(out, row)
			}
		}
	}
	return out
}

func targets(cfg *config.Config) map[string]string {
	out := map[string]string{}
	for k, v := range cfg.Incidents.ResolveTargets {
		out[k] = v.String()
	}
	return out
}

func userNames(ctx context.Context, conn *sql.Conn) (map[string]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT user_id, coalesce(display_name, real_name, name, user_id) FROM users`)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// col is one value of a derived row and the column it goes in. Rows are
// appended by column name, so a value can never land in its neighbour's
// column (incidents has 37 columns, three of them adjacent integer
// durations).
type col struct {
	name string
	v    driver.Value
}

// emitFunc appends one row. Every row of a table names the same columns in
// the same order.
type emitFunc func(cols ...col) error

// appendRows appends the rows that rows emits to table, through one
// Appender over the columns the first row names.
func appendRows(c driver.Conn, table string, rows func(emitFunc) error) error {
	var (
		a     *duckdb.Appender
		names []string
		vals  []driver.Value
	)
	err := rows(func(cols ...col) error {
		if a == nil {
			names = make([]string, len(cols))
			for i, cv := range cols {
				names[i] = cv.name
			}
			var err error
			if a, err = duckdb.NewAppenderWithColumns(c, "", "", table, names); err != nil {
				return err
			}
			vals = make([]driver.Value, len(cols))
		}
		if len(cols) != len(names) {
			return fmt.Errorf("a row names %d columns, not the %d of the first row", len(cols), len(names))
		}
		for i, cv := range cols {
			if cv.name != names[i] {
				return fmt.Errorf("a row names column %s where the first row named %s", cv.name, names[i])
			}
			vals[i] = cv.v
		}
		return a.AppendRow(vals...)
	})
	if a == nil {
		return err
	}
	return errors.Join(err, a.Close())
}

// Nullable values for the appender.
func str(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func ts(t *time.Time) driver.Value {
	if t == nil {
		return nil
	}
	return *t
}

func seconds(from, to *time.Time) driver.Value {
	if from == nil || to == nil {
		return nil
	}
	return int64(to.Sub(*from).Round(time.Second) / time.Second)
}

func incidentRows(b *build, cfg *config.Config, emit emitFunc) error {
	base := cfg.Slack.WorkspaceURL
	for _, inc := range b.incidents {
		status := "open"
		switch {
		case inc.events["resolved"] != nil:
			status = "resolved"
		case inc.closedUnresolved:
			status = "closed_unresolved"
		case inc.events["mitigated"] != nil:
			status = "mitigated"
		}
		var pmURL string
		for _, l := range inc.links {
			if l.kind == "postmortem" && inc.events["postmortem"] != nil && l.msg == inc.events["postmortem"].msg {
				pmURL = l.url
				break
			}
		}
		quality := len(inc.quality)
		started := inc.at("started")
		var target driver.Value
		if t, ok := cfg.Incidents.ResolveTargets[inc.severity]; ok && inc.severity != "" {
			target = int64(t.D() / time.Second)
		}
		var slackURL string
		if base != "" {
			slackURL = base + "archives/" + inc.channel.id
			if inc.threadTS != "" {
				slackURL += "/p" + stripDot(inc.threadTS)
			}
		}
		err := emit(
			col{"incident_id", inc.id},
			col{"kind", inc.kind},
			col{"channel_id", inc.channel.id},
			col{"channel_name", inc.channel.name},
			col{"thread_ts", str(inc.threadTS)},
			col{"title", str(inc.title)},
			col{"severity", str(inc.severity)},
			col{"severity_label", str(inc.sevLabel)},
			col{"service", str(inc.service)},
			col{"status", status},
			col{"started_at", *started},
			col{"declared_at", *inc.at("declared")},
			col{"detected_at", ts(inc.at("detected"))},
			col{"acknowledged_at", ts(inc.at("acknowledged"))},
			col{"mitigated_at", ts(inc.at("mitigated"))},
			col{"resolved_at", ts(inc.at("resolved"))},
			col{"closed_at", ts(inc.at("closed"))},
			col{"postmortem_url", str(pmURL)},
			col{"postmortem_at", ts(inc.at("postmortem"))},
			col{"detection_source", inc.detection},
			col{"alert_name", str(inc.alertName)},
			col{"participants", int32(len(inc.people))},
			col{"message_count", int32(inc.messages)},
			col{"time_to_acknowledge_s", seconds(started, inc.at("acknowledged"))},
			col{"time_to_mitigate_s", seconds(started, inc.at("mitigated"))},
			col{"time_to_resolve_s", seconds(started, inc.at("resolved"))},
			col{"resolve_target_s", target},
			col{"within_target", withinTarget(inc, cfg, b.asOf)},
			col{"postmortem_required", inc.pmRequired},
			col{"time_to_postmortem_s", seconds(inc.at("resolved"), inc.at("postmortem"))},
			col{"recurrence_key", str(inc.recurrenceKey)},
			col{"recurrence_of", str(inc.recurrenceOf)},
			col{"regression_test", inc.regression},
			col{"excluded", inc.excluded != ""},
			col{"exclusion_reason", str(inc.excluded)},
			col{"quality_flags", int32(quality)},
			col{"slack_url", str(slackURL)},
		)
		if err != nil {
			return fmt.Errorf("incident %s: %w", inc.id, err)
		}
	}
	return nil
}

// withinTarget says whether the incident met its severity's resolve target.
func withinTarget(inc *incident, cfg *config.Config, asOf time.Time) driver.Value {
	t, ok := cfg.Incidents.ResolveTargets[inc.severity]
	if !ok || inc.severity == "" || inc.excluded != "" {
		return nil
	}
	started := inc.events["started"].at
	if r := inc.events["resolved"]; r != nil {
		return r.at.Sub(started) <= t.D()
	}
	if asOf.Sub(started) > t.D() {
		return false
	}
	return nil
}

func stripDot(ts string) string {
	out := make([]byte, 0, len(ts))
	for i := 0; i < len(ts); i++ {
		if ts[i] != '.' {
			out = append(out, ts[i])
		}
	}
	return string(out)
}

var eventOrder = []string{"started", "declared", "detected", "acknowledged", "mitigated", "resolved", "closed", "postmortem"}

func eventRows(b *build, emit emitFunc) error {
	for _, inc := range b.incidents {
		for _, k := range eventOrder {
			e := inc.events[k]
			if e == nil {
				continue
			}
			var msgTS driver.Value
			channel := inc.channel.id
			if e.msg != nil {
				msgTS, channel = e.msg.ts, e.msg.channelID
			}
			if err := emit(col{"incident_id", inc.id}, col{"kind", k}, col{"occurred_at", e.at}, col{"channel_id", channel},
				col{"message_ts", msgTS}, col{"rule", e.rule}, col{"evidence", str(e.evidence)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func signalRows(b *build, emit emitFunc) error {
	for _, inc := range b.incidents {
		for _, s := range inc.signals {
			if err := emit(col{"incident_id", inc.id}, col{"kind", s.kind}, col{"occurred_at", s.at()}, col{"channel_id", s.msg.channelID},
				col{"message_ts", s.msg.ts}, col{"rule", s.rule.name}, col{"value", str(s.value)}, col{"evidence", str(s.evidence)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func linkRows(b *build, emit emitFunc) error {
	for _, inc := range b.incidents {
		for _, l := range inc.links {
			var tests driver.Value
			if len(l.tests) > 0 {
				list := make([]any, len(l.tests))
				for i, t := range l.tests {
					list[i] = t
				}
				tests = list
			}
			if err := emit(col{"incident_id", inc.id}, col{"kind", l.kind}, col{"url", l.url}, col{"repo_url", str(l.repoURL)},
				col{"ref", str(l.ref)}, col{"channel_id", l.msg.channelID}, col{"message_ts", l.msg.ts}, col{"posted_at", l.msg.at},
				col{"commit_sha", str(l.commit)}, col{"check_result", str(l.check)}, col{"test_files", tests}); err != nil {
				return err
			}
		}
	}
	return nil
}

func participantRows(b *build, names map[string]string, emit emitFunc) error {
	for _, inc := range b.incidents {
		for _, p := range inc.people {
			if err := emit(col{"incident_id", inc.id}, col{"user_id", p.userID}, col{"name", str(names[p.userID])},
				col{"messages", int32(p.messages)}, col{"first_at", p.first}, col{"last_at", p.last},
				col{"active_span_s", int64(p.last.Sub(p.first) / time.Second)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func qualityRows(b *build, emit emitFunc) error {
	for _, inc := range b.incidents {
		for _, q := range inc.quality {
			if err := emit(col{"incident_id", inc.id}, col{"channel_id", inc.channel.id}, col{"problem", q.problem}, col{"detail", q.detail}); err != nil {
				return err
			}
		}
	}
	for _, n := range b.notIncidents {
		if err := emit(col{"incident_id", nil}, col{"channel_id", n.channel.id}, col{"problem", n.problem}, col{"detail", n.detail}); err != nil {
			return err
		}
	}
	return nil
}

package reports

// Load: read the derived tables and metric views for the report's window.
// The report never sees transform's Go types, only these rows.

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"time"
)

//go:embed sql/*.sql
var sqlFS embed.FS

func query(name string) string {
	b, err := sqlFS.ReadFile("sql/" + name + ".sql")
	if err != nil {
		panic(err) // embedded; a missing file is a build mistake
	}
	return string(b)
}

// incident is one row of the incidents table as the report reads it.
type anyTime = sql.NullTime

type incident struct {
	ID, Kind, ChannelID, ChannelName          string
	ThreadTS, Title, Severity, Service        sql.NullString
	Status                                    string
	Started, Declared                         time.Time
	Acknowledged, Mitigated, Resolved, Closed sql.NullTime
	PostmortemURL                             sql.NullString
	PostmortemAt                              sql.NullTime
	PostmortemRequired                        bool
	Detection                                 string
	Participants                              int
	TTA, TTM, TTR, Target                     sql.NullInt64
	WithinTarget                              sql.NullBool
	RecurrenceOf, PreviousRegression          sql.NullString
	Regression                                string
	Excluded                                  bool
	ExclusionReason, SlackURL                 sql.NullString
}

type evidence struct {
	IncidentID, Kind, ChannelID string
	MessageTS, ThreadTS         sql.NullString
	Rule, Class                 string
}

type problem struct {
	IncidentID, Problem, Detail string
}

type overdue struct {
	ID, Title, Severity, Service string
	Started                      time.Time
	URL, Detail                  string
}

type participant struct {
	IncidentID, UserID, Name string
	First                    time.Time
}

type transformRules struct {
	Exclusions           []map[string]string `json:"exclusions"`
	ResolveTargets       map[string]string   `json:"resolve_targets"`
	RecurrenceWindow     string              `json:"recurrence_window"`
	PostmortemDue        string              `json:"postmortem_due"`
	PostmortemSeverities []string            `json:"postmortem_severities"`
}

// data is everything the report is computed from.
type data struct {
	asOf         time.Time
	timezone     string
	rules        transformRules
	incidents    []incident // [baseline start, week end), excluded included
	open         []incident // unresolved, started before the week's end
	overdue      []overdue
	evidence     []evidence // the week's incidents
	problems     []problem  // the week's incidents
	participants []participant
}

func load(ctx context.Context, db *sql.DB, from, weekFrom, to time.Time) (*data, error) {
	d := &data{}
	var asOf sql.NullTime
	var rules string
	if err := db.QueryRowContext(ctx, query("settings")).Scan(&asOf, &d.timezone, &rules); err != nil {
		return nil, fmt.Errorf("read metric_settings: %w", err)
	}
	if !asOf.Valid {
		return nil, ErrNoTransform
	}
	d.asOf = asOf.Time
	if err := json.Unmarshal([]byte(rules), &d.rules); err != nil {
		return nil, fmt.Errorf("read transform_runs.rules: %w", err)
	}
	var err error
	if d.incidents, err = loadIncidents(ctx, db, query("incidents"), from, to); err != nil {
		return nil, err
	}
	if d.open, err = loadIncidents(ctx, db, query("open"), to); err != nil {
		return nil, err
	}
	err = each(ctx, db, query("overdue"), []any{to}, func(s func(...any) error) error {
		var o overdue
		if err := s(&o.ID, &o.Title, &o.Severity, &o.Service, &o.Started, &o.URL, &o.Detail); err != nil {
			return err
		}
		d.overdue = append(d.overdue, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, db, query("evidence"), []any{weekFrom, to}, func(s func(...any) error) error {
		var e evidence
		if err := s(&e.IncidentID, &e.Kind, &e.ChannelID, &e.MessageTS, &e.ThreadTS, &e.Rule, &e.Class); err != nil {
			return err
		}
		d.evidence = append(d.evidence, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, db, query("quality"), []any{weekFrom, to}, func(s func(...any) error) error {
		var p problem
		var id sql.NullString
		if err := s(&id, &p.Problem, &p.Detail); err != nil {
			return err
		}
		p.IncidentID = id.String
		d.problems = append(d.problems, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, db, query("participants"), []any{weekFrom, to}, func(s func(...any) error) error {
		var p participant
		if err := s(&p.IncidentID, &p.UserID, &p.Name, &p.First); err != nil {
			return err
		}
		d.participants = append(d.participants, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func loadIncidents(ctx context.Context, db *sql.DB, q string, args ...any) ([]incident, error) {
	var out []incident
	err := each(ctx, db, q, args, func(s func(...any) error) error {
		var i incident
		err := s(&i.ID, &i.Kind, &i.ChannelID, &i.ChannelName, &i.ThreadTS, &i.Title,
			&i.Severity, &i.Service, &i.Status,
			&i.Started, &i.Declared, &i.Acknowledged, &i.Mitigated, &i.Resolved, &i.Closed,
			&i.PostmortemURL, &i.PostmortemAt, &i.PostmortemRequired,
			&i.Detection, &i.Participants,
			&i.TTA, &i.TTM, &i.TTR, &i.Target, &i.WithinTarget,
			&i.RecurrenceOf, &i.PreviousRegression,
			&i.Regression, &i.Excluded, &i.ExclusionReason, &i.SlackURL)
		if err != nil {
			return err
		}
		out = append(out, i)
		return nil
	})
	return out, err
}

// each runs q and calls row with a scanner for every row.
func each(ctx context.Context, db *sql.DB, q string, args []any, row func(scan func(...any) error) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("report query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return fmt.Errorf("report query: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report query: %w", err)
	}
	return nil
}

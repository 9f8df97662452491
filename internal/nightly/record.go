package nightly

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

var (
	//go:embed insert_run.sql
	insertRun string
	//go:embed insert_step.sql
	insertStep string
)

// Record writes res into runs and run_steps in one transaction and returns
// the run's ID.
func Record(ctx context.Context, db *sql.DB, res *Result, exitCode int) (int64, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("record run: %w", err)
	}
	defer conn.Close()
	var id int64
	err = warehouse.InTx(ctx, conn, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT nextval('run_seq')`).Scan(&id); err != nil {
			return err
		}
		var failedStep, errMsg sql.NullString
		var se *StepError
		if errors.As(res.Err, &se) && res.Status() == StatusFailed {
			failedStep = sql.NullString{String: se.Step, Valid: true}
			errMsg = sql.NullString{String: se.Err.Error(), Valid: true}
		}
		host, _ := os.Hostname()
		if _, err := tx.ExecContext(ctx, insertRun, id, res.Started, res.Finished, res.Status(), exitCode,
			failedStep, errMsg, host, os.Getpid(), res.Finished.Sub(res.Started).Milliseconds()); err != nil {
			return err
		}
		for i, s := range res.Steps {
			keys := make([]string, 0, len(s.Counts))
			for k := range s.Counts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			vals := make([]int64, len(keys))
			for j, k := range keys {
				vals[j] = s.Counts[k]
			}
			var msg sql.NullString
			switch {
			case s.Err != nil:
				msg = sql.NullString{String: s.Err.Error(), Valid: true}
			case s.Reason != "":
				msg = sql.NullString{String: s.Reason, Valid: true}
			}
			if _, err := tx.ExecContext(ctx, insertStep, id, i+1, s.Name, s.Status, s.Started, s.Finished,
				s.Duration().Milliseconds(), keys, vals, msg); err != nil {
				return fmt.Errorf("step %s: %w", s.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record run: %w", err)
	}
	return id, nil
}

// LastSuccess is when the latest ok or partial run finished, or nil when
// none has.
func LastSuccess(ctx context.Context, db *sql.DB) (*time.Time, error) {
	var t sql.NullTime
	if err := db.QueryRowContext(ctx, `SELECT max(finished_at) FROM runs WHERE status IN ('ok', 'partial')`).Scan(&t); err != nil {
		return nil, fmt.Errorf("last successful run: %w", err)
	}
	if !t.Valid {
		return nil, nil
	}
	u := t.Time.UTC()
	return &u, nil
}

package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// execer is what the merge steps need: a transaction or a connection.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// mergeArgs are the parameters every merge step takes.
type mergeArgs struct {
	now    time.Time
	runID  int64
	source string // export or api
}

func (a mergeArgs) list() []any { return []any{a.now, a.runID, a.source} }

// problem is a group of staged messages rejected for the same reason.
type problem struct {
	origin, problem string
	n               int64
}

// mergeResult counts what storing one staged batch did.
type mergeResult struct {
	read, inserted, updated, deleted, unchanged, older int64
	problems                                           []problem
	// duplicate counts the extra copies of a message (same channel and ts)
	// that were dropped, per origin in duplicates.
	duplicate  int64
	duplicates []problem
}

// mergeMessages stores the messages staged in stage_msgs (by the
// stage_messages step) and moves their channels' watermarks, inside tx.
func mergeMessages(ctx context.Context, tx execer, a mergeArgs) (mergeResult, error) {
	var res mergeResult
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM stage_msgs`).Scan(&res.read); err != nil {
		return res, fmt.Errorf("count staged messages: %w", err)
	}
	rows, err := tx.QueryContext(ctx, step("message_problems", ""))
	if err != nil {
		return res, fmt.Errorf("check staged messages: %w", err)
	}
	var rejected int64
	for rows.Next() {
		var p problem
		if err := rows.Scan(&p.origin, &p.problem, &p.n); err != nil {
			rows.Close()
			return res, err
		}
		res.problems = append(res.problems, p)
		rejected += p.n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	rows, err = tx.QueryContext(ctx, step("count_duplicates", ""))
	if err != nil {
		return res, fmt.Errorf("check staged messages: %w", err)
	}
	for rows.Next() {
		var d problem
		if err := rows.Scan(&d.origin, &d.n); err != nil {
			rows.Close()
			return res, err
		}
		d.problem = "duplicate"
		res.duplicates = append(res.duplicates, d)
		res.duplicate += d.n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	dups := res.duplicate
	if dups > 0 || len(res.problems) > 0 {
		if _, err := tx.ExecContext(ctx, step("drop_rejected", "")); err != nil {
			return res, fmt.Errorf("drop rejected messages: %w", err)
		}
	}
	// A batch whose channels have nothing stored yet (a first load) has only
	// new messages: no need to look anything up.
	var known int64
	if err := tx.QueryRowContext(ctx, step("count_known_channels", "")).Scan(&known); err != nil {
		return res, fmt.Errorf("check staged channels: %w", err)
	}
	if known == 0 {
		res.inserted = res.read - rejected - dups
		if res.inserted == 0 {
			return res, nil
		}
		for _, name := range []string{"plan_all_new", "insert_all_messages", "update_channel_state", "replace_channel_state", "insert_channel_state"} {
			if _, err := tx.ExecContext(ctx, step(name, ""), argsFor(name, a)...); err != nil {
				return res, fmt.Errorf("merge messages (%s): %w", name, err)
			}
		}
		return res, nil
	}
	if _, err := tx.ExecContext(ctx, step("plan_messages", ""), a.runID); err != nil {
		return res, fmt.Errorf("plan message merge: %w", err)
	}
	rows, err = tx.QueryContext(ctx, step("count_actions", ""))
	if err != nil {
		return res, fmt.Errorf("count message merge: %w", err)
	}
	for rows.Next() {
		var action string
		var n int64
		if err := rows.Scan(&action, &n); err != nil {
			rows.Close()
			return res, err
		}
		switch action {
		case "new":
			res.inserted = n
		case "update":
			res.updated += n
		case "delete":
			res.updated += n
			res.deleted = n
		case "same":
			res.unchanged = n
		case "older":
			res.older = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	var todo []string
	switch {
	case res.inserted+res.updated == 0:
		return res, nil // nothing changed: leave the watermarks alone too
	case res.updated == 0 && res.unchanged == 0 && res.older == 0:
		todo = []string{"insert_all_messages"}
	default:
		todo = []string{"delete_updated", "insert_messages", "mark_deleted"}
	}
	todo = append(todo, "update_channel_state", "replace_channel_state", "insert_channel_state")
	for _, name := range todo {
		if _, err := tx.ExecContext(ctx, step(name, ""), argsFor(name, a)...); err != nil {
			return res, fmt.Errorf("merge messages (%s): %w", name, err)
		}
	}
	return res, nil
}

// mergeChannels stores the channels staged in stage_chans, inside tx.
func mergeChannels(ctx context.Context, tx execer, a mergeArgs) error {
	for _, name := range []string{"plan_channels", "delete_updated_channels", "insert_channels"} {
		if _, err := tx.ExecContext(ctx, step(name, ""), argsFor(name, a)...); err != nil {
			return fmt.Errorf("merge channels (%s): %w", name, err)
		}
	}
	return nil
}

// mergeUsers stages users from source (with its argument) and stores them
// in one transaction of their own. It returns how many users were read.
func mergeUsers(ctx context.Context, conn *sql.Conn, a mergeArgs, source string, sourceArgs ...any) (int, error) {
	var n int
	err := warehouse.InTx(ctx, conn, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, step("stage_users", source), sourceArgs...); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM stage_usrs`).Scan(&n); err != nil {
			return err
		}
		for _, name := range []string{"plan_users", "delete_updated_users", "insert_users"} {
			if _, err := tx.ExecContext(ctx, step(name, ""), argsFor(name, a)...); err != nil {
				return fmt.Errorf("merge users (%s): %w", name, err)
			}
		}
		return nil
	})
	return n, err
}

// argsFor passes the merge parameters only to steps that use them: DuckDB
// refuses parameters a statement does not take.
func argsFor(name string, a mergeArgs) []any {
	switch name {
	case "insert_messages", "insert_all_messages", "mark_deleted", "insert_channel_state", "insert_channels", "insert_users",
		"first_load_messages", "fast_first_load_messages", "first_load_channel_state":
		return a.list()
	case "plan_channels", "plan_users":
		return []any{a.runID}
	}
	return nil
}

// stageRaw replaces the temp table stage_raw, which sourceRaw reads, with
// the given objects: raw JSON as Slack sent it, one channel ID (or "") and
// one origin (the API call it came from) each. The three slices are
// parallel. Callers validate the JSON first: json() in the stage steps
// fails the whole batch on a malformed object.
func stageRaw(ctx context.Context, tx execer, channelIDs, raws, origins []string) error {
	if len(channelIDs) != len(raws) || len(raws) != len(origins) {
		return fmt.Errorf("stage raw objects: %d channel IDs, %d objects, %d origins", len(channelIDs), len(raws), len(origins))
	}
	_, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE stage_raw AS
		SELECT unnest($1::VARCHAR[]) AS channel_id, unnest($2::VARCHAR[]) AS raw, unnest($3::VARCHAR[]) AS origin`,
		channelIDs, raws, origins)
	if err != nil {
		return fmt.Errorf("stage raw objects: %w", err)
	}
	return nil
}

// tuneForBulkLoad sets the connection up for loading many batches: rows
// need not keep their insertion order (so DuckDB may load in parallel;
// every reader here sorts), and the write-ahead log is folded into the file
// once at the end (Close checkpoints) rather than after every batch that
// outgrows the default 16 MB threshold. Committed batches survive a kill
// either way: the log is replayed on the next open.
func tuneForBulkLoad(ctx context.Context, conn *sql.Conn) error {
	for _, s := range []string{"SET checkpoint_threshold = '1GB'", "SET preserve_insertion_order = false"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("prepare bulk load (%s): %w", s, err)
		}
	}
	return nil
}

package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-dev/aftermath/internal/redact"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// ErrPartial reports a run that finished but skipped some inputs; each is in
// the run's Skips, the log and ingest_skips.
var ErrPartial = errors.New("ingest finished with skipped inputs")

// Skip is one input a run could not use.
type Skip struct {
	Kind   string // file, entry, channel, message, export
	Item   string // path inside the export, or "#name (C123)"
	Reason string
}

// Counts are a run's totals, as stored in ingest_runs.
type Counts struct {
	ChannelsTotal    int
	ChannelsSelected int
	ChannelsDone     int
	ChannelsSkipped  int
	FilesRead        int
	FilesSkipped     int
	MessagesRead     int64
	MessagesNew      int64
	MessagesUpdated  int64
	MessagesSkipped  int64
	// MessagesDuplicate counts extra copies of a message (same channel and
	// ts) in one batch, dropped; the copy with the newest edit is kept.
	MessagesDuplicate int64
	Users             int
	APICalls          map[string]int
	RateLimited       int
	Retries           int
	WaitSeconds       float64
}

// Result is what a run did.
type Result struct {
	RunID  int64
	Kind   string
	Status string // ok, partial or failed
	Counts Counts
	Skips  []Skip
}

// run records one ingest run in ingest_runs and ingest_skips.
type run struct {
	Result
	conn   *sql.Conn
	now    func() time.Time
	log    *slog.Logger
	start  time.Time
	logged map[string]int // skips logged per kind
}

// loggedSkips is how many skips of one kind are logged one by one; the rest
// are counted in one line at the end (all are in ingest_skips).
const loggedSkips = 10

// startRun marks runs that a kill left "running" as interrupted, then
// records a new running run. The caller holds the database's write lock, so
// no other run can be in progress.
func startRun(ctx context.Context, conn *sql.Conn, kind, source string, now func() time.Time, log *slog.Logger) (*run, error) {
	r := &run{conn: conn, now: now, log: log, start: now()}
	r.Kind = kind
	if _, err := conn.ExecContext(ctx,
		`UPDATE ingest_runs SET status = 'interrupted', error = 'the process stopped before the run finished' WHERE status = 'running'`); err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	err := conn.QueryRowContext(ctx,
		`INSERT INTO ingest_runs (run_id, kind, source, started_at, status, data_through) VALUES (nextval('ingest_run_seq'), ?, ?, ?, 'running', ?) RETURNING run_id`,
		kind, clean(source), r.start, r.start).Scan(&r.RunID)
	if err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	if err := r.tsWindow(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// SlackEpoch is the earliest plausible message time: Slack did not exist
// before 2013. A ts before it, or more than tsFuture after the run's clock,
// is refused (skipped and named).
var SlackEpoch = time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)

const tsFuture = 24 * time.Hour

// tsProblem says why a message ts is outside the run's window, or "".
// Callers have checked its shape.
func tsProblem(ts string, now time.Time) string {
	sec, _, _ := strings.Cut(ts, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	switch {
	case err != nil:
		return "ts is missing or not a Slack timestamp string"
	case n < SlackEpoch.Unix():
		return "ts " + ts + " is before Slack existed (" + SlackEpoch.Format("2006-01-02") + ")"
	case n > now.Add(tsFuture).Unix():
		return "ts " + ts + " is more than a day after the run"
	}
	return ""
}

// tsWindow records the run's plausible ts window for the merge steps, and
// repairs watermarks that a ts outside it moved before ingest refused such
// a ts (a channel "frozen" in the year 33658 would otherwise never fetch
// again).
func (r *run) tsWindow(ctx context.Context) error {
	if _, err := r.conn.ExecContext(ctx, step("set_ts_window", ""), SlackEpoch, r.start.Add(tsFuture)); err != nil {
		return fmt.Errorf("set ts window: %w", err)
	}
	rows, err := r.conn.QueryContext(ctx, step("frozen_channels", ""))
	if err != nil {
		return fmt.Errorf("check watermarks: %w", err)
	}
	var frozen []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		frozen = append(frozen, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(frozen) == 0 {
		return err
	}
	for _, name := range []string{"repair_watermarks", "repair_sync"} {
		if _, err := r.conn.ExecContext(ctx, step(name, "")); err != nil {
			return fmt.Errorf("repair watermarks (%s): %w", name, err)
		}
	}
	r.log.Warn("moved watermarks back from a ts outside the plausible window (stored by an older version); the messages stay stored",
		"channels", strings.Join(frozen, ", "))
	return nil
}

// skip records an input the run could not use, at once, so it survives a
// later kill.
func (r *run) skip(ctx context.Context, kind, item, reason string) {
	item, reason = clean(item), clean(reason)
	r.Skips = append(r.Skips, Skip{Kind: kind, Item: item, Reason: reason})
	if r.logged == nil {
		r.logged = map[string]int{}
	}
	if r.logged[kind]++; r.logged[kind] <= loggedSkips {
		r.log.Warn("skipped "+kind, "item", item, "reason", reason)
	}
	if _, err := r.conn.ExecContext(ctx, `INSERT INTO ingest_skips VALUES (?, ?, ?, ?)`, r.RunID, kind, item, reason); err != nil {
		r.log.Error("could not record skip", "item", item, "err", err)
	}
}

// finish completes the run's row. runErr is the error that ended the run
// early, if any. It returns runErr, or ErrPartial when inputs were skipped.
func (r *run) finish(ctx context.Context, runErr error) error {
	for kind, n := range r.logged {
		if n > loggedSkips {
			r.log.Warn(fmt.Sprintf("skipped %d more %ss; every skip is in ingest_skips", n-loggedSkips, kind), "run_id", r.RunID)
		}
	}
	r.Status = "ok"
	var msg sql.NullString
	switch {
	case errors.Is(runErr, context.Canceled):
		r.Status = "interrupted"
		msg = sql.NullString{String: clean(runErr.Error()), Valid: true}
	case runErr != nil:
		r.Status = "failed"
		msg = sql.NullString{String: clean(runErr.Error()), Valid: true}
	case len(r.Skips) > 0:
		r.Status = "partial"
		msg = sql.NullString{String: summarizeSkips(r.Skips), Valid: true}
	}
	var calls sql.NullString
	if len(r.Counts.APICalls) > 0 {
		b, _ := json.Marshal(r.Counts.APICalls)
		calls = sql.NullString{String: string(b), Valid: true}
	}
	c := r.Counts
	// A cancelled ctx (SIGTERM) must still record how the run ended.
	_, err := r.conn.ExecContext(context.WithoutCancel(ctx), `UPDATE ingest_runs SET
		finished_at = ?, status = ?, channels_total = ?, channels_selected = ?, channels_done = ?,
		channels_skipped = ?, files_read = ?, files_skipped = ?, messages_read = ?, messages_new = ?,
		messages_updated = ?, messages_skipped = ?, users = ?, api_calls = ?, rate_limited = ?,
		retries = ?, wait_seconds = ?, error = ?, messages_duplicate = ?
		WHERE run_id = ?`,
		r.now(), r.Status, c.ChannelsTotal, c.ChannelsSelected, c.ChannelsDone,
		c.ChannelsSkipped, c.FilesRead, c.FilesSkipped, c.MessagesRead, c.MessagesNew,
		c.MessagesUpdated, c.MessagesSkipped, c.Users, calls, c.RateLimited,
		c.Retries, c.WaitSeconds, msg, c.MessagesDuplicate, r.RunID)
	if err != nil {
		err = fmt.Errorf("record run %d: %w", r.RunID, err)
		if runErr != nil {
			return errors.Join(runErr, err)
		}
		return err
	}
	if runErr != nil {
		return runErr
	}
	if len(r.Skips) > 0 {
		return fmt.Errorf("%w: %s", ErrPartial, summarizeSkips(r.Skips))
	}
	return nil
}

// clean makes text from outside (file names, DuckDB's messages quoting
// input) safe to store and log: tokens redacted, invalid UTF-8 replaced.
func clean(s string) string {
	return redact.String(strings.ToValidUTF8(s, "\uFFFD"))
}

// summarizeSkips says in one line what was skipped.
func summarizeSkips(skips []Skip) string {
	byKind := map[string]int{}
	for _, s := range skips {
		byKind[s.Kind]++
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", byKind[k], plural(int64(byKind[k]), k))
	}
	first := skips[0]
	return fmt.Sprintf("skipped %s (first: %s: %s); see ingest_skips for run details", strings.Join(parts, ", "), first.Item, first.Reason)
}

// recoverConn rolls back whatever a cancelled transaction left open on
// conn, and returns conn, or a new connection when conn is unusable.
func recoverConn(ctx context.Context, db *warehouse.DB, conn *sql.Conn) *sql.Conn {
	bg := context.WithoutCancel(ctx)
	_, _ = conn.ExecContext(bg, "ROLLBACK") // fails harmlessly when no transaction is open
	if _, err := conn.ExecContext(bg, "SELECT 1"); err == nil {
		return conn
	}
	if fresh, err := db.Conn(bg); err == nil {
		return fresh
	}
	return conn
}

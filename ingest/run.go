package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
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
	Users            int
	APICalls         map[string]int
	RateLimited      int
	Retries          int
	WaitSeconds      float64
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
		`INSERT INTO ingest_runs (run_id, kind, source, started_at, status) VALUES (nextval('ingest_run_seq'), ?, ?, ?, 'running') RETURNING run_id`,
		kind, clean(source), r.start).Scan(&r.RunID)
	if err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	return r, nil
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
		retries = ?, wait_seconds = ?, error = ?
		WHERE run_id = ?`,
		r.now(), r.Status, c.ChannelsTotal, c.ChannelsSelected, c.ChannelsDone,
		c.ChannelsSkipped, c.FilesRead, c.FilesSkipped, c.MessagesRead, c.MessagesNew,
		c.MessagesUpdated, c.MessagesSkipped, c.Users, calls, c.RateLimited,
		c.Retries, c.WaitSeconds, msg, r.RunID)
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
		noun := k
		if byKind[k] != 1 {
			noun += "s"
		}
		parts[i] = fmt.Sprintf("%d %s", byKind[k], noun)
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

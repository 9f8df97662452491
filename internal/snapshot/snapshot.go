// Package snapshot publishes the analysts' copy of the warehouse.
//
// The nightly writer is the only process that opens the working file; DuckDB
// lets one process hold a file for writing and nobody else open it meanwhile.
// So after each successful writing command the writer copies the whole
// database into a temporary file beside the published path (ATTACH, COPY
// FROM DATABASE, CHECKPOINT, DETACH), fsyncs it and renames it into place.
// rename(2) is atomic: a reader that opened the old snapshot keeps reading
// that file (its inode lives on while open), a reader that opens the path
// afterwards gets the new one, and no reader ever sees a half-written file or
// stops the writer.
//
// Each published file is also hard-linked into a history folder beside it
// (PATH.history/), which keeps the last N; Rollback puts the previous one back.
package snapshot

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// ErrNoSnapshot reports that there is no (earlier) snapshot to use.
var ErrNoSnapshot = errors.New("no snapshot")

// Options say how to publish.
type Options struct {
	// Keep is how many published snapshots the history keeps, the current
	// one included; below 1 means 1.
	Keep int
	// Now stamps the history entry.
	Now func() time.Time
	// Privacy says what the snapshot leaves out.
	Privacy Privacy
	// Replace maps "table.column" to an SQL expression over that column
	// (written as the bare column name) whose value the snapshot stores
	// instead, on top of Privacy's. The expressions come from code, never
	// from users.
	Replace map[string]string
	// MemoryLimit is the writer's own DuckDB memory limit (as configured,
	// e.g. "1GB"), put back after the copy, which runs capped at
	// publishMemoryLimit. Empty: the limit DuckDB reports before the copy,
	// which it prints rounded.
	MemoryLimit string
	// Committed, if set, is told after each step of publishing: the copy
	// written, renamed into place, recorded in the history (a test hook:
	// see docs/faults.md).
	Committed func(what string)
}

func (o Options) committed(what string) {
	if o.Committed != nil {
		o.Committed(what)
	}
}

// Result describes a published snapshot.
type Result struct {
	Path    string // the published path
	Entry   string // its history entry
	Bytes   int64
	Elapsed time.Duration
}

// stageName is the alias the temporary file is attached under.
const stageName = "aftermath_publish"

// Publish copies db into a new snapshot at dest and renames it into place.
// A failure leaves the previous snapshot where it was and no temporary
// file behind.
func Publish(ctx context.Context, db *sql.DB, dest string, opts Options) (res Result, err error) {
	start := time.Now()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("publish %s: %w", dest, err)
	}
	if err := removeKilledCopies(dest); err != nil {
		return res, fmt.Errorf("publish %s: %w", dest, err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d-%d", filepath.Base(dest), os.Getpid(), time.Now().UnixNano()))
	defer func() {
		if err != nil {
			os.Remove(tmp)
			os.Remove(tmp + ".wal")
		}
	}()
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("publish %s: %w", dest, err)
	}
	defer conn.Close()
	if err := copyInto(ctx, conn, tmp, opts.Privacy, opts.Replace, opts.MemoryLimit, opts.Now()); err != nil {
		return res, fmt.Errorf("publish %s: %w", dest, err)
	}
	if err := syncFile(tmp); err != nil {
		return res, fmt.Errorf("publish %s: %w", dest, err)
	}
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		return res, fmt.Errorf("publish %s: the copy left a write-ahead log; refusing to publish it", dest)
	}
	opts.committed("snapshot: copied")
	if err := os.Rename(tmp, dest); err != nil {
		return res, fmt.Errorf("publish %s: %w", dest, err)
	}
	if err := syncDir(dir); err != nil {
		return res, fmt.Errorf("publish %s: %w", dest, err)
	}
	opts.committed("snapshot: renamed")
	res.Path = dest
	if fi, err := os.Stat(dest); err == nil {
		res.Bytes = fi.Size()
	}
	entry, err := record(dest, opts.Now().UTC())
	if err != nil {
		return res, err
	}
	res.Entry = entry
	opts.committed("snapshot: recorded")
	if err := prune(dest, max(opts.Keep, 1)); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// removeKilledCopies removes the temporary copies (and their logs) that a
// publish to dest killed before its rename left beside it. The caller holds
// the warehouse's writer lock, so no other publish to dest is running.
func removeKilledCopies(dest string) error {
	dead, err := filepath.Glob(filepath.Join(filepath.Dir(dest), "."+globEscape(filepath.Base(dest))+".tmp-*"))
	if err != nil {
		return err
	}
	for _, p := range dead {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove the copy a killed publish left: %w", err)
		}
	}
	return nil
}

// globEscape quotes the pattern characters of a file name.
func globEscape(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// publishMemoryLimit caps DuckDB's memory while it copies the warehouse
// into the snapshot. COPY FROM DATABASE on top of the buffer cache a writing
// command has just filled took a 1M-message warehouse to 1,442 MiB (publish
// alone) and transform plus publish to 1,524 MiB, over SPEC §6's 1 GiB. A
// 512 MB cap brought those under 1 GiB but left the nightly run, whose
// publish follows ingest, transform and report in one process, at
// 1,090-1,220 MiB; with 256 MB the run peaked at 848-893 MiB and publish
// alone at 574 MiB, for a copy as fast (6.3 s) and a run about 1 s slower.
// Measured 2026-12-06/07 at 1.02M messages, docs/benchmarks.md.
const publishMemoryLimit = 256 << 20

// copyInto writes the connection's database into a new file at path.
func copyInto(ctx context.Context, conn *sql.Conn, path string, privacy Privacy, extra map[string]string, memoryLimit string, now time.Time) (err error) {
	var live string
	if err := conn.QueryRowContext(ctx, `SELECT current_database()`).Scan(&live); err != nil {
		return err
	}
	replace := privacy.replacements(live)
	for k, v := range extra {
		replace[k] = v
	}
	if privacy.PseudonymizeUsers {
		if err := ensureKey(ctx, conn, now); err != nil {
			return err
		}
	}
	restore, err := warehouse.CapMemory(ctx, conn, publishMemoryLimit, memoryLimit)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, restore()) }()
	// ATTACH takes no parameters: the path is quoted as a string literal.
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(path)+" AS "+stageName); err != nil {
		return fmt.Errorf("attach %s: %w", path, err)
	}
	attached := true
	defer func() {
		if attached {
			if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DETACH "+stageName); derr != nil && err == nil {
				err = derr
			}
		}
	}()
	if len(replace) == 0 && !privacy.On() && !hasKey(ctx, conn) {
		if _, err := conn.ExecContext(ctx, "COPY FROM DATABASE "+quoteIdent(live)+" TO "+stageName); err != nil {
			return fmt.Errorf("copy database: %w", err)
		}
	} else if err := copyReplacing(ctx, conn, live, replace); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CHECKPOINT "+stageName); err != nil {
		return fmt.Errorf("checkpoint copy: %w", err)
	}
	attached = false
	if _, err := conn.ExecContext(ctx, "DETACH "+stageName); err != nil {
		return fmt.Errorf("detach copy: %w", err)
	}
	return nil
}

// copyReplacing copies the schema, then each table's rows with the replaced
// columns rewritten on the way, so the original values never reach the
// new file (an UPDATE after a full copy could leave them in freed blocks).
func copyReplacing(ctx context.Context, conn *sql.Conn, live string, replace map[string]string) error {
	if _, err := conn.ExecContext(ctx, "COPY FROM DATABASE "+quoteIdent(live)+" TO "+stageName+" (SCHEMA)"); err != nil {
		return fmt.Errorf("copy schema: %w", err)
	}
	rows, err := conn.QueryContext(ctx, `
		SELECT table_name, list(column_name ORDER BY column_index)
		FROM duckdb_columns()
		WHERE database_name = ? AND schema_name = 'main'
		  AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' AND NOT temporary)
		GROUP BY table_name ORDER BY table_name`, live, live)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	type table struct {
		name string
		cols []string
	}
	var tables []table
	for rows.Next() {
		var t table
		var cols []any
		if err := rows.Scan(&t.name, &cols); err != nil {
			rows.Close()
			return fmt.Errorf("list tables: %w", err)
		}
		for _, c := range cols {
			t.cols = append(t.cols, fmt.Sprint(c))
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	for _, t := range tables {
		if t.name == keyTable {
			continue // the pseudonym key never leaves the working warehouse
		}
		exprs := make([]string, len(t.cols))
		for i, c := range t.cols {
			exprs[i] = quoteIdent(c)
			if e, ok := replace[t.name+"."+c]; ok {
				exprs[i] = e + " AS " + quoteIdent(c)
			}
		}
		q := fmt.Sprintf("INSERT INTO %s.main.%s SELECT %s FROM %s.main.%s",
			stageName, quoteIdent(t.name), strings.Join(exprs, ", "), quoteIdent(live), quoteIdent(t.name))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	return nil
}

// hasKey reports whether the working warehouse holds a pseudonym key, which
// a plain COPY FROM DATABASE would publish.
func hasKey(ctx context.Context, conn *sql.Conn) bool {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+keyTable).Scan(&n)
	return err == nil && n > 0
}

// ensureKey makes the pseudonym key on first use.
func ensureKey(ctx context.Context, conn *sql.Conn, now time.Time) error {
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+keyTable).Scan(&n); err != nil {
		return fmt.Errorf("pseudonym key: %w", err)
	}
	if n > 0 {
		return nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return fmt.Errorf("pseudonym key: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO `+keyTable+` VALUES (?, ?)`, hex.EncodeToString(buf), now); err != nil {
		return fmt.Errorf("pseudonym key: %w", err)
	}
	return nil
}

// HistoryDir is where the published snapshots at dest are kept.
func HistoryDir(dest string) string { return dest + ".history" }

// record hard-links the published file into the history (a copy where
// links are not possible).
func record(dest string, now time.Time) (string, error) {
	hdir := HistoryDir(dest)
	if err := os.MkdirAll(hdir, 0o755); err != nil {
		return "", fmt.Errorf("snapshot history: %w", err)
	}
	entry := filepath.Join(hdir, now.Format("20060102T150405.000000000Z")+".duckdb")
	if err := os.Link(dest, entry); err != nil {
		if err := copyFile(dest, entry); err != nil {
			return "", fmt.Errorf("snapshot history: %w", err)
		}
	}
	return entry, syncDir(hdir)
}

// History lists the kept snapshots of dest, oldest first.
func History(dest string) ([]string, error) {
	entries, err := os.ReadDir(HistoryDir(dest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot history: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".duckdb") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(HistoryDir(dest), e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

func prune(dest string, keep int) error {
	all, err := History(dest)
	if err != nil {
		return err
	}
	for len(all) > keep {
		if err := os.Remove(all[0]); err != nil {
			return fmt.Errorf("snapshot history: %w", err)
		}
		all = all[1:]
	}
	return nil
}

// Rollback puts the snapshot published before the current one back at
// dest, atomically, and drops the current one from the history, so a
// second rollback goes one further back. It returns the restored entry.
func Rollback(dest string) (string, error) {
	all, err := History(dest)
	if err != nil {
		return "", err
	}
	cur := len(all)
	if fi, err := os.Stat(dest); err == nil {
		for i := len(all) - 1; i >= 0; i-- {
			if hi, err := os.Stat(all[i]); err == nil && os.SameFile(fi, hi) {
				cur = i
				break
			}
		}
	}
	if cur == 0 || len(all) == 0 {
		return "", fmt.Errorf("%w: %s keeps no snapshot older than the current one", ErrNoSnapshot, HistoryDir(dest))
	}
	prev := all[cur-1]
	tmp := filepath.Join(filepath.Dir(dest), fmt.Sprintf(".%s.rollback-%d", filepath.Base(dest), os.Getpid()))
	os.Remove(tmp)
	if err := os.Link(prev, tmp); err != nil {
		if err := copyFile(prev, tmp); err != nil {
			return "", fmt.Errorf("rollback %s: %w", dest, err)
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("rollback %s: %w", dest, err)
	}
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return "", fmt.Errorf("rollback %s: %w", dest, err)
	}
	for _, later := range all[cur:] {
		if err := os.Remove(later); err != nil {
			return "", fmt.Errorf("rollback %s: %w", dest, err)
		}
	}
	return prev, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

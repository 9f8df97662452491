package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// CapMemory lowers DuckDB's memory_limit, a setting of the whole database,
// to limit bytes for one heavy statement (an export's first load, the
// snapshot copy), never raising it. It returns the function that puts the
// previous limit back: configured when set (as the user wrote it), else
// as DuckDB printed it, which DuckDB reads back up to 0.1 MiB lower. The
// restore runs even after the caller's context is cancelled.
func CapMemory(ctx context.Context, conn *sql.Conn, limit int64, configured string) (restore func() error, err error) {
	var prev string
	if err := conn.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&prev); err != nil {
		return nil, fmt.Errorf("read memory_limit: %w", err)
	}
	if n, ok := ParseSize(prev); ok && n <= limit {
		return func() error { return nil }, nil
	}
	if configured != "" {
		prev = configured
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET memory_limit = '%dB'", limit)); err != nil {
		return nil, fmt.Errorf("cap memory_limit at %d bytes: %w", limit, err)
	}
	return func() error {
		set := "SET memory_limit = '" + strings.ReplaceAll(prev, "'", "''") + "'"
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), set); err != nil {
			return fmt.Errorf("restore memory_limit %s: %w", prev, err)
		}
		return nil
	}, nil
}

// ParseSize reads a size as DuckDB prints memory_limit ("953.6 MiB",
// "1.8 GiB", "512.0 KiB", "0 bytes").
func ParseSize(s string) (int64, bool) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	mult := map[string]float64{"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
		"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}[unit]
	if mult == 0 {
		return 0, false
	}
	return int64(f * mult), true
}

// CapThreads lowers DuckDB's threads, a setting of the whole database, to
// n for one statement, never raising it, and returns the function that
// puts the previous number back (even after the caller's context is
// cancelled).
func CapThreads(ctx context.Context, conn *sql.Conn, n int) (restore func() error, err error) {
	var prev int64
	if err := conn.QueryRowContext(ctx, `SELECT current_setting('threads')`).Scan(&prev); err != nil {
		return nil, fmt.Errorf("read threads: %w", err)
	}
	if prev <= int64(n) {
		return func() error { return nil }, nil
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET threads = %d", n)); err != nil {
		return nil, fmt.Errorf("cap threads at %d: %w", n, err)
	}
	return func() error {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET threads = %d", prev)); err != nil {
			return fmt.Errorf("restore threads %d: %w", prev, err)
		}
		return nil
	}, nil
}

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

// DisableCompression adds methods (DuckDB's names: "dictionary",
// "fsst", ...) to disabled_compression_methods, a setting of the whole
// database, for one statement, and returns the function that puts the
// previous list back (even after the caller's context is cancelled). It
// changes how DuckDB compresses what the statement writes, never what it
// stores.
func DisableCompression(ctx context.Context, conn *sql.Conn, methods ...string) (restore func() error, err error) {
	var prev string
	if err := conn.QueryRowContext(ctx, `SELECT current_setting('disabled_compression_methods')`).Scan(&prev); err != nil {
		return nil, fmt.Errorf("read disabled_compression_methods: %w", err)
	}
	list := methods
	if prev != "" {
		list = append(strings.Split(prev, ","), methods...)
	}
	set := func(ctx context.Context, v string) error {
		_, err := conn.ExecContext(ctx, "SET disabled_compression_methods = '"+strings.ReplaceAll(v, "'", "''")+"'")
		return err
	}
	if err := set(ctx, strings.Join(list, ",")); err != nil {
		return nil, fmt.Errorf("disable compression %s: %w", strings.Join(methods, ", "), err)
	}
	return func() error {
		if err := set(context.WithoutCancel(ctx), prev); err != nil {
			return fmt.Errorf("restore disabled_compression_methods %q: %w", prev, err)
		}
		return nil
	}, nil
}

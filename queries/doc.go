// Package queries is the analysts' side of the warehouse: the read-only
// query runner behind `aftermath query`, its output formats, and the saved
// queries.
//
// Inputs: a database opened with Open (read-only, sandboxed, bounded by
// Limits) and one SQL statement. Output: the statement's result as a
// table, CSV, JSON, NDJSON, Parquet or an Arrow IPC file.
//
// Invariants:
//   - Run never changes the database or touches a file. Only a single
//     statement that DuckDB prepares as SELECT runs, inside DuckDB's query()
//     table function; Open's sandbox disables DuckDB's local file system
//     and locks the configuration. A refusal matches ErrReadOnly.
//   - Every statement stops at Limits.Timeout (a *TimeoutError) and within
//     Limits.MemoryLimit and Limits.Threads.
//   - DuckDB renders the text formats (CAST to VARCHAR, to_json); this
//     package only lays them out. Text formats work in every build; Parquet
//     and Arrow need the duckdb_arrow build tag.
//   - Memory stays flat in the result's size, except that the table format
//     holds up to Options.MaxTableRows rows.
//   - Every saved query (queries/*.sql) has a "-- name:" equal to its file
//     name and a "-- description:", and runs on an empty migrated warehouse;
//     a test checks all three.
//
// The numbered schema migrations live in the sub-package migrations.
package queries

// Package queries is the analysts' side of the warehouse: the read-only
// query runner behind `aftermath query`, its output formats, and the saved
// queries.
//
// Inputs: an open warehouse (internal/warehouse, opened with ReadOnly and
// Sandbox) and one SQL statement. Output: the statement's result, streamed
// from DuckDB as Arrow batches and written as a table, CSV, JSON, NDJSON,
// Parquet or an Arrow IPC file.
//
// Invariants:
//   - Run never changes the warehouse. DuckDB enforces it (read-only access
//     mode, no external access, locked configuration); Run reports DuckDB's
//     refusal as ErrReadOnly with DuckDB's message.
//   - Memory stays flat in the result's size: one Arrow batch at a time,
//     except that the table format holds up to Options.MaxTableRows rows.
//     (DuckDB itself materialises the result before the first batch; see
//     docs/querying.md.)
//   - Values print the same way in every text format: TIMESTAMPTZ as RFC 3339
//     in UTC, DATE as YYYY-MM-DD, DECIMAL and HUGEINT exactly, BLOB as base64,
//     JSON columns as the JSON itself, LIST/STRUCT/MAP as JSON.
//   - Every saved query (queries/*.sql) has a "-- name:" equal to its file
//     name and a "-- description:", and runs on an empty migrated warehouse;
//     a test checks all three.
//
// The numbered schema migrations live in the sub-package migrations.
package queries

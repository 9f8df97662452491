// Package migrations embeds the warehouse's numbered schema changes.
//
// Each file is NNNN_name.sql and runs once, in its own transaction, in
// version order (see internal/warehouse). A migration never changes after it
// has been released: a later change is a new file. Every table and column it
// creates carries a COMMENT ON, which `aftermath schema` prints and
// docs/schema.md mirrors.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

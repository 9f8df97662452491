package warehouse

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/queries/migrations"
)

var update = flag.Bool("update", false, "rewrite docs/schema.md")

// docs/schema.md is what `aftermath schema --format markdown` prints.
func TestDocsSchemaMatchesMigrations(t *testing.T) {
	db, err := Open(context.Background(), "", Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := Describe(context.Background(), db.DB)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := WriteMarkdown(&got, tables); err != nil {
		t.Fatal(err)
	}
	const path = "../../docs/schema.md"
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (go test ./internal/warehouse -update writes it): %v", path, err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("docs/schema.md is stale; run go test ./internal/warehouse -update (-doc +schema):\n%s", diff)
	}
}

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// aftermathCmd runs this test binary as aftermath (see TestMain).
func aftermathCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv...)
	return cmd
}

// rawChecksumColumns are the raw tables' meaningful columns: not the
// bookkeeping of when and by which run a row was written.
var rawChecksumColumns = map[string]string{
	"channels":      "* EXCLUDE (first_seen_at, updated_at, run_id)",
	"users":         "* EXCLUDE (first_seen_at, updated_at, run_id)",
	"messages":      "* EXCLUDE (ingested_at, updated_at, run_id)",
	"channel_state": "channel_id, oldest_ts, newest_ts",
}

// checksums returns, for each table, its row count and an md5 of its rows
// (the columns cols names), in an order that does not depend on storage.
func checksums(t *testing.T, db *warehouse.DB, cols map[string]string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	for table, c := range cols {
		var sum string
		q := fmt.Sprintf(`SELECT count(*) || ':' || coalesce(md5(string_agg(x::VARCHAR, chr(10) ORDER BY x::VARCHAR)), '') FROM (SELECT %s FROM %s) x`, c, table)
		if err := db.QueryRow(q).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		sums[table] = sum
	}
	return sums
}

// content returns a checksum of each raw table's meaningful columns (not
// the bookkeeping of when and by which run a row was written), and the
// number of messages stored per channel.
func content(t *testing.T, path string) (map[string]string, map[string]int) {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s after the run: %v", path, err)
	}
	defer db.Close()
	sums := checksums(t, db, rawChecksumColumns)
	counts := map[string]int{}
	rows, err := db.Query(`SELECT channel_id, count(*) FROM messages GROUP BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		counts[id] = n
	}
	return sums, counts
}

// Killing an export ingest at any moment leaves the warehouse as it was
// before the batch being written (every channel all or nothing), and a
// rerun ends equal to an uninterrupted run.
func TestKilledExportIngestResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess several times")
	}
	dir := t.TempDir()
	if _, err := samplegen.Generate(context.Background(), dir, samplegen.Options{
		Seed: 5, Weeks: 8, Incidents: 120, Scale: 1, End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	}); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "export")
	cfg := filepath.Join(dir, "small-batches.yaml")
	if err := os.WriteFile(cfg, []byte("export:\n  batch_mb: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ingest := func(db string) *exec.Cmd {
		return aftermathCmd("--db", db, "--config", cfg, "ingest", "export", export, "--all-channels")
	}

	clean := filepath.Join(t.TempDir(), "clean.duckdb")
	start := time.Now()
	if out, err := ingest(clean).CombinedOutput(); err != nil {
		t.Fatalf("clean ingest: %v\n%s", err, out)
	}
	full := time.Since(start)
	wantSums, wantCounts := content(t, clean)

	killed := filepath.Join(t.TempDir(), "killed.duckdb")
	r := rand.New(rand.NewPCG(1, 2))
	partial := false
	for i := 0; i < 5; i++ {
		cmd := ingest(killed)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(r.Int64N(int64(full))))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		_, counts := content(t, killed)
		for id, n := range counts {
			if n != wantCounts[id] {
				t.Errorf("kill %d: channel %s has %d of its %d messages: a batch was half written", i, id, n, wantCounts[id])
			}
		}
		if len(counts) > 0 && len(counts) < len(wantCounts) {
			partial = true
		}
	}
	if !partial {
		t.Log("no kill landed mid-ingest; the all-or-nothing check saw only empty or complete warehouses")
	}
	if out, err := ingest(killed).CombinedOutput(); err != nil {
		t.Fatalf("ingest after the kills: %v\n%s", err, out)
	}
	gotSums, _ := content(t, killed)
	if diff := cmp.Diff(wantSums, gotSums); diff != "" {
		t.Errorf("after kills and a rerun the warehouse differs from a clean run (-clean +killed):\n%s", diff)
	}
	db, err := warehouse.Open(context.Background(), killed, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var statuses string
	db.QueryRow(`SELECT string_agg(status, ',' ORDER BY run_id) FROM ingest_runs`).Scan(&statuses)
	if !strings.HasSuffix(statuses, ",ok") || strings.Contains(statuses, "running") {
		t.Errorf("ingest_runs statuses = %s; want the killed runs marked interrupted and the last ok", statuses)
	}
}

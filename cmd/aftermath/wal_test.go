package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A killed ingest leaves its committed batches in w.duckdb.wal. Damaged
// afterwards, the log is: cut short (DuckDB 1.5 replays the whole entries
// and drops the torn tail, like a kill mid-write), damaged inside an entry
// (DuckDB refuses to open: the error names the log and says to move it
// aside), or damaged in its header (DuckDB ignores the whole log). In every
// case the documented recovery (docs/faults.md: move the log aside if the
// error says so, rerun) ends equal to a clean run, since ingest refetches
// what the log held.
func TestCorruptedWAL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills an ingest and reruns it")
	}
	fd := newFaultData(t)
	base := fd.baseDir(t, "wal", "", []string{"ingest", "export", fd.export, "--no-publish"})
	args := func(dir string) []string {
		return dbArgs(dir, "ingest", "export", fd.export, "--all-channels", "--no-publish")
	}
	cleanDir := filepath.Join(t.TempDir(), "clean")
	copyTree(t, base, cleanDir)
	clean := runReporting(t, nil, 0, args(cleanDir)...)
	if clean.code != 0 {
		t.Fatalf("clean run: exit %d\n%s", clean.code, clean.out)
	}
	want := tableSums(t, filepath.Join(cleanDir, "w.duckdb"))
	// Kill after the second stored batch: the first two are in the log.
	killAt, stored := 0, 0
	for i, e := range clean.events {
		if strings.HasPrefix(e, "export: stored") {
			if stored++; stored == 2 {
				killAt = i + 1
				break
			}
		}
	}
	if killAt == 0 {
		t.Fatalf("the clean run stored fewer than two batches: %q", clean.events)
	}

	for _, tc := range []struct {
		name    string
		damage  func(wal []byte) []byte
		refused bool // DuckDB refuses to open the warehouse
	}{
		{"cut short", func(b []byte) []byte { return b[:len(b)*2/3] }, false},
		{"bytes flipped in an entry", func(b []byte) []byte {
			copy(b[len(b)/2:], []byte{0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef})
			return b
		}, true},
		{"bytes flipped in the header", func(b []byte) []byte {
			copy(b[8:], []byte{0xde, 0xad, 0xbe, 0xef})
			return b
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "w")
			copyTree(t, base, dir)
			if got := runReporting(t, nil, killAt, args(dir)...); !got.killed {
				t.Fatalf("the kill after %q missed: exit %d\n%s", clean.events[killAt-1], got.code, got.out)
			}
			wal := filepath.Join(dir, "w.duckdb.wal")
			b, err := os.ReadFile(wal)
			if err != nil {
				t.Fatalf("the killed ingest left no log: %v", err)
			}
			if err := os.WriteFile(wal, tc.damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			rerun := runReporting(t, nil, 0, args(dir)...)
			switch {
			case rerun.code == 0 && !tc.refused:
			case rerun.code == exitFailure && tc.refused:
				for _, s := range []string{wal, "mv " + wal + " " + wal + ".damaged", "docs/faults.md"} {
					if !strings.Contains(rerun.out, s) {
						t.Errorf("the error does not say %q:\n%s", s, rerun.out)
					}
				}
				// The documented recovery.
				if err := os.Rename(wal, wal+".damaged"); err != nil {
					t.Fatal(err)
				}
				if rerun = runReporting(t, nil, 0, args(dir)...); rerun.code != 0 {
					t.Fatalf("the rerun after moving the log aside exited %d\n%s", rerun.code, rerun.out)
				}
			default:
				t.Fatalf("with the log %s the rerun exited %d; want %v (DuckDB refuses: %v)\n%s", tc.name, rerun.code, map[bool]int{true: exitFailure, false: exitOK}[tc.refused], tc.refused, rerun.out)
			}
			if diff := cmp.Diff(want, tableSums(t, filepath.Join(dir, "w.duckdb"))); diff != "" {
				t.Errorf("after the recovery the warehouse differs from a clean run (-clean +recovered):\n%s", diff)
			}
		})
	}
}

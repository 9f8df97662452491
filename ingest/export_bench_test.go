package ingest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// The export ingest hot path, comparable with benchstat:
//
//	go test ./ingest -run '^$' -bench 'BenchmarkExport|BenchmarkScan' -count 6 > new.txt
//	benchstat old.txt new.txt
//
// Each reads a generated export of about 20,000 messages (samplegen seed
// 11, 8 weeks, 40 incidents); msgs/s is messages stored (or compared) per
// second. The whole-export figures against DuckDB's read_json are
// `aftermath dev bench` (docs/benchmarks.md).

var benchExport struct {
	once sync.Once
	dir  string
	n    int64
	err  error
}

// exportForBench generates the benchmark export once per test binary.
func exportForBench(b *testing.B) (string, int64) {
	b.Helper()
	benchExport.once.Do(func() {
		dir, err := os.MkdirTemp("", "aftermath-bench-export-")
		if err != nil {
			benchExport.err = err
			return
		}
		sum, err := samplegen.Generate(context.Background(), dir, samplegen.Options{
			Seed: 11, Weeks: 8, Incidents: 40, Scale: 1, End: testNow.Add(-24 * time.Hour),
		})
		benchExport.dir, benchExport.n, benchExport.err = filepath.Join(dir, "export"), sum.Messages, err
	})
	if benchExport.err != nil {
		b.Fatal(benchExport.err)
	}
	return benchExport.dir, benchExport.n
}

func benchIngest(b *testing.B, db *warehouse.DB, export string) *Result {
	b.Helper()
	res, err := IngestExport(context.Background(), db, ExportOptions{
		Path:       export,
		Selection:  NewSelection(config.Channels{}, nil, true),
		BatchBytes: 512 << 20,
		TempDir:    b.TempDir(),
		Now:        func() time.Time { return testNow },
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

func openBenchDB(b *testing.B) *warehouse.DB {
	b.Helper()
	db, err := warehouse.Open(context.Background(), filepath.Join(b.TempDir(), "w.duckdb"), warehouse.Options{Migrations: migrations.FS, MemoryLimit: "1GB"})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkExportFirstLoad: an export into an empty warehouse (the one
// INSERT … SELECT of first_load_messages).
func BenchmarkExportFirstLoad(b *testing.B) {
	export, n := exportForBench(b)
	for b.Loop() {
		b.StopTimer()
		db := openBenchDB(b)
		b.StartTimer()
		res := benchIngest(b, db, export)
		b.StopTimer()
		if res.Counts.MessagesNew != n {
			b.Fatalf("stored %d new messages; the export holds %d", res.Counts.MessagesNew, n)
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*int64(b.N))/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkExportMerge: the same export again into a warehouse that holds
// it (the batched merge: stage, validate, compare every message with the
// stored one, store nothing).
func BenchmarkExportMerge(b *testing.B) {
	export, n := exportForBench(b)
	db := openBenchDB(b)
	defer db.Close()
	benchIngest(b, db, export)
	for b.Loop() {
		res := benchIngest(b, db, export)
		if res.Counts.MessagesRead != n || res.Counts.MessagesNew != 0 {
			b.Fatalf("read %d, stored %d new; want %d read, 0 new", res.Counts.MessagesRead, res.Counts.MessagesNew, n)
		}
	}
	b.ReportMetric(float64(n*int64(b.N))/b.Elapsed().Seconds(), "msgs/s")
}

// dayFilesForBench reads every day file of export into memory (so a
// benchmark measures CPU, not the disk) and sets the bytes per op.
func dayFilesForBench(b *testing.B, export string) (files []string, days [][]byte) {
	files, err := filepath.Glob(filepath.Join(export, "*", "*.json"))
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, f := range files {
		day, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		days = append(days, day)
		size += int64(len(day))
	}
	b.SetBytes(size)
	return files, days
}

// BenchmarkScanElements: the Go bound scan over every day file, read into
// memory first (the scan's CPU cost, not the disk's).
func BenchmarkScanElements(b *testing.B) {
	export, _ := exportForBench(b)
	files, days := dayFilesForBench(b, export)
	for b.Loop() {
		for i, day := range days {
			if _, ok, err := scanElements(bytes.NewReader(day), DefaultBounds()); !ok || err != nil {
				b.Fatalf("%s: ok %v, %v", files[i], ok, err)
			}
		}
	}
}

// BenchmarkCanonFile: Go's one-pass reading (arrayReader) of every day file (canonical
// text and fields of each message, the bounds) for the first load, read
// into memory first.
func BenchmarkCanonFile(b *testing.B) {
	export, n := exportForBench(b)
	files, days := dayFilesForBench(b, export)
	var canon []byte
	var f messageFields
	var r arrayReader
	for b.Loop() {
		read := 0
		for i, day := range days {
			r.open(day, DefaultBounds())
			for {
				var ok bool
				if canon, ok = r.next(canon[:0], &f); !ok {
					break
				}
				read++
			}
			if !r.done {
				b.Fatalf("%s: not read in one pass", files[i])
			}
		}
		if int64(read) < n {
			b.Fatalf("read %d messages; the export holds at least %d", read, n)
		}
	}
}

package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
)

// A nightly run publishes its report and snapshot to S3 (an in-process
// fake), and both read back; the demo's local folders keep working.
func TestRunPublishesToS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("lake"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test-key-id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
	t.Setenv("AWS_REGION", "us-east-1")
	q := "?endpoint=" + srv.URL + "&use_path_style=true&disable_https=true&region=us-east-1"

	f := newRunFixture(t, 20)
	cfg := filepath.Join(f.dir, "s3.yaml")
	body := "run:\n  ingest: export\n  export_dir: drop\npublish:\n" +
		"  snapshot: s3://lake/warehouse/aftermath.snapshot.duckdb" + q + "\n" +
		"  reports: s3://lake/reports" + q + "\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "w.duckdb")
	d, _, stderr := testDeps(false)
	if code := mainDeps(d, []string{"--db", db, "--config", cfg, "run"}); code != 0 {
		t.Fatalf("run exited %d:\n%s", code, stderr)
	}
	if strings.Contains(stderr.String(), "test-secret-key") || strings.Contains(stderr.String(), "endpoint=") {
		t.Errorf("the log shows credentials or the URL's query:\n%s", stderr)
	}

	bucket, err := blob.OpenBucket(context.Background(), "s3://lake"+q)
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	get := func(key string) []byte {
		b, err := bucket.ReadAll(context.Background(), key)
		if err != nil {
			t.Errorf("read %s back: %v", key, err)
		}
		return b
	}
	local, err := os.ReadFile(filepath.Join(filepath.Dir(db), "w.snapshot.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if got := get("warehouse/aftermath.snapshot.duckdb"); string(got) != string(local) {
		t.Errorf("the uploaded snapshot (%d bytes) differs from the local one (%d bytes)", len(got), len(local))
	}
	if !strings.Contains(string(get("reports/index.html")), "<html") {
		t.Errorf("reports/index.html is not the report index")
	}
	var weeks int
	it := bucket.List(&blob.ListOptions{Prefix: "reports/"})
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(obj.Key, "/report.html") {
			weeks++
		}
	}
	if weeks != 1 {
		t.Errorf("%d weekly report.html objects uploaded; want 1", weeks)
	}
}

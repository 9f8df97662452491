package remote

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
)

// fakeS3 is an in-process S3 (gofakes3) with one bucket; failOn, when set,
// makes a PUT of a key containing it fail.
func fakeS3(t *testing.T, failOn *atomic.Value) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("lake"); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(backend).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, _ := failOn.Load().(string); s != "" && r.Method == http.MethodPut && strings.Contains(r.URL.Path, s) {
			http.Error(w, "injected failure", http.StatusInternalServerError)
			return
		}
		faker.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test-key-id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	return "?endpoint=" + srv.URL + "&use_path_style=true&disable_https=true&region=us-east-1"
}

func read(t *testing.T, q, key string) string {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), "s3://lake"+q)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r, err := b.NewReader(context.Background(), key, nil)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	defer r.Close()
	data, _ := io.ReadAll(r)
	return string(data)
}

func writeTree(t *testing.T, files map[string]string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	var names []string
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return dir, names
}

// Reports published to S3 read back; an upload interrupted before the
// index leaves the previous index.html in place.
func TestUploadTreeIndexLast(t *testing.T) {
	var failOn atomic.Value
	failOn.Store("")
	q := fakeS3(t, &failOn)
	ctx := context.Background()

	dir, files := writeTree(t, map[string]string{"index.html": "index v1", "2026-W47/report.html": "week 47", "2026-W47/report.json": "{}"})
	if err := UploadTree(ctx, "s3://lake/reports"+q, dir, files); err != nil {
		t.Fatal(err)
	}
	if got := read(t, q, "reports/2026-W47/report.html"); got != "week 47" {
		t.Errorf("report.html = %q; want it uploaded", got)
	}

	dir, files = writeTree(t, map[string]string{"index.html": "index v2", "2026-W48/report.html": "week 48", "2026-W48/report.json": "{}"})
	failOn.Store("2026-W48/report.json")
	err := UploadTree(ctx, "s3://lake/reports"+q, dir, files)
	if err == nil {
		t.Fatal("upload with a failing PUT succeeded")
	}
	if strings.Contains(err.Error(), "test-secret") || strings.Contains(err.Error(), "endpoint=") {
		t.Errorf("error leaks credentials or the URL's query: %v", err)
	}
	if got := read(t, q, "reports/index.html"); got != "index v1" {
		t.Errorf("after an interrupted upload index.html = %q; want the previous one", got)
	}
	failOn.Store("")
	if err := UploadTree(ctx, "s3://lake/reports"+q, dir, files); err != nil {
		t.Fatal(err)
	}
	if got := read(t, q, "reports/index.html"); got != "index v2" {
		t.Errorf("index.html = %q; want v2", got)
	}
}

func TestUploadFileAndURLs(t *testing.T) {
	var failOn atomic.Value
	failOn.Store("")
	q := fakeS3(t, &failOn)
	local := filepath.Join(t.TempDir(), "s.duckdb")
	os.WriteFile(local, []byte("snapshot bytes"), 0o644)
	if err := UploadFile(context.Background(), "s3://lake/warehouse/aftermath.snapshot.duckdb"+q, local); err != nil {
		t.Fatal(err)
	}
	if got := read(t, q, "warehouse/aftermath.snapshot.duckdb"); got != "snapshot bytes" {
		t.Errorf("snapshot = %q", got)
	}
	if err := UploadFile(context.Background(), "s3://lake"+q, local); err == nil {
		t.Error("UploadFile to a bare bucket succeeded; want an error asking for the object name")
	}
	for in, want := range map[string]bool{"s3://b/p": true, "gs://b": true, "azblob://c/x": true, "reports": false, "/srv/reports": false, "file:///x": false, "s3:///nobucket": false} {
		if got := IsURL(in); got != want {
			t.Errorf("IsURL(%q) = %v; want %v", in, got, want)
		}
	}
	if got := Redact("s3://b/p?endpoint=http://x&secret=y"); got != "s3://b/p" {
		t.Errorf("Redact = %q", got)
	}
}

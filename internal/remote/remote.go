// Package remote publishes reports and the analysts' snapshot to object
// stores (s3://, gs://, azblob://) through gocloud.dev/blob.
//
// A destination is a bucket URL with an optional key prefix and the
// driver's query parameters: s3://bucket/aftermath/reports?region=eu-west-1,
// or, for S3-compatible stores such as MinIO or R2,
// s3://bucket/prefix?endpoint=https://minio:9000&use_path_style=true.
// Credentials come from each cloud's standard environment (AWS_* and
// ~/.aws, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*), never from the
// configuration, and never reach logs: Redact drops a URL's query.
//
// An object store has no rename, but a single object PUT is atomic: a
// reader gets the old object or the new one. So a snapshot is one PUT, and
// a report's files go first with index.html, the only entry point, last: a
// reader never follows the index to a week that is not all there, and an
// interrupted upload leaves the previous index in place.
package remote

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/s3blob"    // s3://
)

// Schemes are the object-store URL schemes a publish.* setting may use.
var Schemes = []string{"s3", "gs", "azblob"}

// IsURL reports whether dest names an object store rather than a folder.
func IsURL(dest string) bool {
	u, err := url.Parse(dest)
	if err != nil {
		return false
	}
	for _, s := range Schemes {
		if u.Scheme == s {
			return u.Host != ""
		}
	}
	return false
}

// Redact is dest without its query, for logs and errors.
func Redact(dest string) string {
	u, err := url.Parse(dest)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// open splits dest into its bucket and key prefix and opens the bucket.
func open(ctx context.Context, dest string) (*blob.Bucket, string, error) {
	u, err := url.Parse(dest)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not a URL", Redact(dest))
	}
	prefix := strings.Trim(u.Path, "/")
	u.Path = ""
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", Redact(dest), err)
	}
	return b, prefix, nil
}

// UploadFile writes the local file to the object dest names (bucket and
// key), in one PUT.
func UploadFile(ctx context.Context, dest, local string) error {
	b, key, err := open(ctx, dest)
	if err != nil {
		return err
	}
	defer b.Close()
	if key == "" {
		return fmt.Errorf("%s: name the object, e.g. s3://bucket/aftermath.snapshot.duckdb", Redact(dest))
	}
	return put(ctx, b, key, local)
}

// UploadTree writes each file under local to dest's prefix, keeping its
// relative path: every other file first, the index.html files last.
func UploadTree(ctx context.Context, dest, local string, files []string) error {
	b, prefix, err := open(ctx, dest)
	if err != nil {
		return err
	}
	defer b.Close()
	sorted := append([]string(nil), files...)
	sort.SliceStable(sorted, func(i, j int) bool {
		ii, ji := path.Base(sorted[i]) == "index.html", path.Base(sorted[j]) == "index.html"
		if ii != ji {
			return ji
		}
		return sorted[i] < sorted[j]
	})
	for _, rel := range sorted {
		key := path.Join(prefix, filepath.ToSlash(rel))
		if err := put(ctx, b, key, filepath.Join(local, rel)); err != nil {
			return err
		}
	}
	return nil
}

func put(ctx context.Context, b *blob.Bucket, key, local string) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType(key)})
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Close()
		return fmt.Errorf("upload %s: %w", key, err)
	}
	// Close commits the object; a failed or cancelled upload leaves the
	// previous object as it was.
	if err := w.Close(); err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	return nil
}

func contentType(key string) string {
	switch path.Ext(key) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".json":
		return "application/json"
	case ".csv":
		return "text/csv; charset=utf-8"
	}
	return "application/octet-stream"
}

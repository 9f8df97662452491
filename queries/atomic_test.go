package queries

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := WriteAtomic(path, write("one\n")); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "one\n", 0o644)

	// A failed write leaves the old file as it was and no temporary file.
	boom := errors.New("boom")
	err := WriteAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("WriteAtomic(failing) error = %v; want boom", err)
	}
	checkFile(t, path, "one\n", 0o644)

	// A replaced file keeps its mode.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(path, write("two\n")); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "two\n", 0o600)

	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries after the writes; want only out.csv", len(entries))
	}
	if err := WriteAtomic(filepath.Join(dir, "missing", "x.csv"), write("x")); err == nil {
		t.Errorf("WriteAtomic into a missing directory succeeded")
	}
	if err := WriteAtomic(dir, write("x")); err == nil {
		t.Errorf("WriteAtomic over a directory succeeded")
	}
}

func checkFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != content {
		t.Errorf("%s holds %q; want %q", path, b, content)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != mode {
		t.Errorf("%s mode = %v; want %v", path, fi.Mode().Perm(), mode)
	}
}

package ingest

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// Found by FuzzExportZip (issue 11; input
// testdata/fuzz/FuzzExportZip/584eb8d7f1657a4b): a ZIP whose end record
// says the central directory starts later than it does opens, but its
// entries' offsets come out before the start of the file, and reading one
// failed with "readat export.zip: negative offset", an *os.PathError that
// Local took for a full disk: the whole run failed (exit 1) instead of
// naming the damaged entries (exit 3). Now a directory that places every
// entry wrongly is walked like a truncated one, and an entry that cannot be
// read is skipped by name (the fuzz input above).
func TestExportZipDirectoryOffsetPastDirectory(t *testing.T) {
	path := zipDir(t, fixture, nil)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end := len(b) - 22 // the end record, no comment
	if binary.LittleEndian.Uint32(b[end:]) != 0x06054b50 {
		t.Fatal("no end record where expected")
	}
	// Still inside the file (archive/zip checks that), but as far past
	// the real directory as it goes: the early entries, channels.json and
	// users.json among them, get negative offsets.
	binary.LittleEndian.PutUint32(b[end+16:], uint32(end-1))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db := warehousetest.Open(t)
	res, err := ingestPath(t, db, path, defaultSelection(t))
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("IngestExport(end record past the directory) = %v; want a partial run", err)
	}
	if got := strings.Join(skipsOf(res), "\n"); !strings.Contains(got, "export.zip: truncated or damaged ZIP") {
		t.Errorf("skips = %s; want the damaged directory named", got)
	}
	// The entries themselves are whole: walking them loses nothing.
	clean := warehousetest.Open(t)
	if _, err := ingestPath(t, clean, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	q := `SELECT count(*) FROM messages`
	if got, want := warehouse.Rows(t, db.DB, q)[0], warehouse.Rows(t, clean.DB, q)[0]; got != want {
		t.Errorf("stored %s messages; the intact export holds %s", got, want)
	}
}

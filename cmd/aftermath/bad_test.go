package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestBadInputs runs the bad-input corpus, ../../testdata/bad/*.txtar: one
// hostile or broken input per file, with the exit code, the error text and
// the rows that must survive.
func TestBadInputs(t *testing.T) {
	testscript.Run(t, scriptParams("../../testdata/bad"))
}

// genbad writes the bad input KIND to out. Inputs too big (or too binary)
// to commit are made here at test time. base is the fixture export that
// the zip kinds pack, so every case can check what survives.
//
//	zip                  the fixture, zipped (nothing bad: a baseline)
//	zip-bomb             + incidents/2026-11-22.json: 64 MiB of blanks (ratio ~1000)
//	zip-bomb-truncated   the same with the central directory cut off
//	zip-bomb-many        + 40 entries of 1 MiB of blanks each (total bound)
//	zip-dir-offset       the fixture zipped, its end record pointing past the central directory
//	zip-truncated        the fixture zipped, cut in the middle of the last entry
//	zip-long-name        + a folder name of 300 bytes
//	zip-nul-name         + a folder name with a NUL byte
//	zip-slip             + ../, absolute, backslash and drive-letter names
//	zip-symlink          + a symlink entry pointing at /etc/passwd
//	deep                 the fixture folder, one message nested 100,000 deep
//	deep-200             the fixture folder, one message nested 200 deep
//	huge                 the fixture folder, one message of 2 MiB
//	many-files           the fixture folder, + 1,500 day files in incidents/
func genbad(kind, out, base string) error {
	blank := func(n int) []byte {
		b := bytes.Repeat([]byte(" "), n)
		b[0], b[n-1] = '[', ']'
		return b
	}
	switch kind {
	case "zip":
		return writeZip(out, base, nil, 0)
	case "zip-bomb":
		return writeZip(out, base, []zipExtra{{name: "incidents/2026-11-22.json", body: blank(64 << 20)}}, 0)
	case "zip-bomb-truncated":
		// The bomb is the last entry; cutting 22 bytes past its data
		// removes the central directory, so the recovery path reads it.
		return writeZip(out, base, []zipExtra{{name: "incidents/2026-11-22.json", body: blank(64 << 20)}}, -1)
	case "zip-bomb-many":
		var extras []zipExtra
		for i := range 40 {
			extras = append(extras, zipExtra{name: fmt.Sprintf("incidents/2025-01-%02d.json", i%28+1), body: blank(1 << 20)})
			if i >= 28 {
				extras[i].name = fmt.Sprintf("incidents/2025-02-%02d.json", i-27)
			}
		}
		return writeZip(out, base, extras, 0)
	case "zip-dir-offset":
		// Found by FuzzExportZip: the end record points past the central
		// directory (still inside the file), so every entry's offset comes
		// out before the start of the file.
		if err := writeZip(out, base, nil, 0); err != nil {
			return err
		}
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(b[len(b)-22+16:], uint32(len(b)-23))
		return os.WriteFile(out, b, 0o644)
	case "zip-truncated":
		if err := writeZip(out, base, nil, 0); err != nil {
			return err
		}
		st, err := os.Stat(out)
		if err != nil {
			return err
		}
		return os.Truncate(out, st.Size()*3/4)
	case "zip-long-name":
		return writeZip(out, base, []zipExtra{{name: strings.Repeat("x", 300) + "/2026-11-20.json", body: []byte(`[]`)}}, 0)
	case "zip-nul-name":
		return writeZip(out, base, []zipExtra{{name: "inc-\x00evil/2026-11-20.json", body: []byte(`[]`)}}, 0)
	case "zip-slip":
		return writeZip(out, base, []zipExtra{
			{name: "../evil.json", body: []byte(`[]`)},
			{name: "/etc/evil.json", body: []byte(`[]`)},
			{name: `incidents\..\..\evil.json`, body: []byte(`[]`)},
			{name: "C:/evil.json", body: []byte(`[]`)},
		}, 0)
	case "zip-symlink":
		return writeZip(out, base, []zipExtra{{name: "incidents/2026-11-23.json", body: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}}, 0)
	case "bulk":
		// 8 MB of ordinary messages over 40 days: enough that DuckDB
		// writes and checkpoints on its own threads.
		if err := os.CopyFS(out, os.DirFS(base)); err != nil {
			return err
		}
		for d := range 40 {
			var msgs []string
			for i := range 100 {
				ts := 1790000000 + int64(d)*86400 + int64(i)*60
				msgs = append(msgs, fmt.Sprintf(`{"type": "message", "ts": "%d.000100", "user": "U0BOB", "text": "bulk %d %s"}`, ts, i, strings.Repeat("x", 2000)))
			}
			name := filepath.Join(out, "incidents", unixDay(1790000000+int64(d)*86400)+".json")
			if err := os.WriteFile(name, []byte("["+strings.Join(msgs, ",")+"]"), 0o644); err != nil {
				return err
			}
		}
		return nil
	case "deep", "deep-200", "huge", "many-files":
		if err := os.CopyFS(out, os.DirFS(base)); err != nil {
			return err
		}
		day := filepath.Join(out, "incidents", "2026-11-22.json")
		switch kind {
		case "deep", "deep-200":
			n := 100_000
			if kind == "deep-200" {
				n = 200
			}
			msg := `{"type": "message", "ts": "1795300000.000100", "user": "U0BOB", "text": "deep", "x": ` +
				strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
			return os.WriteFile(day, []byte(`[`+msg+`, {"type": "message", "ts": "1795300001.000100", "user": "U0BOB", "text": "shallow neighbour"}]`), 0o644)
		case "huge":
			msg := `{"type": "message", "ts": "1795300000.000100", "user": "U0BOB", "text": "` + strings.Repeat("a", 2<<20) + `"}`
			return os.WriteFile(day, []byte(`[`+msg+`, {"type": "message", "ts": "1795300001.000100", "user": "U0BOB", "text": "small neighbour"}]`), 0o644)
		default:
			for i := range 1500 {
				// One message per day from 2020-01-01 on: ts follows the name.
				ts := 1577880000 + int64(i)*86400
				name := filepath.Join(out, "incidents", fmt.Sprintf("%s.json", unixDay(ts)))
				body := fmt.Sprintf(`[{"type": "message", "ts": "%d.000100", "user": "U0BOB", "text": "day %d"}]`, ts, i)
				if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return fmt.Errorf("genbad: unknown kind %q", kind)
}

type zipExtra struct {
	name string
	body []byte
	mode fs.FileMode
}

// writeZip packs base's files and then extras into out. cut < 0 drops the
// central directory (a truncated download that ends after the last entry).
func writeZip(out, base string, extras []zipExtra, cut int) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		return err
	}
	for _, e := range extras {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(e.body); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	b := buf.Bytes()
	if cut < 0 {
		// The end record (the last 22 bytes, no comment) says where the
		// central directory starts: keep everything before it.
		cd := binary.LittleEndian.Uint32(b[len(b)-22+16:])
		b = b[:cd]
	}
	return os.WriteFile(out, b, 0o644)
}

// unixDay is the UTC day of a Unix time, as export day files are named.
func unixDay(sec int64) string { return time.Unix(sec, 0).UTC().Format("2006-01-02") }

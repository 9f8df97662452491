package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FewChannelNames are the channels the few-channels shape writes; a
// workspace of that shape names them in channels.include, since their
// names do not look like incident channels.
func FewChannelNames() []string {
	names := make([]string, fewChannels)
	for g := range names {
		names[g] = fmt.Sprintf("big-%d", g)
	}
	return names
}

// SplitExport copies the Slack export in src into base and delta: delta
// gets the day files of the last days calendar days (counted back from the
// newest day file in the export), base every other one, and both get the
// top-level files (channels.json, users.json, ...). It is the nightly
// benchmark's state: base is what the warehouse already holds, delta what
// the next night's export adds. base and delta must not exist. It returns
// how many day files went to each.
func SplitExport(src, base, delta string, days int) (nBase, nDelta int, err error) {
	files, err := filepath.Glob(filepath.Join(src, "*", "*.json"))
	if err != nil {
		return 0, 0, err
	}
	var newest time.Time
	dated := map[string]time.Time{}
	for _, f := range files {
		d, err := time.Parse("2006-01-02", strings.TrimSuffix(filepath.Base(f), ".json"))
		if err != nil {
			continue // not a day file
		}
		dated[f] = d
		if d.After(newest) {
			newest = d
		}
	}
	if len(dated) == 0 {
		return 0, 0, fmt.Errorf("split export %s: no day files", src)
	}
	cut := newest.AddDate(0, 0, 1-days)
	for _, dir := range []string{base, delta} {
		if _, err := os.Stat(dir); err == nil {
			return 0, 0, fmt.Errorf("split export: %s exists", dir)
		}
		if err := copyTopLevel(src, dir); err != nil {
			return 0, 0, err
		}
	}
	sorted := make([]string, 0, len(dated))
	for f := range dated {
		sorted = append(sorted, f)
	}
	sort.Strings(sorted)
	for _, f := range sorted {
		dst := base
		if !dated[f].Before(cut) {
			dst, nDelta = delta, nDelta+1
		} else {
			nBase++
		}
		if err := CopyFile(f, filepath.Join(dst, filepath.Base(filepath.Dir(f)), filepath.Base(f))); err != nil {
			return 0, 0, err
		}
	}
	return nBase, nDelta, nil
}

func copyTopLevel(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := CopyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// CopyFile copies the file src to dst, making dst's folder.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// DeriveConfig writes to dst the YAML configuration in src with the given
// settings replaced, keyed by dotted path ("run.ingest"). dst goes in the
// same folder as src, so paths relative to the file still resolve.
func DeriveConfig(src, dst string, set map[string]any) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts := strings.Split(k, ".")
		m := doc
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = set[k]
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	header := fmt.Sprintf("# Made by aftermath dev bench from %s.\n", filepath.Base(src))
	return os.WriteFile(dst, append([]byte(header), out...), 0o644)
}

// The markers around the part of docs/benchmarks.md that make bench
// rewrites; everything outside them is left as it is.
const (
	SpliceBegin = "<!-- make bench: begin (generated; edit outside these markers) -->"
	SpliceEnd   = "<!-- make bench: end -->"
)

// Splice returns doc with the text between the markers replaced by
// generated. A document without the markers gets them, with generated,
// appended at its end.
func Splice(doc, generated []byte) ([]byte, error) {
	block := append(append([]byte(SpliceBegin+"\n\n"), bytes.TrimSpace(generated)...), []byte("\n\n"+SpliceEnd)...)
	i := bytes.Index(doc, []byte(SpliceBegin))
	j := bytes.Index(doc, []byte(SpliceEnd))
	switch {
	case i < 0 && j < 0:
		out := append(bytes.TrimRight(doc, "\n"), []byte("\n\n")...)
		return append(append(out, block...), '\n'), nil
	case i < 0 || j < i || bytes.Count(doc, []byte(SpliceBegin)) > 1 || bytes.Count(doc, []byte(SpliceEnd)) > 1:
		return nil, fmt.Errorf("the make bench markers are damaged: want one %q before one %q", SpliceBegin, SpliceEnd)
	}
	out := append([]byte{}, doc[:i]...)
	out = append(out, block...)
	return append(out, doc[j+len(SpliceEnd):]...), nil
}

// CopyState copies a warehouse file with its published snapshot and the
// snapshot's history (NAME.snapshot.duckdb and NAME.snapshot.duckdb.history,
// where they exist) to dst and the same names beside it, so each run of a
// benchmark starts from the same state.
func CopyState(src, dst string) error {
	for _, suffix := range []string{"", ".snapshot.duckdb"} {
		from, to := src, dst
		if suffix != "" {
			from = strings.TrimSuffix(src, ".duckdb") + suffix
			to = strings.TrimSuffix(dst, ".duckdb") + suffix
		}
		if _, err := os.Stat(from); err != nil {
			if suffix == "" {
				return err
			}
			continue
		}
		if err := CopyFile(from, to); err != nil {
			return err
		}
	}
	hist := strings.TrimSuffix(src, ".duckdb") + ".snapshot.duckdb.history"
	if _, err := os.Stat(hist); err != nil {
		return nil
	}
	return os.CopyFS(strings.TrimSuffix(dst, ".duckdb")+".snapshot.duckdb.history", os.DirFS(hist))
}

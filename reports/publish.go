package reports

// Publish: write the week's files atomically and refresh the index.

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

func mapsKeys(m map[string][]byte) func(func(string) bool) { return maps.Keys(m) }

// publish writes files into OUT/<label>/ by building a temporary folder
// beside it and renaming it into place, then rewrites OUT/index.html the
// same way (write a temporary file, rename). A failed or killed run leaves
// the previous week's folder and index as they were; the next run removes
// what the killed one left half-written.
func publish(out string, r *Report, files map[string][]byte, committed func(string)) (string, error) {
	if committed == nil {
		committed = func(string) {}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("report output %s: %w", out, err)
	}
	unlock, err := lockOut(out)
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := sweepLeftovers(out); err != nil {
		return "", err
	}
	final := filepath.Join(out, r.Week)
	tmp, err := os.MkdirTemp(out, "."+r.Week+".tmp-")
	if err != nil {
		return "", fmt.Errorf("report output %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := writeSync(filepath.Join(tmp, name), files[name]); err != nil {
			return "", err
		}
		committed("report: wrote " + name)
	}
	// Files of formats not asked for this time stay as they were.
	if prev, err := os.ReadDir(final); err == nil {
		for _, e := range prev {
			if _, ok := files[e.Name()]; ok || !e.Type().IsRegular() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(final, e.Name()))
			if err != nil {
				return "", fmt.Errorf("report output: %w", err)
			}
			if err := writeSync(filepath.Join(tmp, e.Name()), b); err != nil {
				return "", err
			}
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	// Swap: the old folder moves aside, the new one takes its name, then
	// the old one goes. Between the two renames a reader sees no folder for
	// a moment, never a half-written one.
	old := ""
	if _, err := os.Stat(final); err == nil {
		old = tmp + ".old"
		if err := os.Rename(final, old); err != nil {
			return "", fmt.Errorf("report output: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		if old != "" {
			os.Rename(old, final)
		}
		return "", fmt.Errorf("report output: %w", err)
	}
	committed("report: renamed " + r.Week)
	if old != "" {
		os.RemoveAll(old)
	}
	if err := writeIndex(out, r.Title); err != nil {
		return final, err
	}
	committed("report: index")
	return final, nil
}

// outLockName is the lock file in OUT that publishers hold while they
// write. Two runs sharing OUT (two warehouses, say) take turns, and one
// that holds it knows every temporary entry it finds is a dead run's.
const outLockName = ".aftermath-report.lock"

// lockOut takes the lock of the output folder, waiting for another
// publisher to finish. The kernel releases it when a holder dies.
func lockOut(out string) (func(), error) {
	path := filepath.Join(out, outLockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("report output lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("report output lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// sweepLeftovers removes what a killed publisher left in out: a week's
// temporary folder, the index's temporary file, and a week folder moved
// aside for the swap. A week folder moved aside whose new one never took
// its name is put back, so a kill between the two renames loses nothing.
// Only call it holding the output lock.
func sweepLeftovers(out string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("report output %s: %w", out, err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || name == outLockName {
			continue
		}
		week, _, ok := strings.Cut(name[1:], ".tmp")
		if !ok {
			continue
		}
		path := filepath.Join(out, name)
		if strings.HasSuffix(name, ".old") && e.IsDir() {
			if _, err := os.Stat(filepath.Join(out, week)); errors.Is(err, os.ErrNotExist) {
				if err := os.Rename(path, filepath.Join(out, week)); err != nil {
					return fmt.Errorf("report output: restore %s: %w", week, err)
				}
				continue
			}
		}
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("report output: remove a killed run's %s: %w", path, err)
		}
	}
	return nil
}

func writeSync(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report output: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("report output %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("report output %s: %w", path, err)
	}
	return f.Close()
}

var indexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}: all weeks</title>
<style>body{font-family:"Liberation Sans",Arimo,Arial,Helvetica,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}a{color:#0b5cad}li{margin:.3rem 0}</style>
</head><body><h1>{{.Title}}</h1><ul>
{{range .Weeks}}<li><a href="{{.}}/report.html">{{.}}</a></li>
{{end}}</ul></body></html>
`))

// writeIndex lists every week folder under out, newest first.
func writeIndex(out, title string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("report index: %w", err)
	}
	var weeks []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			if _, err := os.Stat(filepath.Join(out, e.Name(), "report.html")); err == nil {
				weeks = append(weeks, e.Name())
			}
		}
	}
	slices.Sort(weeks)
	slices.Reverse(weeks)
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, map[string]any{"Title": title, "Weeks": weeks}); err != nil {
		return err
	}
	tmp := filepath.Join(out, ".index.html.tmp")
	if err := writeSync(tmp, buf.Bytes()); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(out, "index.html")); err != nil {
		return fmt.Errorf("report index: %w", err)
	}
	return nil
}

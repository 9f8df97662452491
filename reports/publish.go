package reports

// Publish: write the week's files atomically and refresh the index.

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func mapsKeys(m map[string][]byte) func(func(string) bool) { return maps.Keys(m) }

// publish writes files into OUT/<label>/ by building a temporary folder
// beside it and renaming it into place, then rewrites OUT/index.html the
// same way (write a temporary file, rename). A failed or killed run leaves
// the previous week's folder and index as they were.
func publish(out string, r *Report, files map[string][]byte) (string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("report output %s: %w", out, err)
	}
	final := filepath.Join(out, r.Week)
	tmp, err := os.MkdirTemp(out, "."+r.Week+".tmp-")
	if err != nil {
		return "", fmt.Errorf("report output %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	for name, b := range files {
		if err := writeSync(filepath.Join(tmp, name), b); err != nil {
			return "", err
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
	if old != "" {
		os.RemoveAll(old)
	}
	if err := writeIndex(out, r.Title); err != nil {
		return final, err
	}
	return final, nil
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

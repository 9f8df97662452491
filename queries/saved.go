package queries

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

// savedFS holds the saved queries: queries/*.sql, one query per file.
//
//go:embed *.sql
var savedFS embed.FS

// Saved is a saved analyst query.
type Saved struct {
	Name        string // from the "-- name:" header; equals the file name without .sql
	Description string // from the "-- description:" header: one line
	SQL         string // the whole file, header included
}

// ErrUnknownSaved reports a name that no saved query has.
var ErrUnknownSaved = errors.New("no saved query")

var savedName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// SavedQueries returns the embedded saved queries, by name.
func SavedQueries() ([]Saved, error) {
	entries, err := fs.ReadDir(savedFS, ".")
	if err != nil {
		return nil, fmt.Errorf("saved queries: %w", err)
	}
	var out []Saved
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		body, err := fs.ReadFile(savedFS, e.Name())
		if err != nil {
			return nil, fmt.Errorf("saved query %s: %w", e.Name(), err)
		}
		s, err := parseSaved(e.Name(), string(body))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// LookupSaved returns the saved query called name.
func LookupSaved(name string) (Saved, error) {
	all, err := SavedQueries()
	if err != nil {
		return Saved{}, err
	}
	names := make([]string, len(all))
	for i, s := range all {
		if s.Name == name {
			return s, nil
		}
		names[i] = s.Name
	}
	return Saved{}, fmt.Errorf("%w called %q; the saved queries are %s (aftermath query --list describes them)", ErrUnknownSaved, name, strings.Join(names, ", "))
}

// parseSaved reads the header, the "-- key: value" comment lines at the top
// of the file: name and description are required, other lines are free
// comments.
func parseSaved(file, body string) (Saved, error) {
	s := Saved{SQL: body}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		comment, ok := strings.CutPrefix(line, "--")
		if !ok {
			break
		}
		key, value, ok := strings.Cut(comment, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "name":
			s.Name = strings.TrimSpace(value)
		case "description":
			s.Description = strings.TrimSpace(value)
		}
	}
	want := strings.TrimSuffix(file, ".sql")
	switch {
	case s.Name == "":
		return s, fmt.Errorf("saved query %s: no \"-- name: %s\" header", file, want)
	case s.Name != want:
		return s, fmt.Errorf("saved query %s: header names it %q; the name must equal the file name, %q", file, s.Name, want)
	case !savedName.MatchString(s.Name):
		return s, fmt.Errorf("saved query %s: name %q must be lowercase words joined by '-'", file, s.Name)
	case s.Description == "":
		return s, fmt.Errorf("saved query %s: no \"-- description:\" header", file)
	}
	return s, nil
}

// WriteSavedList writes one line per saved query: its name, aligned, then
// its description.
func WriteSavedList(w io.Writer, saved []Saved) error {
	width := 0
	for _, s := range saved {
		width = max(width, len(s.Name))
	}
	var b strings.Builder
	for _, s := range saved {
		fmt.Fprintf(&b, "%-*s  %s\n", width, s.Name, s.Description)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

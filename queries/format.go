package queries

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is an output format of Run.
type Format string

// The output formats. Table is for people at a terminal; the others are for
// programs. Parquet and Arrow are binary.
const (
	FormatTable   Format = "table"   // aligned columns with a header and a rule
	FormatCSV     Format = "csv"     // RFC 4180 quoting, a header row, NULL as an empty field, '' as ""
	FormatJSON    Format = "json"    // one JSON array of objects, keys in column order
	FormatNDJSON  Format = "ndjson"  // one JSON object per line
	FormatParquet Format = "parquet" // a Parquet file, snappy-compressed
	FormatArrow   Format = "arrow"   // an Arrow IPC file (Feather v2)
)

// Formats lists every format, in the order help texts show them.
var Formats = []Format{FormatTable, FormatCSV, FormatJSON, FormatNDJSON, FormatParquet, FormatArrow}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q: want one of %s", s, strings.Join(names, ", "))
}

// Binary reports whether the format is a binary file format that must not
// be written to a terminal.
func (f Format) Binary() bool { return f == FormatParquet || f == FormatArrow }

// FormatForPath guesses the format from a file name's extension, so that
// `--out week.parquet` needs no `--format`. ok is false when the extension
// says nothing.
func FormatForPath(path string) (f Format, ok bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV, true
	case ".json":
		return FormatJSON, true
	case ".ndjson", ".jsonl":
		return FormatNDJSON, true
	case ".parquet":
		return FormatParquet, true
	case ".arrow", ".feather", ".ipc":
		return FormatArrow, true
	case ".txt":
		return FormatTable, true
	}
	return "", false
}

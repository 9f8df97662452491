package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
)

// Messages past the JSON bounds (nesting depth, size) are found by a byte
// scan in Go before DuckDB reads a file, and cut out of a copy of the file:
// DuckDB itself stores any depth, and its json_structure later crashed on a
// message 100,000 levels deep (issue 7).

// element is one top-level value of a JSON array file: its byte range, and
// why it breaks a bound ("" when it does not).
type element struct {
	start, end int64
	problem    string
}

// inMessage marks the bytes that matter outside strings inside an element.
var inMessage = [256]bool{'"': true, '[': true, ']': true, '{': true, '}': true}

// scanElements reads a JSON array file and returns its top-level elements.
// ok is false when the file is not a well-formed array (DuckDB then says
// what is wrong with it).
func scanElements(r io.Reader, b Bounds) (elems []element, ok bool, err error) {
	s := boundsScanner{b: b}
	buf := make([]byte, 1<<16)
	for {
		n, rerr := io.ReadFull(r, buf)
		if !s.feed(buf[:n]) {
			return nil, false, nil
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return nil, false, rerr
		}
	}
	return s.elems, s.closed, nil
}

// boundsScanner finds the top-level elements of a JSON array fed to it in
// chunks, and the bounds each breaks: the one scanner behind both ingest
// paths (scanElements for export files, messageProblem for Web API items).
//
// It skips the inside of strings with bytes.IndexByte (most of a Slack
// message is string content): a byte-at-a-time loop cost about as much as
// DuckDB's whole load of the same files (docs/benchmarks.md).
type boundsScanner struct {
	b        Bounds
	elems    []element
	base     int64 // offset of the next chunk's first byte
	depth    int   // 0 outside the array, 1 inside it
	maxDepth int
	inString bool
	escaped  bool
	inElem   bool
	cur      element
	started  bool
	closed   bool
}

// feed scans the next chunk; it returns false once the input cannot be a
// well-formed array.
func (s *boundsScanner) feed(chunk []byte) bool {
	// The loop works on locals, written back at the end (a failed scan is
	// not resumed), so that they can live in registers.
	depth, maxDepth, inString, escaped := s.depth, s.maxDepth, s.inString, s.escaped
	inElem, started, closed, cur, elems := s.inElem, s.started, s.closed, s.cur, s.elems
	base := s.base
	finish := func(end int64) {
		e := cur
		e.end = end
		switch {
		case maxDepth-1 > s.b.Depth:
			e.problem = fmt.Sprintf("nested deeper than ingest.max_json_depth (%d)", s.b.Depth)
		case e.end-e.start > int64(s.b.MessageBytes):
			e.problem = fmt.Sprintf("larger than ingest.max_message_kb (%d KiB)", s.b.MessageBytes>>10)
		}
		elems = append(elems, e)
		inElem = false
	}
	for i := 0; i < len(chunk); i++ {
		if inString {
			if escaped {
				escaped = false
				continue
			}
			// Jump to the next quote or backslash: byte by byte over the
			// first bytes (keys and short values), then with
			// bytes.IndexByte.
			j, end := i, min(i+16, len(chunk))
			for j < end && chunk[j] != '"' && chunk[j] != '\\' {
				j++
			}
			if j == end && end < len(chunk) {
				q := bytes.IndexByte(chunk[j:], '"')
				if q < 0 {
					q = len(chunk) - j
				}
				if bs := bytes.IndexByte(chunk[j:j+q], '\\'); bs >= 0 {
					q = bs
				}
				j += q
			}
			i = j
			if i == len(chunk) {
				break
			}
			if chunk[i] == '\\' {
				escaped = true
				continue
			}
			inString = false
			if inElem && depth == 1 {
				finish(base + int64(i) + 1) // a bare string element
			}
			continue
		}
		if depth >= 2 {
			// Inside a message only brackets and quotes matter.
			for i < len(chunk) && !inMessage[chunk[i]] {
				i++
			}
			if i == len(chunk) {
				break
			}
		}
		c := chunk[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		pos := base + int64(i)
		if closed {
			return false // data after the array
		}
		if !started {
			if c != '[' {
				return false
			}
			started, depth = true, 1
			continue
		}
		if depth == 1 && !inElem && c != ',' && c != ']' {
			cur, inElem = element{start: pos}, true
			maxDepth = 1
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			maxDepth = max(maxDepth, depth)
		case ']', '}':
			depth--
			switch {
			case depth == 0:
				if inElem {
					finish(pos)
				}
				closed = true
			case depth == 1 && inElem:
				finish(pos + 1)
			case depth < 1:
				return false
			}
		case ',':
			if depth == 1 && inElem {
				finish(pos) // a bare number, true, false or null
			}
		}
	}
	s.depth, s.maxDepth, s.inString, s.escaped = depth, maxDepth, inString, escaped
	s.inElem, s.started, s.closed, s.cur, s.elems = inElem, started, closed, cur, elems
	s.base = base + int64(len(chunk))
	return true
}

// boundedCopy writes to dst the JSON array in src without the elements that
// break a bound, and returns those elements (1-based positions). It writes
// nothing and returns nil when every element is within bounds.
func boundedCopy(src, dst string, b Bounds) ([]int, []element, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	elems, ok, err := scanElements(f, b)
	if err != nil || !ok {
		return nil, nil, err
	}
	var bad []int
	var badElems []element
	for i, e := range elems {
		if e.problem != "" {
			bad = append(bad, i+1)
			badElems = append(badElems, e)
		}
	}
	if len(bad) == 0 {
		return nil, nil, nil
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriter(out)
	w.WriteByte('[')
	first := true
	for _, e := range elems {
		if e.problem != "" {
			continue
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		if _, err := io.Copy(w, io.NewSectionReader(f, e.start, e.end-e.start)); err != nil {
			out.Close()
			return nil, nil, err
		}
	}
	w.WriteByte(']')
	if err := w.Flush(); err != nil {
		out.Close()
		return nil, nil, err
	}
	return bad, badElems, out.Close()
}

// messageProblem checks one message object (a Web API item) against the
// JSON bounds, and says what is wrong, or "". It runs the export files'
// scanner over the message as a one-element array.
func messageProblem(raw []byte, b Bounds) string {
	if len(raw) > b.MessageBytes {
		return fmt.Sprintf("larger than ingest.max_message_kb (%d KiB)", b.MessageBytes>>10)
	}
	s := boundsScanner{b: b}
	if !s.feed([]byte{'['}) || !s.feed(raw) || !s.feed([]byte{']'}) || !s.closed || len(s.elems) != 1 {
		// Not one JSON value: DuckDB names what is wrong with it.
		return ""
	}
	return s.elems[0].problem
}

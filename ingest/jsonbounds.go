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
//
// It reads in chunks and skips the inside of strings with bytes.IndexByte
// (most of a Slack message is string content): a byte-at-a-time loop cost
// about as much as DuckDB's whole load of the same files (docs/benchmarks.md).
func scanElements(r io.Reader, b Bounds) (elems []element, ok bool, err error) {
	buf := make([]byte, 1<<16)
	var (
		base     int64 // file offset of buf[0]
		depth    int   // 0 outside the array, 1 inside it
		maxDepth int
		inString bool
		escaped  bool
		cur      *element
		started  bool
		closed   bool
	)
	finish := func(end int64) {
		e := *cur
		e.end = end
		switch {
		case maxDepth-1 > b.Depth:
			e.problem = fmt.Sprintf("nested deeper than ingest.max_json_depth (%d)", b.Depth)
		case e.end-e.start > int64(b.MessageBytes):
			e.problem = fmt.Sprintf("larger than ingest.max_message_kb (%d KiB)", b.MessageBytes>>10)
		}
		elems = append(elems, e)
		cur = nil
	}
	for {
		n, rerr := io.ReadFull(r, buf)
		chunk := buf[:n]
		for i := 0; i < len(chunk); i++ {
			if inString {
				if escaped {
					escaped = false
					continue
				}
				// Jump to the next quote or backslash: byte by byte over
				// the first bytes (keys and short values), then with
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
				if cur != nil && depth == 1 {
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
				return nil, false, nil // data after the array
			}
			if !started {
				if c != '[' {
					return nil, false, nil
				}
				started, depth = true, 1
				continue
			}
			if depth == 1 && cur == nil && c != ',' && c != ']' {
				cur = &element{start: pos}
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
					if cur != nil {
						finish(pos)
					}
					closed = true
				case depth == 1 && cur != nil:
					finish(pos + 1)
				case depth < 1:
					return nil, false, nil
				}
			case ',':
				if depth == 1 && cur != nil {
					finish(pos) // a bare number, true, false or null
				}
			}
		}
		base += int64(n)
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return nil, false, rerr
		}
	}
	return elems, closed, nil
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
// JSON bounds, and says what is wrong, or "".
func messageProblem(raw []byte, b Bounds) string {
	if len(raw) > b.MessageBytes {
		return fmt.Sprintf("larger than ingest.max_message_kb (%d KiB)", b.MessageBytes>>10)
	}
	depth, maxDepth := 0, 0
	inString, escaped := false, false
	for _, c := range raw {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			maxDepth = max(maxDepth, depth)
		case ']', '}':
			depth--
		}
	}
	if maxDepth > b.Depth {
		return fmt.Sprintf("nested deeper than ingest.max_json_depth (%d)", b.Depth)
	}
	return ""
}

package ingest

import (
	"bytes"
	"database/sql"
	"strconv"
	"unicode/utf8"
)

// Go's reading of an export message, for the first load (fastload.go): one
// pass over the message's bytes gives DuckDB's canonical text of it (what
// json() prints) and the fields staged_messages extracts from it, so that
// DuckDB does not parse the message three times.
//
// The canonical text is yyjson's minified output as DuckDB's json() writes
// it: no whitespace; strings re-escaped with only `\"`, `\\`, `\b`, `\f`,
// `\n`, `\r`, `\t` and `\u00XX` (other control characters), so `\/` and
// `\u00e9` come out as `/` and `é`; integers as their digits. Anything this
// reader is not sure DuckDB prints the same way (a number with a fraction
// or exponent, -0, an integer beyond 64 bits, a malformed or non-standard
// document, a lone surrogate, a field key written with escapes, a field
// given twice) makes it give up on the message: canonMessage reports
// ok = false and the message goes through json() and json_extract in SQL,
// as before. TestCanonicalMatchesDuckDB and FuzzCanonicalMatchesDuckDB hold
// it to json() byte for byte.

// The fields staged_messages extracts from each message, in its order
// ($.ts … $.latest_reply, then $.edited for its type only).
const (
	fTS = iota
	fThreadTS
	fParentUserID
	fUser
	fBotID
	fAppID
	fBotProfileAppID
	fUsername
	fBotProfileName
	fSubtype
	fText
	fEditedTS
	fEditedUser
	fReplyCount
	fLatestReply
	fEdited
	nFields
)

// valueKind is a JSON value's type as json_type names it; kindMissing is a
// path that is absent (json_type gives SQL NULL).
type valueKind uint8

const (
	kindMissing valueKind = iota
	kindString
	kindUint
	kindSint
	kindBool
	kindNull
	kindObject
	kindArray
)

// typeName is json_type's name of each kind ("" for missing: SQL NULL).
var typeName = [...]string{
	kindMissing: "", kindString: "VARCHAR", kindUint: "UBIGINT", kindSint: "BIGINT",
	kindBool: "BOOLEAN", kindNull: "NULL", kindObject: "OBJECT", kindArray: "ARRAY",
}

// field is one extracted value: its kind and its canonical text's span in
// the canonical output.
type field struct {
	kind       valueKind
	start, end int
}

// messageFields are a message's extracted fields.
type messageFields [nFields]field

const (
	fieldBotProfile = nFields // a pseudo-field: $.bot_profile, for its two children
	noField         = -1
)

// canonWriter holds the state of one message's reading.
type canonWriter struct {
	src []byte
	i   int
	out []byte
	f   messageFields
	// seen marks the top-level fields found (and bot_profile), to give up
	// on a field given twice.
	seen uint32
	// limit is the deepest nesting read (deeper is given up on); maxDepth
	// the deepest seen, the message itself being 1.
	limit, maxDepth int
}

// canonMessage appends the canonical text of the JSON object src to dst.
// ok is false when src is not one JSON object this reader is sure of (see
// above); dst is then returned unchanged in length.
func canonMessage(dst, src []byte, f *messageFields) (out []byte, ok bool) {
	w := canonWriter{src: src, out: dst, limit: 1 << 20}
	start := len(dst)
	w.skipSpace()
	if w.i >= len(src) || src[w.i] != '{' {
		return dst[:start], false
	}
	if !w.object(1, noField) {
		return dst[:start], false
	}
	w.skipSpace()
	if w.i != len(src) {
		return dst[:start], false
	}
	*f = w.f
	// Spans are relative to the message's own text.
	for k := range f {
		f[k].start -= start
		f[k].end -= start
	}
	return w.out, true
}

// arrayReader reads a day file, a JSON array of message objects, one
// message at a time with canonMessage's reader, checking the bounds (the
// size of each message as written, its nesting) and the array's form as
// it goes. When it cannot go on (a message it is not sure of, past a
// bound, or not a strict array), stuck says where: the caller reads the
// rest element by element (scanElements), which says what is wrong.
type arrayReader struct {
	w     canonWriter
	b     Bounds
	done  bool // the array and the file ended cleanly
	stuck bool // a message or the form could not be read
	from  int  // when stuck: where the unread part starts (0: the file)
}

// open starts reading data; false (stuck at 0) when it does not start
// as an array.
func (r *arrayReader) open(data []byte, b Bounds) bool {
	*r = arrayReader{w: canonWriter{src: data, limit: b.Depth}, b: b}
	w := &r.w
	w.skipSpace()
	if w.i >= len(data) || data[w.i] != '[' {
		r.stuck = true
		return false
	}
	w.i++
	w.skipSpace()
	if w.i < len(data) && data[w.i] == ']' {
		w.i++
		w.skipSpace()
		r.done, r.stuck = w.i == len(data), w.i != len(data)
		return r.done
	}
	return true
}

// next appends the next message's canonical text to dst and returns it
// with its fields (spans relative to its text). ok is false when the
// reader is done or stuck (r.from is then the message's start).
func (r *arrayReader) next(dst []byte, f *messageFields) (out []byte, ok bool) {
	if r.done || r.stuck {
		return dst, false
	}
	w, data := &r.w, r.w.src
	from := w.i
	stuck := func() ([]byte, bool) {
		r.stuck, r.from = true, from
		return dst, false
	}
	if w.i >= len(data) || data[w.i] != '{' {
		return stuck()
	}
	w.out = dst
	start := len(dst)
	w.f, w.seen = messageFields{}, 0
	if !w.object(1, noField) || w.i-from > r.b.MessageBytes {
		return stuck()
	}
	// The message counts only once what follows it is a separator.
	w.skipSpace()
	if w.i >= len(data) {
		return stuck()
	}
	switch data[w.i] {
	case ',':
		w.i++
		w.skipSpace()
	case ']':
		w.i++
		w.skipSpace()
		if w.i != len(data) {
			return stuck()
		}
		r.done = true
	default:
		return stuck()
	}
	*f = w.f
	for k := range f {
		f[k].start -= start
		f[k].end -= start
	}
	return w.out, true
}

func (w *canonWriter) skipSpace() {
	for w.i < len(w.src) {
		switch w.src[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// value reads one value at depth (1 = the message's own members) into the
// output; parent is the field whose children it belongs to (for
// bot_profile and edited), or noField.
func (w *canonWriter) value(depth int, fieldIdx int) (valueKind, bool) {
	if w.i >= len(w.src) {
		return 0, false
	}
	switch c := w.src[w.i]; {
	case c == '{':
		return kindObject, w.object(depth+1, fieldIdx)
	case c == '[':
		return kindArray, w.array(depth + 1)
	case c == '"':
		_, ok := w.str(false)
		return kindString, ok
	case c == 't':
		return kindBool, w.literal("true")
	case c == 'f':
		return kindBool, w.literal("false")
	case c == 'n':
		return kindNull, w.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return w.number()
	}
	return 0, false
}

func (w *canonWriter) literal(s string) bool {
	if len(w.src)-w.i < len(s) || string(w.src[w.i:w.i+len(s)]) != s {
		return false
	}
	w.out = append(w.out, s...)
	w.i += len(s)
	return true
}

// number copies an integer that fits in 64 bits (uint64, or int64 when
// negative) and is not -0; anything else is given up on.
func (w *canonWriter) number() (valueKind, bool) {
	j := w.i
	neg := w.src[j] == '-'
	if neg {
		j++
	}
	d := j
	for j < len(w.src) && w.src[j] >= '0' && w.src[j] <= '9' {
		j++
	}
	digits := w.src[d:j]
	if len(digits) == 0 || (len(digits) > 1 && digits[0] == '0') || (neg && digits[0] == '0') {
		return 0, false
	}
	if j < len(w.src) {
		switch w.src[j] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	// Up to 18 digits always fits; 19 or 20 are checked.
	if len(digits) > 18 {
		var n uint64
		for _, c := range digits {
			v := uint64(c - '0')
			if n > (1<<64-1-v)/10 {
				return 0, false
			}
			n = n*10 + v
		}
		if neg && n > 1<<63 {
			return 0, false
		}
	}
	w.out = append(w.out, w.src[w.i:j]...)
	w.i = j
	if neg {
		return kindSint, true
	}
	return kindUint, true
}

// mustEscape marks the bytes json() writes escaped.
var mustEscape = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return
}()

// stopInString marks the bytes of a string's source that are not copied
// as they are.
var stopInString = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return
}()

const hexDigits = "0123456789ABCDEF"

// appendEscaped writes the rune r (decoded from an escape) as json() does.
func appendEscaped(out []byte, r rune) []byte {
	switch r {
	case '"':
		return append(out, '\\', '"')
	case '\\':
		return append(out, '\\', '\\')
	case '\b':
		return append(out, '\\', 'b')
	case '\f':
		return append(out, '\\', 'f')
	case '\n':
		return append(out, '\\', 'n')
	case '\r':
		return append(out, '\\', 'r')
	case '\t':
		return append(out, '\\', 't')
	}
	if r < 0x20 {
		return append(out, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
	}
	return utf8.AppendRune(out, r)
}

// str copies a string; when key, it also returns its text when it holds
// no escape (keys with escapes are matched to no field).
func (w *canonWriter) str(key bool) (plain []byte, ok bool) {
	src := w.src
	i := w.i + 1
	w.out = append(w.out, '"')
	escaped := false
	for {
		j := i
		for j < len(src) && !stopInString[src[j]] {
			j++
		}
		w.out = append(w.out, src[i:j]...)
		i = j
		if i >= len(src) {
			return nil, false
		}
		c := src[i]
		switch {
		case c == '"':
			w.out = append(w.out, '"')
			if key && !escaped {
				plain = src[w.i+1 : i]
			}
			w.i = i + 1
			return plain, true
		case c == '\\':
			escaped = true
			if i+1 >= len(src) {
				return nil, false
			}
			switch e := src[i+1]; {
			case jsonEscapes[e] != 0:
				w.out = appendEscaped(w.out, rune(jsonEscapes[e]))
				i += 2
			case e == 'u':
				r, n := hex4(src[i+2:])
				if n < 0 {
					return nil, false
				}
				i += 6
				if r >= 0xd800 && r < 0xdc00 {
					// A surrogate pair, else given up on.
					if len(src)-i < 6 || src[i] != '\\' || src[i+1] != 'u' {
						return nil, false
					}
					lo, m := hex4(src[i+2:])
					if m < 0 || lo < 0xdc00 || lo >= 0xe000 {
						return nil, false
					}
					r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
					i += 6
				} else if r >= 0xdc00 && r < 0xe000 {
					return nil, false
				}
				w.out = appendEscaped(w.out, r)
			default:
				return nil, false
			}
		case c < 0x20:
			return nil, false // a raw control character: not JSON
		default:
			// Non-ASCII: copied when valid UTF-8.
			r, n := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, false
			}
			w.out = append(w.out, src[i:i+n]...)
			i += n
		}
	}
}

// jsonEscapes is the byte each one-letter JSON escape (\n, \", ...)
// stands for; 0 for a letter that is not one.
var jsonEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads four hex digits; n < 0 when they are not.
func hex4(b []byte) (r rune, n int) {
	if len(b) < 4 {
		return 0, -1
	}
	for _, c := range b[:4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, -1
		}
		r = r<<4 | rune(v)
	}
	return r, 4
}

// object copies an object at depth; parent is the field it is the value
// of (its members may be fields too), or noField.
func (w *canonWriter) object(depth int, parent int) bool {
	empty, ok := w.open(depth, '}')
	if !ok || empty {
		return ok
	}
	for {
		if w.i >= len(w.src) || w.src[w.i] != '"' {
			return false
		}
		key, ok := w.str(true)
		if !ok {
			return false
		}
		idx := noField
		if depth == 1 || parent != noField {
			if key == nil {
				// A key with escapes where fields are read: it might
				// name one.
				return false
			}
			idx = w.member(depth, parent, key)
			if idx != noField {
				bit := uint32(1) << uint(idx)
				if parent != noField {
					bit = 1 << uint(nFields+1+idx) // apart from the top-level ones
				}
				if w.seen&bit != 0 {
					return false // a field given twice
				}
				w.seen |= bit
			}
		}
		w.skipSpace()
		if w.i >= len(w.src) || w.src[w.i] != ':' {
			return false
		}
		w.out = append(w.out, ':')
		w.i++
		w.skipSpace()
		start := len(w.out)
		child := noField
		if idx == fieldBotProfile || idx == fEdited {
			child = idx
		}
		kind, ok := w.value(depth, child)
		if !ok {
			return false
		}
		if idx != noField && idx < nFields {
			w.f[idx] = field{kind: kind, start: start, end: len(w.out)}
		}
		if done, ok := w.next('}'); !ok || done {
			return ok
		}
	}
}

// member says which field the key names: at depth 1 a top-level field (or
// bot_profile); inside bot_profile or edited, their children.
func (w *canonWriter) member(depth int, parent int, key []byte) int {
	if depth == 1 {
		switch string(key) {
		case "ts":
			return fTS
		case "thread_ts":
			return fThreadTS
		case "parent_user_id":
			return fParentUserID
		case "user":
			return fUser
		case "bot_id":
			return fBotID
		case "app_id":
			return fAppID
		case "username":
			return fUsername
		case "subtype":
			return fSubtype
		case "text":
			return fText
		case "reply_count":
			return fReplyCount
		case "latest_reply":
			return fLatestReply
		case "edited":
			return fEdited
		case "bot_profile":
			return fieldBotProfile
		}
		return noField
	}
	switch {
	case parent == fieldBotProfile && depth == 2:
		switch string(key) {
		case "app_id":
			return fBotProfileAppID
		case "name":
			return fBotProfileName
		}
	case parent == fEdited && depth == 2:
		switch string(key) {
		case "ts":
			return fEditedTS
		case "user":
			return fEditedUser
		}
	}
	return noField
}

// array copies an array at depth.
func (w *canonWriter) array(depth int) bool {
	empty, ok := w.open(depth, ']')
	if !ok || empty {
		return ok
	}
	for {
		if _, ok := w.value(depth, noField); !ok {
			return false
		}
		if done, ok := w.next(']'); !ok || done {
			return ok
		}
	}
}

// open copies the opening byte of an object or array at depth (refused
// past the depth limit) and, when the next byte is its closing byte
// close, that too: empty is true then.
func (w *canonWriter) open(depth int, close byte) (empty, ok bool) {
	if depth > w.limit {
		return false, false
	}
	w.maxDepth = max(w.maxDepth, depth)
	w.out = append(w.out, w.src[w.i])
	w.i++
	w.skipSpace()
	if w.i < len(w.src) && w.src[w.i] == close {
		w.out = append(w.out, close)
		w.i++
		return true, true
	}
	return false, true
}

// next copies what follows a member or an element: a comma (more follow)
// or the closing byte close (done).
func (w *canonWriter) next(close byte) (done, ok bool) {
	w.skipSpace()
	if w.i >= len(w.src) {
		return false, false
	}
	switch w.src[w.i] {
	case ',':
		w.out = append(w.out, ',')
		w.i++
		w.skipSpace()
		return false, true
	case close:
		w.out = append(w.out, close)
		w.i++
		return true, true
	}
	return false, false
}

// fieldText is what json_extract_string gives for the field f of the
// canonical message canon: a string's value, other values' canonical text,
// and ok = false (SQL NULL) for null or a missing field. It is canon's own
// bytes unless the string holds escapes.
func fieldText(canon []byte, f field) ([]byte, bool) {
	switch f.kind {
	case kindMissing, kindNull:
		return nil, false
	case kindString:
		s := canon[f.start+1 : f.end-1]
		if bytes.IndexByte(s, '\\') < 0 {
			return s, true
		}
		return unescapeCanonical(s), true
	}
	return canon[f.start:f.end], true
}

// unescapeCanonical decodes the escapes json() writes (see appendEscaped).
func unescapeCanonical(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch e := s[i]; {
		case e == 'u':
			r, _ := hex4(s[i+1:])
			out = append(out, byte(r))
			i += 4
		case jsonEscapes[e] != 0:
			out = append(out, jsonEscapes[e])
		default:
			out = append(out, e)
		}
	}
	return out
}

// fieldLists are the fields as staged_messages reads them: v, the text of
// the first 15 ($.ts … $.latest_reply), and t, the types of ts,
// thread_ts, user, text, subtype, reply_count and edited.
func fieldLists(canon []byte, f *messageFields) (v, t []sql.NullString) {
	v = make([]sql.NullString, fEdited)
	for i := range v {
		s, ok := fieldText(canon, f[i])
		v[i] = sql.NullString{String: string(s), Valid: ok}
	}
	for _, i := range typeFields {
		n := typeName[f[i].kind]
		t = append(t, sql.NullString{String: n, Valid: n != ""})
	}
	return v, t
}

// typeFields are the fields whose json_type staged_messages checks, in
// its order.
var typeFields = [...]int{fTS, fThreadTS, fUser, fText, fSubtype, fReplyCount, fEdited}

// derived is a message's stored columns as derive_messages (merge.sql)
// makes them from its fields, for a message that has no problem there.
// Go hands them to the first load (fastload.go) so DuckDB does not derive
// them again; staged_messages takes them as its pass column. The texts
// are the canonical message's own bytes where they hold no escape, so
// deriving allocates nothing for most messages.
type derived struct {
	ts, threadTS, parentUserID, userID, botID, appID, username, subtype, text nullBytes
	postedUS                                                                  int64
	editedUS                                                                  sql.NullInt64
	editedBy                                                                  nullBytes
	replyCount                                                                sql.NullInt32
	latestReply                                                               nullBytes
	isDeleted                                                                 bool
}

// nullBytes is a text column's value: b when valid, else SQL NULL.
type nullBytes struct {
	b     []byte
	valid bool
}

// or is coalesce of two values.
func (n nullBytes) or(m nullBytes) nullBytes {
	if n.valid {
		return n
	}
	return m
}

// deriveColumns derives the stored columns of the canonical message canon
// with fields f. ok is false for a message derive_messages would find a
// problem in, or whose columns it reads through a cast Go does not copy
// (a reply_count that is not a 32-bit integer, an edited.ts that is not a
// Slack timestamp): the first load leaves those to SQL. The ts window is
// not checked here; SQL checks it for every message.
func deriveColumns(canon []byte, f *messageFields) (d derived, ok bool) {
	if len(canon) == 0 || canon[0] != '{' {
		return d, false
	}
	stringOrNull := func(k valueKind) bool { return k == kindMissing || k == kindNull || k == kindString }
	if f[fTS].kind != kindString || !stringOrNull(f[fThreadTS].kind) || !stringOrNull(f[fUser].kind) ||
		!stringOrNull(f[fText].kind) || !stringOrNull(f[fSubtype].kind) {
		return d, false
	}
	switch f[fReplyCount].kind {
	case kindMissing, kindNull, kindUint, kindSint:
	default:
		return d, false
	}
	switch f[fEdited].kind {
	case kindMissing, kindNull, kindObject:
	default:
		return d, false
	}
	text := func(i int) nullBytes {
		b, ok := fieldText(canon, f[i])
		return nullBytes{b, ok}
	}
	d.ts = text(fTS)
	posted, ok := slackMicros(d.ts.b)
	if !ok {
		return d, false
	}
	d.postedUS = posted
	if d.threadTS = text(fThreadTS); d.threadTS.valid {
		if _, ok := slackMicros(d.threadTS.b); !ok {
			return d, false
		}
	}
	if e := text(fEditedTS); e.valid {
		us, ok := slackMicros(e.b)
		if !ok {
			return d, false
		}
		d.editedUS = sql.NullInt64{Int64: us, Valid: true}
	}
	if rc := text(fReplyCount); rc.valid {
		n, err := strconv.ParseInt(string(rc.b), 10, 32)
		if err != nil {
			return d, false
		}
		d.replyCount = sql.NullInt32{Int32: int32(n), Valid: true}
	}
	d.parentUserID, d.userID, d.botID = text(fParentUserID), text(fUser), text(fBotID)
	d.appID = text(fAppID).or(text(fBotProfileAppID))
	d.username = text(fUsername).or(text(fBotProfileName))
	d.subtype, d.text = text(fSubtype), text(fText)
	d.editedBy, d.latestReply = text(fEditedUser), text(fLatestReply)
	d.isDeleted = d.subtype.valid && string(d.subtype.b) == "tombstone"
	return d, true
}

// slackMicros reads a Slack timestamp ("seconds.micros": 1 to 12 digits, a
// dot, 1 to 6 digits, the pattern derive_messages checks) as microseconds
// since the epoch, the fraction padded with zeros on the right as
// derive_messages pads it.
func slackMicros(s []byte) (int64, bool) {
	sec, frac, ok := bytes.Cut(s, []byte("."))
	if !ok || len(sec) < 1 || len(sec) > 12 || len(frac) < 1 || len(frac) > 6 {
		return 0, false
	}
	var n, us int64
	for _, c := range sec {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	for i := range 6 {
		us *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			us += int64(c - '0')
		}
	}
	return n*1_000_000 + us, true
}

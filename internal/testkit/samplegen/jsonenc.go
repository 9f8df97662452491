package samplegen

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// enc appends JSON in the layout of Slack's exports, which come from PHP's
// json_encode with JSON_PRETTY_PRINT: four-space indent, `"key": value`,
// empty containers as [] and {}, `/` escaped as `\/` and everything outside
// ASCII as lower-case \uXXXX escapes. It writes straight into a byte slice,
// with no reflection, because the generator emits millions of messages.
type enc struct {
	b []byte
	// stack holds, per open container, whether it has an item yet.
	stack []bool
}

const indentSpaces = "                                                                "

func (e *enc) newline() {
	e.b = append(e.b, '\n')
	n := 4 * len(e.stack)
	for n > len(indentSpaces) {
		e.b = append(e.b, indentSpaces...)
		n -= len(indentSpaces)
	}
	e.b = append(e.b, indentSpaces[:n]...)
}

// item starts the next element of the innermost container.
func (e *enc) item() {
	top := len(e.stack) - 1
	if e.stack[top] {
		e.b = append(e.b, ',')
	} else {
		e.stack[top] = true
	}
	e.newline()
}

func (e *enc) open(c byte) {
	e.b = append(e.b, c)
	e.stack = append(e.stack, false)
}

func (e *enc) close(c byte) {
	top := len(e.stack) - 1
	had := e.stack[top]
	e.stack = e.stack[:top]
	if had {
		e.newline()
	}
	e.b = append(e.b, c)
}

func (e *enc) key(k string) {
	e.item()
	e.b = appendJSONString(e.b, k)
	e.b = append(e.b, ':', ' ')
}

func (e *enc) str(k, v string) {
	e.key(k)
	e.b = appendJSONString(e.b, v)
}

func (e *enc) num(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *enc) boolean(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

// ts writes a Slack timestamp ("seconds.micros") as a string.
func (e *enc) ts(k string, us int64) {
	e.key(k)
	e.b = appendTS(e.b, us)
}

func (e *enc) openObj(k string) {
	e.key(k)
	e.open('{')
}

func (e *enc) openArr(k string) {
	e.key(k)
	e.open('[')
}

func (e *enc) elemObj() {
	e.item()
	e.open('{')
}

func (e *enc) strs(k string, vs []string) {
	e.openArr(k)
	for _, v := range vs {
		e.item()
		e.b = appendJSONString(e.b, v)
	}
	e.close(']')
}

// obj is a JSON object with ordered keys, for the rarer nested shapes
// (blocks, attachments, profiles). Values may be string, int, int64, bool,
// nil, tsValue, obj, []obj, []string or []any.
type obj []kv

type kv struct {
	k string
	v any
}

// tsValue is a Slack timestamp in microseconds, written as "s.micros".
type tsValue int64

func (e *enc) value(v any) {
	switch v := v.(type) {
	case string:
		e.b = appendJSONString(e.b, v)
	case int:
		e.b = strconv.AppendInt(e.b, int64(v), 10)
	case int64:
		e.b = strconv.AppendInt(e.b, v, 10)
	case bool:
		e.b = strconv.AppendBool(e.b, v)
	case nil:
		e.b = append(e.b, "null"...)
	case tsValue:
		e.b = appendTS(e.b, int64(v))
	case obj:
		e.open('{')
		for _, f := range v {
			e.key(f.k)
			e.value(f.v)
		}
		e.close('}')
	case []obj:
		e.open('[')
		for _, o := range v {
			e.item()
			e.value(o)
		}
		e.close(']')
	case []string:
		e.open('[')
		for _, s := range v {
			e.item()
			e.b = appendJSONString(e.b, s)
		}
		e.close(']')
	case []any:
		e.open('[')
		for _, x := range v {
			e.item()
			e.value(x)
		}
		e.close(']')
	default:
		// Only the types above are built; anything else is a bug that
		// TestEncLayout and the export tests would show as a null.
		e.b = append(e.b, "null"...)
	}
}

// preencoded is an object encoded once for a fixed nesting depth, for the
// objects repeated on every message of an author (user_profile,
// bot_profile).
type preencoded struct {
	depth int
	json  []byte
	obj   obj
}

func preencode(o obj, depth int) preencoded {
	e := &enc{stack: make([]bool, depth)}
	e.value(o)
	return preencoded{depth: depth, json: e.b, obj: o}
}

// fieldPre writes a pre-encoded object, or encodes it when the depth
// differs.
func (e *enc) fieldPre(k string, p preencoded) {
	e.key(k)
	if len(e.stack) == p.depth {
		e.b = append(e.b, p.json...)
		return
	}
	e.value(p.obj)
}

func (e *enc) field(k string, v any) {
	e.key(k)
	e.value(v)
}

func appendTS(b []byte, us int64) []byte {
	b = append(b, '"')
	b = strconv.AppendInt(b, us/usSecond, 10)
	frac := us % usSecond
	b = append(b, '.',
		byte('0'+frac/100000), byte('0'+frac/10000%10), byte('0'+frac/1000%10),
		byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
	return append(b, '"')
}

// jsonSafe marks the ASCII bytes copied verbatim.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '/' && c != 0x7f
	}
	return t
}()

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '/':
				b = append(b, '\\', '/')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = appendU(b, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b = append(b, s[start:i]...)
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = appendU(appendU(b, r1), r2)
		} else {
			b = appendU(b, r) // invalid UTF-8 decodes to U+FFFD
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u',
		lowerHex[r>>12&0xf], lowerHex[r>>8&0xf], lowerHex[r>>4&0xf], lowerHex[r&0xf])
}

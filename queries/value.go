package queries

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// duckType is what a result column's DuckDB type says beyond its Arrow
// type. DuckDB hands JSON to Arrow as plain strings and UHUGEINT as a signed
// decimal(38,0), so the Arrow schema alone cannot tell them apart from
// VARCHAR and HUGEINT. children mirror the Arrow children (list element,
// struct fields, map key and value, union members).
type duckType struct {
	json     bool // JSON: the string is JSON text, embedded as is
	unsigned bool // UHUGEINT: the 128 bits are unsigned
	bignum   bool // BIGNUM: an opaque binary in DuckDB's own encoding
	children []*duckType
}

// child returns the i-th child, or an empty type when DuckDB said nothing.
func (t *duckType) child(i int) *duckType {
	if t == nil || i >= len(t.children) {
		return nil
	}
	return t.children[i]
}

func (t *duckType) isJSON() bool     { return t != nil && t.json }
func (t *duckType) isUnsigned() bool { return t != nil && t.unsigned }
func (t *duckType) isBignum() bool   { return t != nil && t.bignum }

// valueKind says how a scalar's text goes into JSON.
type valueKind int

const (
	kindString  valueKind = iota // a JSON string
	kindLiteral                  // a JSON number, true or false, as is
	kindRawJSON                  // JSON text from a JSON column
)

// formatter turns Arrow values into text (csv, table) and JSON (json,
// ndjson, nested values everywhere). It keeps scratch buffers, so it is not
// safe for concurrent use.
type formatter struct {
	scratch []byte
	compact bytes.Buffer
}

// appendText appends the text of a[i] as csv and table cells show it:
// scalars as plain text, JSON columns as their JSON text, LIST, STRUCT,
// MAP and UNION values as JSON. null reports a NULL, for which nothing is
// appended.
func (f *formatter) appendText(dst []byte, a arrow.Array, i int, t *duckType) (out []byte, null bool) {
	a, i, t = resolve(a, i, t)
	if a.IsNull(i) {
		return dst, true
	}
	if isNested(a) {
		return f.appendJSON(dst, a, i, t), false
	}
	out, _ = f.appendScalar(dst, a, i, t)
	return out, false
}

// appendJSON appends a[i] as a JSON value.
func (f *formatter) appendJSON(dst []byte, a arrow.Array, i int, t *duckType) []byte {
	a, i, t = resolve(a, i, t)
	if a.IsNull(i) {
		return append(dst, "null"...)
	}
	switch a := a.(type) {
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for j := 0; j < a.NumField(); j++ {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, st.Field(j).Name)
			dst = append(dst, ':')
			dst = f.appendJSON(dst, a.Field(j), i, t.child(j))
		}
		return append(dst, '}')
	case *array.Map:
		// A JSON object keyed by the keys' text, as DuckDB's to_json does.
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		dst = append(dst, '{')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			f.scratch, _ = f.appendText(f.scratch[:0], keys, int(j), t.child(0))
			dst = appendJSONString(dst, string(f.scratch))
			dst = append(dst, ':')
			dst = f.appendJSON(dst, items, int(j), t.child(1))
		}
		return append(dst, '}')
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		values := a.ListValues()
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = f.appendJSON(dst, values, int(j), t.child(0))
		}
		return append(dst, ']')
	}
	mark := len(dst)
	dst, kind := f.appendScalar(dst, a, i, t)
	switch kind {
	case kindLiteral:
		return dst
	case kindRawJSON:
		// DuckDB validated the JSON when it was stored, and JSON strings
		// cannot hold raw line breaks: without CR or LF the text can go in as
		// it is. Otherwise compact it, so that ndjson stays one object per
		// line; text that is not JSON after all goes in as a string.
		raw := dst[mark:]
		if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') < 0 {
			return dst
		}
		f.compact.Reset()
		if err := json.Compact(&f.compact, raw); err == nil {
			return append(dst[:mark], f.compact.Bytes()...)
		}
	}
	f.scratch = append(f.scratch[:0], dst[mark:]...)
	return appendJSONString(dst[:mark], string(f.scratch))
}

// resolve looks through extension, dictionary and union arrays to the array
// and index that hold the value.
func resolve(a arrow.Array, i int, t *duckType) (arrow.Array, int, *duckType) {
	for {
		switch x := a.(type) {
		case array.ExtensionArray:
			a = x.Storage()
		case *array.Dictionary:
			if x.IsNull(i) {
				return x, i, t
			}
			i = x.GetValueIndex(i)
			a = x.Dictionary()
		case *array.SparseUnion:
			id := x.ChildID(i)
			a, t = x.Field(id), t.child(id)
		case *array.DenseUnion:
			id := x.ChildID(i)
			a, i, t = x.Field(id), int(x.ValueOffset(i)), t.child(id)
		default:
			return a, i, t
		}
	}
}

func isNested(a arrow.Array) bool {
	switch a.(type) {
	case *array.Struct, array.ListLike:
		return true
	}
	return false
}

// appendScalar appends the text of a non-null scalar a[i] and says how it
// goes into JSON.
func (f *formatter) appendScalar(dst []byte, a arrow.Array, i int, t *duckType) ([]byte, valueKind) {
	switch a := a.(type) {
	case *array.Null:
		return append(dst, "null"...), kindLiteral
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i)), kindLiteral
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), kindLiteral
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), kindLiteral
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), kindLiteral
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10), kindLiteral
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), kindLiteral
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), kindLiteral
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), kindLiteral
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10), kindLiteral
	case *array.Float16:
		return appendFloat(dst, float64(a.Value(i).Float32()), 32)
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32)
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64)
	case *array.Decimal32:
		return appendDecimal(dst, big.NewInt(int64(a.Value(i))), scaleOf(a)), kindLiteral
	case *array.Decimal64:
		return appendDecimal(dst, big.NewInt(int64(a.Value(i))), scaleOf(a)), kindLiteral
	case *array.Decimal128:
		n := a.Value(i)
		v := n.BigInt()
		if t.isUnsigned() {
			// UHUGEINT arrives as the same 128 bits read as signed.
			v = new(big.Int).SetUint64(uint64(n.HighBits()))
			v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(n.LowBits()))
		}
		return appendDecimal(dst, v, scaleOf(a)), kindLiteral
	case *array.Decimal256:
		return appendDecimal(dst, a.Value(i).BigInt(), scaleOf(a)), kindLiteral
	case *array.String:
		return append(dst, a.Value(i)...), textKind(t)
	case *array.LargeString:
		return append(dst, a.Value(i)...), textKind(t)
	case *array.StringView:
		return append(dst, a.Value(i)...), textKind(t)
	case *array.Binary:
		return appendBinary(dst, a.Value(i), t)
	case *array.LargeBinary:
		return appendBinary(dst, a.Value(i), t)
	case *array.BinaryView:
		return appendBinary(dst, a.Value(i), t)
	case *array.FixedSizeBinary:
		return appendBinary(dst, a.Value(i), t)
	case *array.Date32:
		return appendDate(dst, int64(a.Value(i)), math.MaxInt32), kindString
	case *array.Date64:
		return appendDate(dst, int64(a.Value(i))/86_400_000, math.MaxInt64/86_400_000), kindString
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return appendClock(dst, int64(a.Value(i))*int64(unit.Multiplier())), kindString
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return appendClock(dst, int64(a.Value(i))*int64(unit.Multiplier())), kindString
	case *array.Timestamp:
		return appendTimestamp(dst, a.Value(i), a.DataType().(*arrow.TimestampType)), kindString
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return appendInterval(dst, int64(v.Months), int64(v.Days), v.Nanoseconds), kindString
	case *array.DayTimeInterval:
		v := a.Value(i)
		return appendInterval(dst, 0, int64(v.Days), int64(v.Milliseconds)*1e6), kindString
	case *array.MonthInterval:
		return appendInterval(dst, int64(a.Value(i)), 0, 0), kindString
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit
		return appendInterval(dst, 0, 0, int64(a.Value(i))*int64(unit.Multiplier())), kindString
	}
	// Types DuckDB does not produce today: Arrow's own text for them.
	return append(dst, a.ValueStr(i)...), kindString
}

func textKind(t *duckType) valueKind {
	if t.isJSON() {
		return kindRawJSON
	}
	return kindString
}

func scaleOf(a arrow.Array) int32 {
	if d, ok := a.DataType().(arrow.DecimalType); ok {
		return d.GetScale()
	}
	return 0
}

// appendDecimal writes v·10^-scale exactly, with all scale digits, as DuckDB
// prints DECIMAL values.
func appendDecimal(dst []byte, v *big.Int, scale int32) []byte {
	if v.Sign() < 0 {
		dst = append(dst, '-')
		v = new(big.Int).Neg(v)
	}
	digits := v.Text(10)
	if scale <= 0 {
		dst = append(dst, digits...)
		if digits != "0" {
			for range -scale {
				dst = append(dst, '0')
			}
		}
		return dst
	}
	s := int(scale)
	if len(digits) <= s {
		dst = append(dst, '0', '.')
		for range s - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-s]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-s:]...)
}

// appendFloat writes the shortest text that reads back as the same float,
// in plain notation except for very large or small magnitudes, like
// encoding/json. NaN and the infinities, which JSON lacks, become strings.
func appendFloat(dst []byte, v float64, bits int) ([]byte, valueKind) {
	switch {
	case math.IsNaN(v):
		return append(dst, "NaN"...), kindString
	case math.IsInf(v, 1):
		return append(dst, "Infinity"...), kindString
	case math.IsInf(v, -1):
		return append(dst, "-Infinity"...), kindString
	}
	abs := math.Abs(v)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(dst, v, 'g', -1, bits), kindLiteral
	}
	return strconv.AppendFloat(dst, v, 'f', -1, bits), kindLiteral
}

// appendBinary writes BLOBs as standard base64, except DuckDB's BIGNUM,
// which arrives as an opaque binary in DuckDB's own encoding and is written
// as the exact integer.
func appendBinary(dst, b []byte, t *duckType) ([]byte, valueKind) {
	if t.isBignum() {
		if v, ok := decodeBignum(b); ok {
			return append(dst, v.Text(10)...), kindLiteral
		}
	}
	return base64.StdEncoding.AppendEncode(dst, b), kindString
}

// decodeBignum reads DuckDB's BIGNUM encoding: a 3-byte header whose top
// bit is set for non-negative numbers, then the big-endian magnitude;
// negative numbers have every byte inverted.
func decodeBignum(b []byte) (*big.Int, bool) {
	if len(b) < 4 {
		return nil, false
	}
	neg := b[0]&0x80 == 0
	mag := make([]byte, len(b)-3)
	copy(mag, b[3:])
	if neg {
		for i := range mag {
			mag[i] = ^mag[i]
		}
	}
	v := new(big.Int).SetBytes(mag)
	if neg {
		v.Neg(v)
	}
	return v, true
}

// DuckDB's infinite dates and timestamps are the extreme values of their
// storage, one short of the type's minimum for -infinity.
func appendDate(dst []byte, days, inf int64) []byte {
	switch days {
	case inf:
		return append(dst, "infinity"...)
	case -inf:
		return append(dst, "-infinity"...)
	}
	return time.Unix(days*86400, 0).UTC().AppendFormat(dst, time.DateOnly)
}

// appendTimestamp writes TIMESTAMPTZ as RFC 3339 in UTC with a Z, and
// TIMESTAMP (no zone) the same way without one. Fractional seconds appear
// only when present.
func appendTimestamp(dst []byte, v arrow.Timestamp, tt *arrow.TimestampType) []byte {
	switch int64(v) {
	case math.MaxInt64:
		return append(dst, "infinity"...)
	case -math.MaxInt64:
		return append(dst, "-infinity"...)
	}
	ts := v.ToTime(tt.Unit).UTC()
	if tt.TimeZone == "" {
		return ts.AppendFormat(dst, "2006-01-02T15:04:05.999999999")
	}
	return ts.AppendFormat(dst, time.RFC3339Nano)
}

// appendClock writes a TIME, or an INTERVAL's time part, as HH:MM:SS with
// fractional seconds only when present. DuckDB allows TIME '24:00:00'.
func appendClock(dst []byte, nanos int64) []byte {
	if nanos < 0 {
		dst = append(dst, '-')
		nanos = -nanos
	}
	secs := nanos / 1e9
	dst = appendTwo(dst, secs/3600)
	dst = append(dst, ':')
	dst = appendTwo(dst, secs/60%60)
	dst = append(dst, ':')
	dst = appendTwo(dst, secs%60)
	if frac := nanos % 1e9; frac != 0 {
		s := strconv.FormatInt(frac+1e9, 10)[1:] // nine digits
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		dst = append(dst, '.')
		dst = append(dst, s...)
	}
	return dst
}

func appendTwo(dst []byte, v int64) []byte {
	if v < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, v, 10)
}

// appendInterval writes an INTERVAL as DuckDB prints it: "1 year 2 months
// 3 days 04:05:06.5", leaving out zero parts, "00:00:00" when all are zero.
func appendInterval(dst []byte, months, days, nanos int64) []byte {
	start := len(dst)
	part := func(n int64, unit string) {
		if n == 0 {
			return
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = strconv.AppendInt(dst, n, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if n != 1 && n != -1 {
			dst = append(dst, 's')
		}
	}
	part(months/12, "year")
	part(months%12, "month")
	part(days, "day")
	if nanos != 0 || len(dst) == start {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = appendClock(dst, nanos)
	}
	return dst
}

// appendJSONString appends s as a JSON string. Unlike encoding/json it
// leaves <, > and & alone (Slack text is full of them); invalid UTF-8
// becomes U+FFFD, and U+2028/U+2029 are escaped for JavaScript's sake.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

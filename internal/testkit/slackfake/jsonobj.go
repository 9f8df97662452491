package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// field is one member of a JSON object, its value kept as raw bytes.
type field struct {
	key string
	val json.RawMessage
}

// object is a JSON object whose members keep their order and their bytes:
// editing one member leaves every other member exactly as it was, which is
// how the fake patches a parent's reply metadata without re-marshalling the
// message through a struct.
type object []field

// parseObject splits a JSON object into its members.
func parseObject(raw []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var o object
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key %v is not a string", tok)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o = append(o, field{key: key, val: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return o, nil
}

// get returns the raw value of key.
func (o object) get(key string) (json.RawMessage, bool) {
	for _, f := range o {
		if f.key == key {
			return f.val, true
		}
	}
	return nil, false
}

// set replaces key's value in place, or appends the member.
func (o *object) set(key string, val json.RawMessage) {
	for i := range *o {
		if (*o)[i].key == key {
			(*o)[i].val = val
			return
		}
	}
	*o = append(*o, field{key: key, val: val})
}

// setDefault sets key only when it is absent.
func (o *object) setDefault(key string, val json.RawMessage) {
	if _, ok := o.get(key); !ok {
		*o = append(*o, field{key: key, val: val})
	}
}

// del removes key.
func (o *object) del(key string) {
	out := (*o)[:0]
	for _, f := range *o {
		if f.key != key {
			out = append(out, f)
		}
	}
	*o = out
}

// bytes encodes the object compactly, members in order, values verbatim.
func (o object) bytes() json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonValue(f.key))
		b.WriteByte(':')
		b.Write(f.val)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// jsonValue encodes v without escaping <, > and & (Slack does not). It is
// only given strings, numbers, booleans and string slices, which always
// encode; anything else comes out as null.
func jsonValue(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return json.RawMessage("null")
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// rawArray joins raw values into a JSON array without touching them.
func rawArray(items []json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// compact returns raw without insignificant whitespace (escapes such as
// `\/` are kept as they are).
func compact(raw []byte) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

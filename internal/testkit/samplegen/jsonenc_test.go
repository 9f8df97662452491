package samplegen

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"a/b", `"a\/b"`},
		{`say "hi" \ bye`, `"say \"hi\" \\ bye"`},
		{"line\nnext\ttab\r", `"line\nnext\ttab\r"`},
		{"\x01\x7f", `"\u0001\u007f"`},
		{"Status → Closed", `"Status \u2192 Closed"`},
		{"rocket 🚀", `"rocket \ud83d\ude80"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
		{"https://x.test/a?t=xoxe-1", `"https:\/\/x.test\/a?t=xoxe-1"`},
	}
	for _, tt := range tests {
		if got := string(appendJSONString(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSONString(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a/b", "→", "🚀", "\xff", "\"\\", "\x00\x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendJSONString(nil, s)
		for _, c := range enc {
			if c < 0x20 || c > 0x7e {
				t.Fatalf("appendJSONString(%q) has byte %#x; want printable ASCII only", s, c)
			}
		}
		var back string
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("appendJSONString(%q) = %s: not JSON: %v", s, enc, err)
		}
		if want := string([]rune(s)); back != want {
			t.Fatalf("appendJSONString(%q) decodes to %q; want %q", s, back, want)
		}
	})
}

func TestEncLayout(t *testing.T) {
	e := &enc{}
	e.open('[')
	e.item()
	e.value(obj{
		{"ts", tsValue(1_700_000_000_000_042)},
		{"n", 3},
		{"ok", true},
		{"none", nil},
		{"empty", []string{}},
		{"nested", obj{{"list", []obj{{{"k", "v"}}}}, {"blank", obj{}}}},
	})
	e.close(']')
	want := `[
    {
        "ts": "1700000000.000042",
        "n": 3,
        "ok": true,
        "none": null,
        "empty": [],
        "nested": {
            "list": [
                {
                    "k": "v"
                }
            ],
            "blank": {}
        }
    }
]`
	if got := string(e.b); got != want {
		t.Errorf("encoded layout:\n%s\nwant:\n%s", got, want)
	}
}

func TestWalkMrkdwn(t *testing.T) {
	type el struct{ kind, a, b string }
	tests := []struct {
		in   string
		want []el
	}{
		{"plain text", []el{{"text", "plain text", ""}}},
		{"hi <@U123> see <#C9|general>", []el{{"text", "hi ", ""}, {"user", "U123", ""}, {"text", " see ", ""}, {"channel", "C9", "general"}}},
		{"PR: <https://github.com/acme/x/pull/1|acme/x#1>", []el{{"text", "PR: ", ""}, {"link", "https://github.com/acme/x/pull/1", "acme/x#1"}}},
		{"all clear :white_check_mark:", []el{{"text", "all clear ", ""}, {"emoji", "white_check_mark", ""}}},
		{"around 14:02 UTC", []el{{"text", "around 14:02 UTC", ""}}},
		{"seeing `OOMKilled` &gt; 5%", []el{{"text", "seeing ", ""}, {"code", "OOMKilled", ""}, {"text", " > 5%", ""}}},
		{"<!here> ping", []el{{"broadcast", "here", ""}, {"text", " ping", ""}}},
	}
	for _, tt := range tests {
		var got []el
		walkMrkdwn(tt.in, func(kind, a, b string) { got = append(got, el{kind, a, b}) })
		if len(got) != len(tt.want) {
			t.Errorf("walkMrkdwn(%q) = %v; want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("walkMrkdwn(%q) = %v; want %v", tt.in, got, tt.want)
				break
			}
		}
	}
}

func BenchmarkEncodeHumanMessage(b *testing.B) {
	r := newRnd(1, "bench")
	people := newPeople(r)
	m := &message{ts: 1_700_000_000_123_456, person: people[0], text: "looking at <@U0123456789> the dashboards <https://grafana.acme.internal/d/x|now> :eyes:",
		reacts: []reaction{{name: "eyes", users: []string{people[1].id}}}}
	e := &enc{}
	b.ReportAllocs()
	for b.Loop() {
		e.b = append(e.b[:0], '[')
		e.stack = append(e.stack[:0], false)
		encodeMessage(e, m, 42)
	}
	b.SetBytes(int64(len(e.b)))
}

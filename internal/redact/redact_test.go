package redact

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`https://files.slack.com/files-pri/T1-F1/x.png?t=xoxe-1234-abcd`, `https://files.slack.com/files-pri/T1-F1/x.png?t=REDACTED`},
		{`https:\/\/files.slack.com\/x.png?t=xoxe-1-2&dl=1`, `https:\/\/files.slack.com\/x.png?t=REDACTED&dl=1`},
		{`"url":"https://h/x?a=1&token=abc.def"`, `"url":"https://h/x?a=1&token=REDACTED"`},
		{`my token is xoxb-123-456-abc, oops`, `my token is REDACTED, oops`},
		{`refresh xoxe.xoxp-1-abc`, `refresh REDACTED`},
		{`<https://youtu.be/x?t=30|talk>`, `<https://youtu.be/x?t=REDACTED|talk>`},
		{`nothing here: at=1 xo xo`, `nothing here: at=1 xo xo`},
		{`set=1`, `set=1`},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestToken(t *testing.T) {
	if got := Token("auth failed for canary-secret-123", "canary-secret-123"); strings.Contains(got, "canary") {
		t.Errorf("Token() = %q; secret still present", got)
	}
}

func FuzzString(f *testing.F) {
	f.Add("https://files.slack.com/x.png?t=xoxe-1-2")
	f.Add("xoxb-1-2-3")
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if tokenRE.MatchString(out) {
			t.Fatalf("String(%q) = %q still holds a token", s, out)
		}
		if String(out) != out {
			t.Fatalf("String is not idempotent on %q", s)
		}
	})
}

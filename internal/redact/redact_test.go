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
		// Issue 7 defect 9: the whole family of Slack secrets, any case.
		{`app token xapp-1-A0123-456-abcdef`, `app token REDACTED`},
		{`XOXB-1234-5678-abc`, `REDACTED`},
		{`Xoxp-1-2-3 and xoxa-2-1 and xoxo-1 and xoxs-1 and xoxr-1`, `REDACTED and REDACTED and REDACTED and REDACTED and REDACTED`},
		{`config xoxe-1-abc refresh XOXE.XOXP-1-abc`, `config REDACTED refresh REDACTED`},
		{`XAPP-1-A1-1-x`, `REDACTED`},
		{`hook https://hooks.slack.com/services/T000/B000/secretpath ok`, `hook REDACTED ok`},
		{`"https:\/\/hooks.slack.com\/services\/T0\/B0\/secret"`, `"REDACTED"`},
		{`HTTPS://HOOKS.SLACK.COM/SERVICES/T0/B0/SECRET`, `REDACTED`},
		{`wf https://hooks.slack.com/workflows/T0/A0/1/secret`, `wf REDACTED`},
		{`trigger https://hooks.slack.com/triggers/T0/1/secret`, `trigger REDACTED`},
		{`gov https://hooks.slack-gov.com/services/T0/B0/secret`, `gov REDACTED`},
		{`https://files.slack.com/f/F1?T=abc`, `https://files.slack.com/f/F1?T=REDACTED`},
		{`https://x.slack.com/files?TOKEN=abc&x=1`, `https://x.slack.com/files?TOKEN=REDACTED&x=1`},
		{`"text":"quote \"https://hooks.slack.com/services/T0/B0/s\" end"`, `"text":"quote \"REDACTED\" end"`},
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
		if tokenRE.MatchString(out) || webhookRE.MatchString(out) {
			t.Fatalf("String(%q) = %q still holds a token", s, out)
		}
		if String(out) != out {
			t.Fatalf("String is not idempotent on %q", s)
		}
	})
}

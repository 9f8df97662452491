package redact

import (
	"strings"
	"testing"
)

// stringCases are String's test cases (also the inputs that
// TestMayContainBytesCoversMayContain runs).
var stringCases = []struct{ in, want string }{
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
}

func TestString(t *testing.T) {
	for _, tc := range stringCases {
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

// mayContainCases are texts the prefilter matches, in every form the
// patterns allow, for TestMayContainBytesCoversMayContain.
var mayContainCases = []string{
	"xox", "XoX", "xapp", "XAPP", "hooks.slack", "HoOkS.SlAcK", "?t=", "&T=", "?token=", "&ToKeN=",
	"hooKs.slacK", // Kelvin signs, which (?i) folds onto k
	"hookſ.ſlack", // long s, which (?i) folds onto s
	"?toKen=",
}

// Every text MayContain says may hold a secret, MayContainBytes says so
// too: the test cases of every pattern, their inputs in other letter
// cases, and texts made of the patterns' own letters.
func TestMayContainBytesCoversMayContain(t *testing.T) {
	var inputs []string
	for _, tc := range stringCases {
		inputs = append(inputs, tc.in, strings.ToUpper(tc.in), strings.ToLower(tc.in))
	}
	inputs = append(inputs, mayContainCases...)
	for _, s := range inputs {
		if MayContain(s) && !MayContainBytes([]byte(s)) {
			t.Errorf("MayContainBytes(%q) = false; MayContain says true", s)
		}
	}
	for _, s := range []string{"nothing here", "text at=1 xo", "hooks slack", "x", "=", "t="} {
		if MayContainBytes([]byte(s)) {
			t.Errorf("MayContainBytes(%q) = true; want false (it should let clean text through)", s)
		}
	}
	// Every text of up to 4 symbols over an alphabet of the patterns'
	// letters (a prefilter match or a near miss), and each with a word
	// around it.
	alphabet := []string{"x", "X", "o", "a", "p", "P", "?", "&", "t", "T", "=", "k", "K", "K", "s", "ſ", ".", "hooks", "slack", "oken", "e"}
	var walk func(prefix string, n int)
	checked := 0
	walk = func(prefix string, n int) {
		for _, s := range []string{prefix, "a" + prefix + "b"} {
			checked++
			if MayContain(s) && !MayContainBytes([]byte(s)) {
				t.Errorf("MayContainBytes(%q) = false; MayContain says true", s)
			}
		}
		if n == 0 {
			return
		}
		for _, a := range alphabet {
			walk(prefix+a, n-1)
		}
	}
	walk("", 4)
	if checked < 100000 {
		t.Fatalf("checked only %d texts", checked)
	}
}

func FuzzMayContainBytes(f *testing.F) {
	for _, s := range mayContainCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if MayContain(s) && !MayContainBytes([]byte(s)) {
			t.Fatalf("MayContainBytes(%q) = false; MayContain says true", s)
		}
	})
}

package transform

import (
	"strings"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// The recognisers read whatever people and bots wrote: no input may panic,
// and every signal must point back into the message.
func FuzzClassify(f *testing.F) {
	cfg, err := defaultsForFuzz()
	if err != nil {
		f.Fatal(err)
	}
	cls, err := newClassifier(cfg)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"Declaring an incident: checkout is down (SEV2)",
		"impact started around 14:52 UTC",
		"Status changed from Investigating → Monitoring",
		"set the channel topic: Queue | Status: Stable | Severity: High",
		"Started at 2026-11-20 14:40:00 UTC",
		":rotating_light: INC-12: x",
		"fixed in 3f2a9c1, added a regression test. all clear",
	} {
		f.Add(s, uint8(0), "")
		f.Add(s, uint8(2), "channel_topic")
	}
	f.Fuzz(func(t *testing.T, text string, who uint8, subtype string) {
		m := &message{ts: "1795186800.000100", at: time.Unix(1795186800, 0).UTC(), subtype: subtype, class: class(who % 5)}
		m.content = normalise(text)
		m.lower = strings.ToLower(m.content)
		for _, s := range cls.classify(m) {
			if s.msg != m || s.rule == nil || s.kind == "" {
				t.Fatalf("classify(%q) gave a malformed signal %+v", text, s)
			}
			if s.kind == "impact_start" {
				statedTime(s.value, m.at, time.UTC)
			}
		}
		extractLinks([]*message{m}, m.signals)
		signature(text, nil)
		cleanTitle(text)
	})
}

// statedTime never returns a time after the message or more than a day
// before it.
func FuzzStatedTime(f *testing.F) {
	for _, s := range []string{"14:02", "2:02pm", "14:02 UTC", "2026-11-20 14:40:00 UTC", "25:00", "12:00 am", "9:5", "10:40am on November 20th", "3:16pm PST on Nov 19, 2026", "1:00 on feb 30"} {
		f.Add(s)
	}
	said := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := statedTime(s, said, time.UTC)
		if ok && (got.After(said) || said.Sub(got) > 24*time.Hour) {
			t.Fatalf("statedTime(%q) = %v; want within the day before %v", s, got, said)
		}
	})
}

func TestStatedTime(t *testing.T) {
	said := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"14:52", time.Date(2026, 11, 20, 14, 52, 0, 0, time.UTC), true},
		{"14:52 UTC", time.Date(2026, 11, 20, 14, 52, 0, 0, time.UTC), true},
		{"2:52pm", time.Date(2026, 11, 20, 14, 52, 0, 0, time.UTC), true},
		{"23:40", time.Date(2026, 11, 19, 23, 40, 0, 0, time.UTC), true}, // later today means yesterday
		{"2026-11-20 14:40:00 UTC", time.Date(2026, 11, 20, 14, 40, 0, 0, time.UTC), true},
		{"2026-11-18 14:40", time.Time{}, false}, // more than a day before
		{"25:00", time.Time{}, false},
		{"at 3", time.Time{}, false}, // an hour alone is not a time
		// Stated zones convert (issue 8): 14:52 PST is 22:52 UTC the day
		// before a message posted at 15:00 UTC.
		{"06:52 PST", time.Date(2026, 11, 20, 14, 52, 0, 0, time.UTC), true},
		{"14:52 PST", time.Date(2026, 11, 19, 22, 52, 0, 0, time.UTC), true},
		{"15:30 CET", time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC), true},
		{"16:10 +02:00", time.Date(2026, 11, 20, 14, 10, 0, 0, time.UTC), true},
		{"9am ET", time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC), true}, // EST in November
		{"2pm ET", time.Date(2026, 11, 19, 19, 0, 0, 0, time.UTC), true},
		{"6:30am pacific", time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC), true},
		// "2:12a", "6:09p": am and pm written with one letter.
		{"2:12a GMT", time.Date(2026, 11, 20, 2, 12, 0, 0, time.UTC), true},
		{"2:40p", time.Date(2026, 11, 20, 14, 40, 0, 0, time.UTC), true},
		// A date written after the time is its date: a postmortem's
		// "at 10:40am on November 12th" is not this morning, and is more
		// than a day before the message, so refused.
		{"10:40am on November 20th", time.Date(2026, 11, 20, 10, 40, 0, 0, time.UTC), true},
		{"11:40pm on Nov 19", time.Date(2026, 11, 19, 23, 40, 0, 0, time.UTC), true},
		{"10:40am on November 12th", time.Time{}, false},
		{"10:40am on December 26th, 2025", time.Time{}, false},
		{"3:16pm PST on Nov 19, 2026", time.Date(2026, 11, 19, 23, 16, 0, 0, time.UTC), true},
		{"10:40am on November 20th PST", time.Time{}, false}, // 18:40 UTC, after the message
	} {
		got, ok := statedTime(tc.in, said, time.UTC)
		if ok != tc.ok || ok && !got.Equal(tc.want) {
			t.Errorf("statedTime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// A bare time is read in the configured timezone.
func TestStatedTimeBareInConfiguredZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	said := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	got, ok := statedTime("15:52", said, berlin)
	if want := time.Date(2026, 11, 20, 14, 52, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("statedTime(15:52, Europe/Berlin) = %v, %v; want %v", got, ok, want)
	}
}

func TestSignature(t *testing.T) {
	skip := map[string]bool{"checkout": true, "api": true}
	for _, tc := range []struct{ a, b string }{
		{"ErrorSpikeAfterConfigChange", "[checkout] Error spike on checkout after config change"},
		{"NodeDiskSpaceLow billing (prod)", "Disk space low on billing"},
		{"checkout-api in CrashLoopBackOff after deploy v2026.2.2", "checkout in CrashLoopBackOff after deploy v2026.6.34"},
		{"High5xxRate checkout (prod)", "[P3] High 5xx rate on checkout"},
		{"Replica lag of 557s on the db (host db-12.prod.internal)", "Replica lag of 3818s on the db (host db-3.prod.internal)"},
	} {
		bill := map[string]bool{"billing": true}
		for k := range skip {
			bill[k] = true
		}
		if sa, sb := signature(tc.a, bill), signature(tc.b, bill); sa != sb || sa == "" {
			t.Errorf("signature(%q) = %q, signature(%q) = %q; want equal", tc.a, sa, tc.b, sb)
		}
	}
}

func defaultsForFuzz() (*config.Config, error) { return config.Default() }

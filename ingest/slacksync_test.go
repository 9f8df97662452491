package ingest

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTSKey(t *testing.T) {
	for _, tc := range []struct {
		in   string
		key  int64
		ok   bool
		back string
	}{
		{"1700000000.000100", 1700000000000100, true, "1700000000.000100"},
		{"1700000000.1", 1700000000100000, true, "1700000000.100000"},
		{"1700000000", 1700000000000000, true, "1700000000.000000"},
		{"0", 0, true, "0"},
		{"0000000000.000000", 0, true, "0"},
		{"", 0, false, ""},
		{"1.", 0, false, ""},
		{"-1.5", 0, false, ""},
		{"1700000000.0000001", 0, false, ""},
		{"17e8", 0, false, ""},
	} {
		k, ok := tsKey(tc.in)
		if k != tc.key || ok != tc.ok || (ok && tsString(k) != tc.back) {
			t.Errorf("tsKey(%q) = %d, %v (%q); want %d, %v (%q)", tc.in, k, ok, tsString(k), tc.key, tc.ok, tc.back)
		}
	}
	if !tsLess("9.000000", "10.000000") || tsLess("10.000000", "9.5") || !tsLess("", "0") {
		t.Errorf("tsLess orders strings, not numbers")
	}
}

func TestPlanSync(t *testing.T) {
	week := 7 * 24 * time.Hour
	const (
		mon = "1795132800.000000" // 2026-11-16
		sun = "1795737600.000000" // 2026-11-23
	)
	monLessWeek := tsString(1795132800_000000 - week.Microseconds())
	sunLessWeek := mon
	for _, tc := range []struct {
		name string
		st   syncState
		seed channelSeed
		mode syncMode
		want syncPlan
	}{
		{"first run: everything", syncState{}, channelSeed{}, syncMode{Lookback: week},
			syncPlan{Oldest: "0"}},
		{"first run with --since", syncState{}, channelSeed{}, syncMode{Lookback: week, Since: mon},
			syncPlan{Oldest: mon}},
		{"incremental: watermark less the lookback", syncState{Exists: true, From: "0", Through: sun}, channelSeed{Newest: sun}, syncMode{Lookback: week},
			syncPlan{State: syncState{Exists: true, From: "0", Through: sun}, Oldest: sunLessWeek}},
		{"channel_state's newest_ts is ignored once the API owns the channel", syncState{Exists: true, From: "0", Through: mon}, channelSeed{Oldest: "1.0", Newest: sun, Source: "api"}, syncMode{Lookback: week},
			syncPlan{State: syncState{Exists: true, From: "0", Through: mon}, Oldest: monLessWeek}},
		{"an empty channel is read again from where it was empty", syncState{Exists: true, From: "0"}, channelSeed{}, syncMode{Lookback: week},
			syncPlan{State: syncState{Exists: true, From: "0"}, Oldest: "0"}},
		{"--since below the watermark goes back to it", syncState{Exists: true, From: "0", Through: sun}, channelSeed{}, syncMode{Lookback: week, Since: "1000.000000"},
			syncPlan{State: syncState{Exists: true, From: "0", Through: sun}, Oldest: "1000.000000"}},
		{"--since above the watermark never opens a gap", syncState{Exists: true, From: "0", Through: mon}, channelSeed{}, syncMode{Lookback: week, Since: sun},
			syncPlan{State: syncState{Exists: true, From: "0", Through: mon}, Oldest: monLessWeek}},
		{"--full", syncState{Exists: true, From: "0", Through: sun}, channelSeed{}, syncMode{Lookback: week, Full: true},
			syncPlan{State: syncState{Exists: true, From: "0", Through: sun}, Oldest: "0"}},
		{"an export seeds the first API run", syncState{}, channelSeed{Oldest: "1000.000000", Newest: sun, Source: "export"}, syncMode{Lookback: week},
			syncPlan{State: syncState{From: "1000.000000", Through: sun, SeededFrom: "export"}, Oldest: sunLessWeek}},
		{"an unfinished first pass resumes from its bottom", syncState{Exists: true, PassOldest: "0", PassLow: mon, PassHigh: sun}, channelSeed{Oldest: mon, Newest: sun, Source: "api"}, syncMode{Lookback: week},
			syncPlan{State: syncState{Exists: true, PassOldest: "0", PassLow: mon, PassHigh: sun}, Oldest: "0", ResumeLow: mon, ResumeHigh: sun}},
		{"an unfinished --since pass keeps its target", syncState{Exists: true, From: "0", Through: sun, PassOldest: "1000.000000", PassLow: mon, PassHigh: sun}, channelSeed{}, syncMode{Lookback: week},
			syncPlan{State: syncState{Exists: true, From: "0", Through: sun, PassOldest: "1000.000000", PassLow: mon, PassHigh: sun}, Oldest: "1000.000000", ResumeLow: mon, ResumeHigh: sun}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, planSync(tc.st, tc.seed, tc.mode)); diff != "" {
				t.Errorf("planSync(%+v, %+v, %+v) (-want +got):\n%s", tc.st, tc.seed, tc.mode, diff)
			}
		})
	}
}

func TestPassDoneAndSkipArchived(t *testing.T) {
	st := passDone(syncState{}, "0", "300.000000", false)
	if want := (syncState{From: "0", Through: "300.000000"}); st != want {
		t.Errorf("first pass: %+v; want %+v", st, want)
	}
	st = passProgress(st, "100.000000", "250.000000", "400.000000")
	if st.From != "0" || st.Through != "300.000000" || st.PassLow != "250.000000" {
		t.Errorf("progress must not move the complete range: %+v", st)
	}
	st = passDone(st, "100.000000", "400.000000", true)
	if want := (syncState{From: "0", Through: "400.000000", ArchivedComplete: true}); st != want {
		t.Errorf("second pass: %+v; want %+v", st, want)
	}
	// A pass over an empty window leaves the watermark where it was.
	if got := passDone(st, "390.000000", "", true); got.Through != "400.000000" {
		t.Errorf("empty window moved the watermark: %+v", got)
	}
	week := syncMode{Lookback: 7 * 24 * time.Hour}
	for _, tc := range []struct {
		st       syncState
		archived bool
		mode     syncMode
		skip     bool
	}{
		{st, true, week, true},
		{st, false, week, false},                                  // unarchived since
		{syncState{From: "0", Through: "1.0"}, true, week, false}, // archived, not yet fetched after
		{st, true, syncMode{Full: true}, false},                   // --full
		{syncState{From: "500.000000", ArchivedComplete: true}, true, syncMode{Since: "100.000000"}, false}, // --since older than what is held
		{syncState{From: "500.000000", ArchivedComplete: true}, true, syncMode{Since: "600.000000"}, true},
		{syncState{From: "0", ArchivedComplete: true, PassOldest: "0"}, true, week, false}, // unfinished
	} {
		if got := skipArchived(tc.st, tc.archived, tc.mode); got != tc.skip {
			t.Errorf("skipArchived(%+v, %v, %+v) = %v; want %v", tc.st, tc.archived, tc.mode, got, tc.skip)
		}
	}
}

// The limiter never lets more than perMinute calls start in any minute, and
// lets a burst of perMinute through at once.
func TestLimiterReserve(t *testing.T) {
	l := newLimiter(50)
	l.margin = 0
	start := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	now := start
	rng := rand.New(rand.NewPCG(1, 2))
	var at []time.Time
	var finish []time.Time
	for i := 0; i < 500; i++ {
		now = now.Add(time.Duration(rng.IntN(500)) * time.Millisecond)
		ticket, slot := l.reserve(now)
		if slot.Before(now) {
			t.Fatalf("call %d: slot %v before now %v", i, slot, now)
		}
		at = append(at, slot)
		// Some calls take a while to come back.
		now = slot.Add(time.Duration(rng.IntN(3)) * time.Second)
		l.done(ticket, now)
		finish = append(finish, now)
	}
	for i := 50; i < len(at); i++ {
		if at[i].Sub(finish[i-50]) < time.Minute {
			t.Fatalf("call %d starts %v after call %d finished: 51 calls in a minute", i, at[i].Sub(finish[i-50]), i-50)
		}
	}
	burst := newLimiter(20)
	for i := 0; i < 20; i++ {
		if _, slot := burst.reserve(start); !slot.Equal(start) {
			t.Fatalf("call %d of a burst of 20 waits until %v", i, slot)
		}
	}
	ticket, slot := burst.reserve(start)
	if slot.Sub(start) < time.Minute {
		t.Errorf("call 21 at %v; want a minute after the first", slot.Sub(start))
	}
	burst.done(0, start.Add(10*time.Second)) // the first call came back late
	if ready := burst.ready(ticket, slot); ready.Sub(start) < time.Minute+10*time.Second {
		t.Errorf("call 21 ready at %v; want a minute after the first call finished", ready.Sub(start))
	}
	burst.block(start.Add(3 * time.Minute))
	if _, slot := burst.reserve(start); slot.Before(start.Add(3 * time.Minute)) {
		t.Errorf("a call during a Retry-After block starts at %v", slot.Sub(start))
	}
	if _, slot := newLimiter(0).reserve(start); !slot.Equal(start) {
		t.Errorf("an unlimited method waits until %v", slot)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := &backoff{base: 500 * time.Millisecond, max: 2 * time.Minute, rng: rand.New(rand.NewPCG(1, 2))}
	for attempt := 0; attempt < 20; attempt++ {
		ceil := min(500*time.Millisecond<<attempt, 2*time.Minute)
		if attempt > 10 {
			ceil = 2 * time.Minute
		}
		d := b.delay(attempt)
		if d < ceil/2 || d > ceil {
			t.Errorf("delay(%d) = %v; want within [%v, %v]", attempt, d, ceil/2, ceil)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"30", 30 * time.Second},
		{" 1 ", time.Second},
		{"0.5", 500 * time.Millisecond},
		{"", 0},
		{"soon", 0},
		{"-3", 0},
		{now.Add(45 * time.Second).Format(http.TimeFormat), 45 * time.Second},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}

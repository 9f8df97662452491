package main

import (
	"fmt"
	"testing"
	"time"
)

// stepClock is a fake clock that moves on by step at every reading.
func stepClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

// The progress line's elapsed time, ETA and rate come from the deps'
// clock, never the wall clock: with a clock that moves 2 s at each reading
// (one when the line starts, one per set), the lines are exact.
func TestProgressUsesInjectedClock(t *testing.T) {
	tests := []struct {
		name  string
		bytes bool
		sets  [][2]int64 // done, total
		want  []string   // the line after each set
	}{{
		name: "items",
		sets: [][2]int64{{0, 40}, {10, 40}, {30, 40}},
		want: []string{
			"work   0% |                    | (0/40) [2s:?] 0.0/s",
			"work  25% |█████               | (10/40) [4s:12s] 2.5/s",
			"work  75% |███████████████     | (30/40) [6s:2s] 5.0/s",
		},
	}, {
		name:  "bytes",
		bytes: true,
		sets:  [][2]int64{{3_000_000, 12_000_000}, {5_000, 0}},
		want: []string{
			"work  25% |█████               | (3.0 MB/12.0 MB) [2s:6s] 1.5 MB/s",
			"work (5.0 kB) [4s] 1.2 kB/s",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, stderr := testDeps(true)
			d.now = stepClock(2 * time.Second)
			p := newProgressEvery(d, "work", tt.bytes, 0)
			for i, s := range tt.sets {
				stderr.Reset()
				p.set(s[0], s[1], "")
				if want := "\r" + tt.want[i] + "\x1b[K"; stderr.String() != want {
					t.Errorf("set(%d, %d) drew %q; want %q", s[0], s[1], stderr.String(), want)
				}
			}
		})
	}
}

// The line is redrawn at most every throttle of the deps' clock, and a
// log record passes through it whole, the line drawn again below it.
func TestProgressThrottleAndLogs(t *testing.T) {
	d, _, stderr := testDeps(true)
	d.now = stepClock(40 * time.Millisecond)
	p := newProgressEvery(d, "work", false, 100*time.Millisecond)
	var drawn []int64
	for done := range int64(8) {
		before := stderr.Len()
		p.set(done, 8, "")
		if stderr.Len() > before {
			drawn = append(drawn, done)
		}
	}
	// Readings 40 ms apart: the first set draws, then every third.
	if got, want := fmt.Sprint(drawn), "[0 3 6]"; got != want {
		t.Errorf("drew at done = %s; want %s", got, want)
	}
	stderr.Reset()
	fmt.Fprintln(p, "level=WARN msg=hello")
	got := stderr.String()
	if want := "\r\x1b[Klevel=WARN msg=hello\nwork  75% |███████████████     | (6/8) [0s:0s] 21.4/s\x1b[K"; got != want {
		t.Errorf("a log record through the line wrote %q; want %q", got, want)
	}
	stderr.Reset()
	p.finish()
	if got := stderr.String(); got != "\r\x1b[K" {
		t.Errorf("finish wrote %q; want the line cleared", got)
	}
}

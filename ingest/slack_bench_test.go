package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// The Slack ingest benchmarks. Run them with
//
//	go test ./ingest -run '^$' -bench BenchmarkSlack -benchtime 1x -count 5
//
// and read the custom metrics; docs/benchmarks.md quotes their medians.
//
// Rate-limited runs use virtual time: the fake server and the client share
// a FakeClock, requests take no virtual time, and once nothing has
// happened for 100 ms of real time (every worker is waiting) the clock
// jumps to the earliest wait's end — a discrete-event simulation of the
// run. "slack-s" is the virtual time a run spent, which is what its rate
// limits cost; "bound-s" is the least any client could spend making the
// minimum calls under the same limits: a method limited to r calls in any
// minute needs ceil(n/r)−1 minutes for n calls, and methods run side by
// side, so the bound is the largest over the methods. "cpu-s" is the real
// time the run took (HTTP, JSON, DuckDB, and the 100 ms settling pauses),
// which in production overlaps the waits.

// benchConfig is the built-in configuration: Tier 2/3 rates, page sizes.
func benchConfig(b *testing.B) config.Slack {
	b.Helper()
	cfg, err := config.Default()
	if err != nil {
		b.Fatal(err)
	}
	return cfg.Slack
}

// sampleWorkspace generates a realistic workspace (samplegen) and loads it
// into the fake.
func sampleWorkspace(b *testing.B, weeks, incidents int) (*slackfake.Workspace, string) {
	b.Helper()
	dir := b.TempDir()
	sum, err := samplegen.Generate(context.Background(), dir, samplegen.Options{
		Seed: 7, Weeks: weeks, Incidents: incidents, Scale: 1, End: testNow.Add(-24 * time.Hour),
	})
	if err != nil {
		b.Fatal(err)
	}
	ws := loadFakeExport(b, filepath.Join(dir, "export"))
	b.Logf("sample workspace: %d channels, %d messages, %d users", sum.Channels, sum.Messages, sum.Users)
	return ws, filepath.Join(dir, "export")
}

// minimumCalls is the fewest calls, per method, any client needs to read
// the selected channels of ws from scratch, at Slack's largest page sizes.
func minimumCalls(ws *slackfake.Workspace, sel Selection) map[string]int {
	calls := map[string]int{
		"auth.test":          1,
		"conversations.list": int(math.Ceil(float64(len(ws.Channels())) / 999)),
		"users.list":         max(1, int(math.Ceil(float64(len(ws.Users()))/1000))),
	}
	for _, c := range ws.Channels() {
		if !sel.Selected(c.ID, c.Name) {
			continue
		}
		history, threads := 0, map[string]int{}
		for _, raw := range ws.Messages(c.ID) {
			m, _ := parseSlackMessage(raw)
			var h struct{ Subtype string }
			_ = json.Unmarshal(raw, &h)
			if m.threadTS == "" || m.threadTS == m.ts || h.Subtype == "thread_broadcast" {
				history++
			}
			if m.threadTS != "" && m.threadTS != m.ts {
				threads[m.threadTS]++
			}
		}
		calls["conversations.history"] += max(1, int(math.Ceil(float64(history)/999)))
		for _, n := range threads {
			calls["conversations.replies"] += int(math.Ceil(float64(n+1) / 1000))
		}
	}
	return calls
}

// rateBound is the least virtual time the minimum calls take under the
// limits.
func rateBound(calls map[string]int, perMinute map[string]int) time.Duration {
	var bound time.Duration
	for m, n := range calls {
		if r := perMinute[m]; r > 0 && n > 0 {
			bound = max(bound, time.Duration((n+r-1)/r-1)*time.Minute)
		}
	}
	return bound
}

func sumCalls(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

// night adds a night's activity to ws: in every open selected channel a
// few messages, and in every other one a late reply to its newest thread.
// It returns the fewest calls, per method, a client needs to pick it up.
func night(b *testing.B, ws *slackfake.Workspace, sel Selection, at time.Time) map[string]int {
	b.Helper()
	open, changed := 0, 0
	for i, c := range ws.Channels() {
		if !sel.Selected(c.ID, c.Name) || c.Archived {
			continue
		}
		open++
		for k := 0; k < 3; k++ {
			ts := tsOf(at.Add(time.Duration(i*10+k) * time.Second))
			if err := ws.AddMessage(c.ID, slackfake.NewMessage(ts, "U0NIGHT", fmt.Sprintf("night %d", k))); err != nil {
				b.Fatal(err)
			}
		}
		if i%2 == 0 {
			continue
		}
		parent := ""
		for _, raw := range ws.Messages(c.ID) {
			if m, p := parseSlackMessage(raw); p == "" && m.isParent() {
				parent = m.ts
			}
		}
		if parent == "" {
			continue
		}
		if k, _ := tsKey(parent); at.Sub(time.UnixMicro(k)) > 6*24*time.Hour {
			continue // outside the lookback: no client following it would look
		}
		ts := tsOf(at.Add(time.Duration(i*10+5) * time.Second))
		if err := ws.AddReply(c.ID, parent, slackfake.NewMessage(ts, "U0NIGHT", "late reply")); err != nil {
			b.Fatal(err)
		}
		changed++
	}
	return map[string]int{"auth.test": 1, "conversations.list": 1, "users.list": 1,
		"conversations.history": open, "conversations.replies": changed}
}

// BenchmarkSlackNightly: a sample workspace is backfilled, a night's
// activity is added, and the nightly run is measured against the fake with
// Slack's Tier 2/3 limits on.
func BenchmarkSlackNightly(b *testing.B) {
	cfg := benchConfig(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ws, _ := sampleWorkspace(b, 12, 60)
		f := startSlackFake(b, ws)
		db := warehousetest.Open(b)
		opts := f.options(b, nil)
		opts.PageSize = cfg.PageSize
		if _, err := IngestSlack(context.Background(), db, opts); err != nil {
			b.Fatal(err)
		}
		minCalls := night(b, ws, opts.Selection, f.clock.Now().Add(-time.Hour))
		f.settle = 100 * time.Millisecond
		f.srv.SetTierLimits()
		f.srv.Reset()
		opts.RatePerMinute = cfg.RatePerMinute
		startVirtual, start := f.clock.Now(), time.Now()
		b.StartTimer()
		res, err := IngestSlack(context.Background(), db, opts)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		calls := sumCalls(res.Counts.APICalls)
		b.ReportMetric(float64(calls), "calls/run")
		b.ReportMetric(float64(sumCalls(minCalls)), "min-calls/run")
		b.ReportMetric(float64(res.Counts.RateLimited), "429s/run")
		b.ReportMetric(f.clock.Now().Sub(startVirtual).Seconds(), "slack-s")
		b.ReportMetric(rateBound(minCalls, cfg.RatePerMinute).Seconds(), "bound-s")
		b.ReportMetric(time.Since(start).Seconds(), "cpu-s")
		b.Logf("nightly calls %v (minimum %v); %d new, %d updated", res.Counts.APICalls, minCalls, res.Counts.MessagesNew, res.Counts.MessagesUpdated)
		for ch, n := range f.srv.Stats().HistoryCalls {
			if n > 1 {
				c, _ := ws.Channel(ch)
				b.Logf("  %d history calls for #%s (the lookback window holds more than a page)", n, c.Name)
			}
		}
	}
}

// BenchmarkSlackFirstRunTier3: the first (full) run of the sample
// workspace with Tier 2/3 limits on, at the configured page sizes and at
// Slack's largest.
func BenchmarkSlackFirstRunTier3(b *testing.B) {
	cfg := benchConfig(b)
	for _, pages := range []struct {
		name string
		size map[string]int
	}{
		{"pages=config", cfg.PageSize},
		{"pages=max", map[string]int{"conversations.list": 999, "users.list": 1000, "conversations.history": 999, "conversations.replies": 1000}},
	} {
		b.Run(pages.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ws, _ := sampleWorkspace(b, 12, 60)
				f := startSlackFake(b, ws, slackfake.WithTierLimits())
				f.settle = 100 * time.Millisecond
				db := warehousetest.Open(b)
				opts := f.options(b, nil)
				opts.PageSize, opts.RatePerMinute = pages.size, cfg.RatePerMinute
				minCalls := minimumCalls(ws, opts.Selection)
				startVirtual, start := f.clock.Now(), time.Now()
				b.StartTimer()
				res, err := IngestSlack(context.Background(), db, opts)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(sumCalls(res.Counts.APICalls)), "calls/run")
				b.ReportMetric(float64(sumCalls(minCalls)), "min-calls/run")
				b.ReportMetric(float64(res.Counts.RateLimited), "429s/run")
				b.ReportMetric(f.clock.Now().Sub(startVirtual).Seconds(), "slack-s")
				b.ReportMetric(rateBound(minCalls, cfg.RatePerMinute).Seconds(), "bound-s")
				b.ReportMetric(time.Since(start).Seconds(), "cpu-s")
				b.Logf("first run calls %v (minimum %v), %d messages", res.Counts.APICalls, minCalls, res.Counts.MessagesNew)
			}
		})
	}
}

// BenchmarkSlackBackfill100k: a 100,000-message backfill (20 incident
// channels, threads and broadcasts) with rate limits off, on the wall
// clock: the throughput of fetching, decoding and storing.
func BenchmarkSlackBackfill100k(b *testing.B) {
	cfg := benchConfig(b)
	spec := workspaceSpec{Seed: 100, Channels: 20, Messages: 2500, ThreadEvery: 5, Replies: 5}
	ws := genWorkspace(b, spec)
	total := 0
	for _, c := range ws.Channels() {
		total += len(ws.Messages(c.ID))
	}
	b.Logf("workspace: %d messages", total)
	for _, pages := range []struct {
		name string
		size map[string]int
	}{
		{"pages=config", cfg.PageSize},
		{"pages=max", map[string]int{"conversations.history": 999, "conversations.replies": 1000}},
	} {
		b.Run(pages.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				f := startSlackFake(b, ws, slackfake.WithClock(slackfake.SystemClock()))
				db := warehousetest.Open(b)
				opts := f.options(b, nil)
				opts.Now, opts.Wait = time.Now, nil
				opts.PageSize = pages.size
				start := time.Now()
				b.StartTimer()
				res, err := IngestSlack(context.Background(), db, opts)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				b.ReportMetric(float64(res.Counts.MessagesNew)/took.Seconds(), "msgs/s")
				b.ReportMetric(float64(sumCalls(res.Counts.APICalls)), "calls/run")
				b.ReportMetric(float64(res.Counts.MessagesNew), "msgs")
			}
		})
	}
}

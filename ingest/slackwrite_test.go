package ingest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// committedRange is what slack_sync said a channel's pass covered when the
// writer reported a batch committed, and how many messages (threads
// whole) were stored in that range at that moment.
type committedRange struct {
	what      string
	low, high string
	stored    int
}

// The writer reports each commit through SlackOptions.Committed, in order,
// and by then the batch is durable: the range slack_sync claims holds
// every message (and thread) that it holds after the whole run. This is
// what lets the fault harness kill right after the event.
func TestIngestSlackCommitted(t *testing.T) {
	spec := workspaceSpec{Seed: 21, Channels: 1, Messages: 300, ThreadEvery: 10, Replies: 2}
	f := startSlackFake(t, genWorkspace(t, spec))
	db := warehousetest.Open(t)
	opts := f.options(t, nil)
	opts.PageSize = map[string]int{"conversations.history": 20}
	opts.BatchMessages = 20

	const rangeCount = `SELECT count(*) FROM messages WHERE channel_id = ? AND coalesce(thread_ts, ts) BETWEEN ? AND ?`
	var mu sync.Mutex
	var events []string
	var ranges []committedRange
	opts.Committed = func(what string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, what)
		if !strings.HasPrefix(what, "slack C0000INC history batch") {
			return
		}
		// A pass in progress claims [pass_low, pass_high]; a finished one
		// (from, through].
		r := committedRange{what: what}
		err := db.QueryRow(`SELECT coalesce(pass_low, history_from), coalesce(pass_high, history_through)
			FROM slack_sync WHERE channel_id = 'C0000INC'`).Scan(&r.low, &r.high)
		if err != nil {
			t.Errorf("after %q: read slack_sync: %v", what, err)
			return
		}
		if err := db.QueryRow(rangeCount, "C0000INC", r.low, r.high).Scan(&r.stored); err != nil {
			t.Errorf("after %q: count messages: %v", what, err)
		}
		ranges = append(ranges, r)
	}
	if _, err := ingestSlack(t, db, opts); err != nil {
		t.Fatal(err)
	}

	for _, want := range []string{"slack team", "slack channels", "slack users page 1"} {
		if !slices.Contains(events, want) {
			t.Errorf("Committed events %q lack %q", events, want)
		}
	}
	if events[0] != "slack team" {
		t.Errorf("first Committed event = %q; want %q", events[0], "slack team")
	}
	// 300 top-level messages in pages of 20, stored a page at a time.
	if len(ranges) < 15 {
		t.Fatalf("got %d history batches committed; want at least 15: %q", len(ranges), events)
	}
	for i, r := range ranges {
		if want := fmt.Sprintf("slack C0000INC history batch %d", i+1); r.what != want {
			t.Errorf("history event %d = %q; want %q", i, r.what, want)
		}
		var final int
		if err := db.QueryRow(rangeCount, "C0000INC", r.low, r.high).Scan(&final); err != nil {
			t.Fatal(err)
		}
		if r.stored != final || r.stored == 0 {
			t.Errorf("after %q slack_sync claimed [%s, %s] holding %d messages; the finished run holds %d there",
				r.what, r.low, r.high, r.stored, final)
		}
	}
}

package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Slack ts arithmetic. A ts is "seconds.micros"; "0" stands for the
// channel's beginning. Keys are microseconds since the epoch.

// tsKey parses a Slack ts ("1700000000.000100", "1700000000" or "0").
func tsKey(s string) (int64, bool) {
	sec, frac, hasFrac := strings.Cut(s, ".")
	if sec == "" || len(sec) > 12 || len(frac) > 6 || (hasFrac && frac == "") || !digits(sec) || !digits(frac) {
		return 0, false
	}
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, false
	}
	var micros int64
	if frac != "" {
		micros, _ = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	return secs*1_000_000 + micros, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tsString formats a key as Slack does; 0 is "0".
func tsString(k int64) string {
	if k <= 0 {
		return "0"
	}
	return fmt.Sprintf("%d.%06d", k/1_000_000, k%1_000_000)
}

// tsOf returns the ts of a time.
func tsOf(t time.Time) string { return tsString(t.UnixMicro()) }

// tsLess orders two ts numerically; "" sorts first.
func tsLess(a, b string) bool {
	ka, _ := tsKey(a)
	kb, _ := tsKey(b)
	if a == "" || b == "" {
		return a == "" && b != ""
	}
	return ka < kb
}

func tsMin(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "", tsLess(a, b):
		return a
	}
	return b
}

func tsMax(a, b string) string {
	if tsLess(a, b) {
		return b
	}
	return a
}

// syncState is a channel's slack_sync row ("" for NULL).
//
// From and Through bound the history fetched completely, threads included:
// every top-level message with From < ts ≤ Through was listed by a
// conversations.history pass that ran to its end, and every thread whose
// latest_reply had moved was fetched. A pass that stopped early (a kill, a
// skip) leaves PassOldest (where it was going), and PassLow..PassHigh (the
// contiguous stretch it stored, newest first, so it always starts at the
// top). Neither moves except in the transaction that stores the messages.
type syncState struct {
	Exists           bool
	From, Through    string
	PassOldest       string
	PassLow          string
	PassHigh         string
	ArchivedComplete bool
	SeededFrom       string
}

// channelSeed is what channel_state says about a channel's stored messages.
type channelSeed struct {
	Oldest, Newest, Source string
}

// syncPlan is how one channel is fetched in this run.
type syncPlan struct {
	State syncState
	// Oldest is the lower bound of this pass's window ("0": everything).
	Oldest string
	// ResumeLow/ResumeHigh: the stretch an unfinished pass stored, which
	// this pass skips once it reaches it.
	ResumeLow, ResumeHigh string
}

// syncMode is what the command line asked for.
type syncMode struct {
	Lookback time.Duration
	Since    string // ts; "" for none
	Full     bool
}

// planSync decides a channel's window. An export-backfilled channel (a
// channel_state row, no slack_sync row) is trusted to hold its history from
// its oldest to its newest stored message, so the first API run starts at
// the newest minus the lookback, like any incremental run; --since or
// --full fetch what an export cut to a date range lacks.
func planSync(st syncState, seed channelSeed, m syncMode) syncPlan {
	if !st.Exists && seed.Newest != "" {
		st.From, st.Through, st.SeededFrom = seed.Oldest, seed.Newest, seed.Source
		if st.From == "" {
			st.From = seed.Newest
		}
	}
	p := syncPlan{State: st}
	switch {
	case m.Full:
		p.Oldest = "0"
	case st.From == "":
		p.Oldest = "0"
		if m.Since != "" {
			p.Oldest = m.Since
		}
	default:
		p.Oldest = st.From
		if st.Through != "" {
			k, _ := tsKey(st.Through)
			p.Oldest = tsString(k - m.Lookback.Microseconds())
		}
		if m.Since != "" {
			p.Oldest = tsMin(p.Oldest, m.Since)
		}
	}
	if st.PassOldest != "" {
		p.Oldest = tsMin(p.Oldest, st.PassOldest)
		p.ResumeLow, p.ResumeHigh = st.PassLow, st.PassHigh
	}
	return p
}

// skipArchived reports that an archived channel was fetched completely
// after its archive and this run needs nothing older from it.
func skipArchived(st syncState, archived bool, m syncMode) bool {
	if !archived || !st.ArchivedComplete || st.PassOldest != "" || m.Full {
		return false
	}
	return m.Since == "" || !tsLess(m.Since, st.From)
}

// passProgress is the state after storing part of a pass that fetched
// [low, high] (contiguous, from the top) and still has to reach oldest.
func passProgress(st syncState, oldest, low, high string) syncState {
	st.PassOldest, st.PassLow, st.PassHigh = oldest, low, high
	return st
}

// passDone is the state after a pass fetched (oldest, ∞) completely;
// newest is the newest ts it saw ("" when the window was empty).
func passDone(st syncState, oldest, newest string, archived bool) syncState {
	if st.From == "" {
		st.From, st.Through = oldest, newest
	} else {
		st.From, st.Through = tsMin(st.From, oldest), tsMax(st.Through, newest)
	}
	st.PassOldest, st.PassLow, st.PassHigh = "", "", ""
	st.ArchivedComplete = archived
	return st
}

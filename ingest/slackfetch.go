package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The fetchers read Slack and hand what they read to the writer
// (slackwrite.go): one goroutine pages users.list, one lists the channels
// and plans each selected one from its sync state (slacksync.go), and
// Workers goroutines fetch the planned channels, one history pass each,
// with the thread replies that moved. A pass's pages are gathered into
// batches of about BatchMessages; each batch goes to the writer with the
// sync state that storing it makes true, which is how a pass killed
// half-way resumes where it stopped. Rate limits and retries live in the
// client (slackclient.go, slacklimit.go).

// users fetches users.list and has the writer store it page by page.
func (s *slackRun) users(ctx context.Context) error {
	cursor := ""
	for n := 1; ; n++ {
		page, err := s.api.usersList(ctx, cursor)
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return nil // the run is stopping; its cause is reported
			case isAPICode(err, authCodes...):
				return s.authError(err)
			}
			s.w.skip("users", "users.list", s.clean(err).Error()+"; stored users keep their last known names")
			return nil
		}
		var raws []string
		for _, it := range page.Items {
			if isObject(it) {
				raws = append(raws, string(it))
			}
		}
		if len(raws) > 0 {
			if _, err := s.w.storeUsers(n, raws); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		if page.Next == cursor {
			s.w.skip("users", "users.list", "Slack returned the same cursor twice; stored users keep their last known names")
			return nil
		}
		cursor = page.Next
	}
}

// slackChannel is a selected channel and how this run treats it.
type slackChannel struct {
	ID, Name                  string
	Private, Archived, Member bool
	plan                      syncPlan
	join                      bool
}

func (c *slackChannel) label() string { return "#" + c.Name + " (" + c.ID + ")" }

// channels lists the channels, has the writer select and store them, and
// returns the selected ones that need fetching, each with its plan.
func (s *slackRun) channels(ctx context.Context) ([]*slackChannel, error) {
	var raws []string
	cursor := ""
	for {
		page, err := s.api.conversationsList(ctx, cursor)
		if err != nil {
			if isAPICode(err, authCodes...) {
				return nil, s.authError(err)
			}
			return nil, fmt.Errorf("list channels: %w", err)
		}
		for _, it := range page.Items {
			if isObject(it) {
				raws = append(raws, string(it))
			}
		}
		if page.Next == "" {
			break
		}
		if page.Next == cursor {
			return nil, errors.New("list channels: Slack returned the same cursor twice")
		}
		cursor = page.Next
	}
	chans, err := s.w.storeChannels(raws)
	if err != nil {
		return nil, err
	}
	return s.plan(chans)
}

// plan loads each selected channel's sync state and decides what to do:
// nothing (archived and complete), join, skip (not a member), or fetch.
func (s *slackRun) plan(chans []*slackChannel) ([]*slackChannel, error) {
	byID := map[string]*slackChannel{}
	ids := make([]string, 0, len(chans))
	for _, c := range chans {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	stored, err := s.w.loadSync(ids)
	if err != nil {
		return nil, err
	}
	for _, r := range stored {
		c := byID[r.id]
		c.plan = planSync(r.state, r.seed, s.mode)
		if skipArchived(r.state, c.Archived, s.mode) {
			c.plan.Oldest = "" // nothing to fetch
		}
	}

	var work []*slackChannel
	var outside []string
	complete := 0
	for _, c := range chans {
		switch {
		case c.plan.Oldest == "":
			complete++
			s.log.Debug("archived channel already complete", "channel_id", c.ID, "channel", c.Name)
		case c.Member:
			work = append(work, c)
		case s.opts.Join && !c.Private && !c.Archived:
			c.join = true
			work = append(work, c)
		default:
			reason := "the bot is not a member; invite it to the channel, or run with --join"
			switch {
			case c.Archived:
				reason = "the bot is not a member, and archived channels cannot be joined; invite the bot or unarchive the channel"
			case c.Private:
				reason = "the bot is not a member of this private channel; invite it to the channel"
			}
			s.w.skipQuiet("channel", c.label(), reason)
			outside = append(outside, c.label())
		}
	}
	s.mu.Lock()
	s.Counts.ChannelsDone += complete
	s.Counts.ChannelsSkipped += len(outside)
	s.mu.Unlock()
	if len(outside) > 0 {
		s.log.Warn("skipped channels the bot is not a member of", "count", len(outside), "channels", strings.Join(outside, ", "),
			"hint", "invite the bot, or run with --join (public channels only)")
	}
	return work, nil
}

// channel fetches one channel: join if asked, then one history pass.
func (s *slackRun) channel(ctx context.Context, c *slackChannel) error {
	if c.join {
		if err := s.api.conversationsJoin(ctx, c.ID); err != nil {
			if isAPICode(err, authCodes...) {
				return s.authError(err)
			}
			return err
		}
		s.log.Info("joined channel", "channel_id", c.ID, "channel", c.Name)
	}
	err := s.history(ctx, c)
	if isAPICode(err, authCodes...) {
		return s.authError(err)
	}
	return err
}

// msgBatch is messages waiting to be stored: parallel slices, as stageRaw
// takes them.
type msgBatch struct {
	ids, raws, origins []string
	seen               map[string]bool
}

func (b *msgBatch) add(channelID string, m slackMessage, origin string) {
	if b.seen[m.ts] {
		return // a thread parent or broadcast seen twice
	}
	b.seen[m.ts] = true
	b.ids = append(b.ids, channelID)
	b.raws = append(b.raws, string(m.raw))
	b.origins = append(b.origins, origin)
}

func newMsgBatch() *msgBatch { return &msgBatch{seen: map[string]bool{}} }

// history runs one conversations.history pass over the channel's window
// and waits until the writer has stored all of it (or failed to).
func (s *slackRun) history(ctx context.Context, c *slackChannel) error {
	sink := &batchSink{w: s.w, c: c}
	err := s.pass(ctx, c, sink)
	werr := sink.wait()
	switch {
	case err == nil:
		return werr
	case werr != nil:
		// The pages kept after a failure (keepWhatWeHave) did not store:
		// the failure that stopped the pass is the one to report.
		s.log.Debug("could not store pages fetched before a failure", "err", s.clean(werr))
	}
	return err
}

// pass fetches the channel's window newest first, with the threads whose
// latest_reply moved, and sends the pages to sink in batches; each batch
// carries how far the pass got, and the last one moves history_through. A
// pass resumed after a kill skips the stretch the killed pass stored.
func (s *slackRun) pass(ctx context.Context, c *slackChannel, sink *batchSink) error {
	p := c.plan
	q := historyQuery{Channel: c.ID}
	if p.Oldest != "0" {
		q.Oldest = p.Oldest
	}
	var high, low string // this pass has fetched [low, high]
	jumped := p.ResumeHigh == ""
	b := newMsgBatch()
	state := p.State
	flush := func(done bool) error {
		next := passProgress(state, p.Oldest, low, high)
		if done {
			next = passDone(state, p.Oldest, high, c.Archived)
		} else if low == "" {
			return nil // nothing fetched yet: nothing to record
		}
		if err := sink.send(b, next); err != nil {
			return err // the batch before failed to store: next assumes it
		}
		state = next
		b = newMsgBatch()
		return nil
	}
	for {
		page, err := s.api.conversationsHistory(ctx, q)
		if err != nil {
			return s.keepWhatWeHave(ctx, err, flush)
		}
		msgs := s.validate(c, page.Items, "conversations.history")
		var pageLow, pageHigh string
		for _, m := range msgs {
			pageHigh = tsMax(pageHigh, m.ts)
			pageLow = tsMin(pageLow, m.ts)
		}
		if err := s.threads(ctx, c, msgs, b); err != nil {
			return s.keepWhatWeHave(ctx, err, flush)
		}
		for _, m := range msgs {
			b.add(c.ID, m, "conversations.history")
		}
		high = tsMax(high, pageHigh)
		if pageLow != "" {
			low = tsMin(low, pageLow)
		}

		more := true
		switch {
		case page.Next != "" && page.Next == q.Cursor:
			return s.keepWhatWeHave(ctx, fmt.Errorf("conversations.history: Slack returned the same cursor twice"), flush)
		case page.Next != "":
			q.Cursor = page.Next
		case page.HasMore && pageLow != "":
			// No cursor but more to come: page the classic way, below
			// the oldest message seen.
			q.Latest, q.Cursor = pageLow, ""
		default:
			more = false
		}
		// Reaching the stretch an interrupted pass stored: continue below it.
		if !jumped && low != "" && !tsLess(p.ResumeHigh, low) {
			jumped = true
			if tsLess(p.ResumeLow, low) {
				low = p.ResumeLow
				more = p.Oldest == "0" || tsLess(p.Oldest, p.ResumeLow)
				q.Latest, q.Cursor = p.ResumeLow, ""
			}
		}
		if !more {
			return flush(true)
		}
		if len(b.raws) >= s.opts.BatchMessages {
			if err := flush(false); err != nil {
				return err
			}
		}
	}
}

// keepWhatWeHave sends the complete pages fetched before a channel-level
// failure to be stored, so the rerun resumes below them, then returns err.
func (s *slackRun) keepWhatWeHave(ctx context.Context, err error, flush func(bool) error) error {
	if ctx.Err() == nil && !isAPICode(err, authCodes...) {
		if ferr := flush(false); ferr != nil {
			s.log.Debug("could not store pages fetched before a failure", "err", s.clean(ferr))
		}
	}
	return err
}

// threads adds the replies of every thread on the page whose latest_reply
// is newer than what is stored (every thread with replies under --full).
func (s *slackRun) threads(ctx context.Context, c *slackChannel, msgs []slackMessage, b *msgBatch) error {
	var parents []slackMessage
	var tss []string
	for _, m := range msgs {
		if m.isParent() {
			parents = append(parents, m)
			tss = append(tss, m.ts)
		}
	}
	if len(parents) == 0 {
		return nil
	}
	stored := map[string]string{}
	if !s.mode.Full {
		var err error
		if stored, err = s.w.storedThreads(c.ID, tss); err != nil {
			return err
		}
	}
	for _, m := range parents {
		if st, ok := stored[m.ts]; ok && (m.latestReply == "" || !tsLess(st, m.latestReply)) {
			continue
		}
		if err := s.replies(ctx, c, m.ts, b); err != nil {
			return err
		}
	}
	return nil
}

// replies adds one thread's messages, every page, to b.
func (s *slackRun) replies(ctx context.Context, c *slackChannel, ts string, b *msgBatch) error {
	cursor := ""
	origin := "conversations.replies ts=" + ts
	for {
		page, err := s.api.conversationsReplies(ctx, c.ID, ts, cursor)
		if isAPICode(err, "thread_not_found") {
			s.log.Debug("thread gone before its replies were read", "channel_id", c.ID, "ts", ts)
			return nil
		}
		if err != nil {
			return err
		}
		for _, m := range s.validate(c, page.Items, origin) {
			if m.ts != ts {
				b.add(c.ID, m, origin)
			}
		}
		if page.Next == "" {
			return nil
		}
		if page.Next == cursor {
			return fmt.Errorf("conversations.replies: Slack returned the same cursor twice")
		}
		cursor = page.Next
	}
}

// validate keeps the objects with a Slack ts string and records the others
// as skipped messages: one malformed message fails only itself.
func (s *slackRun) validate(c *slackChannel, items []json.RawMessage, origin string) []slackMessage {
	out := make([]slackMessage, 0, len(items))
	problems := map[string]int64{}
	for _, it := range items {
		// The JSON bounds first: a message nested 100,000 deep is not
		// even parsed.
		var m slackMessage
		problem := messageProblem(it, s.opts.Bounds)
		if problem == "" {
			m, problem = parseSlackMessage(it)
		}
		if problem == "" {
			problem = tsProblem(m.ts, s.start)
		}
		if problem != "" {
			problems[problem]++
			continue
		}
		out = append(out, m)
	}
	if len(problems) == 0 {
		return out
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := problems[k]
		s.mu.Lock()
		s.Counts.MessagesSkipped += n
		s.mu.Unlock()
		s.w.skip("message", c.label(), fmt.Sprintf("%d %s skipped: %s (%s)", n, plural(n, "message"), k, origin))
	}
	return out
}

// authError turns Slack's refusal into ErrAuth with what to fix.
func (s *slackRun) authError(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	src := s.opts.TokenSource
	if ae.Code == "missing_scope" {
		needed, provided := ae.Needed, ae.Provided
		if needed == "" {
			needed = "a scope Slack did not name"
		}
		if provided == "" {
			provided = "none listed"
		}
		return fmt.Errorf("%w: %s needs the %s scope, which the token lacks (it has: %s); add %s to the Slack app's Bot Token Scopes, reinstall the app and put the new bot token in %s",
			ErrAuth, ae.Method, needed, provided, needed, src)
	}
	return fmt.Errorf("%w: Slack answered %s to %s: the token in %s is invalid, revoked or expired; put a valid bot token (xoxb-…) in %s",
		ErrAuth, ae.Code, ae.Method, src, src)
}

// channelReason says why a channel was skipped, for the operator.
func (s *slackRun) channelReason(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		switch ae.Code {
		case "channel_not_found":
			return ae.Method + ": channel_not_found: the channel was deleted, or the bot lost access to it, during the run"
		case "not_in_channel":
			return ae.Method + ": not_in_channel: the bot is not (or no longer) a member; invite it, or run with --join"
		case "is_archived":
			return ae.Method + ": is_archived: archived channels cannot be joined; invite the bot before archiving"
		}
	}
	return s.clean(err).Error()
}

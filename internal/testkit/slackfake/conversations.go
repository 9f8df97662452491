package slackfake

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// access answers a channel read's visibility errors: channel_not_found for
// an unknown channel or a private one the bot is not in (private channels are
// invisible to non-members), not_in_channel for a public one it is not in.
// The caller holds s.ws.mu.
func (s *Server) access(c *conversation, member bool) *reply {
	switch {
	case c == nil, c.info.Private && !member:
		rep := errReply("channel_not_found")
		return &rep
	case !member:
		rep := errReply("not_in_channel")
		return &rep
	}
	return nil
}

// conversationsList answers conversations.list: channels sorted by ID,
// filtered by types and exclude_archived, paged by limit and cursor. Private
// channels are listed only when the bot is a member.
func (s *Server) conversationsList(q *request) reply {
	types := listTypes(q)
	for _, t := range types {
		if !slices.Contains([]string{"public_channel", "private_channel", "mpim", "im"}, t) {
			return errReply("invalid_types")
		}
	}
	excludeArchived := truthy(q.get("exclude_archived"))
	limit, short, rep := s.pageLimit(q)
	if rep != nil {
		return *rep
	}
	from := ""
	if c := q.get("cursor"); c != "" {
		id, ok := decodeCursor(c, cursorChannel)
		if !ok {
			return errReply("invalid_cursor")
		}
		from = id
	}
	// Membership is read before the workspace lock (lock order: ws then s).
	members := map[string]bool{}
	for _, ch := range s.ws.Channels() {
		members[ch.ID] = s.isMember(ch.ID)
	}
	s.ws.mu.RLock()
	defer s.ws.mu.RUnlock()
	team := s.ws.team.ID
	var ids []string
	for _, id := range s.ws.channelIDs() {
		c := s.ws.convs[id]
		kind := "public_channel"
		if c.info.Private {
			kind = "private_channel"
		}
		switch {
		case !slices.Contains(types, kind),
			c.info.Private && !members[id],
			excludeArchived && c.info.Archived:
			continue
		}
		ids = append(ids, id)
	}
	start := sort.SearchStrings(ids, from)
	n := pageTake(limit, len(ids)-start, short)
	page := make([]json.RawMessage, 0, n)
	for _, id := range ids[start : start+n] {
		page = append(page, channelJSON(s.ws.convs[id], team, members[id], true))
	}
	next := ""
	if start+n < len(ids) {
		next = encodeCursor(cursorChannel, ids[start+n])
	}
	return okReply(field{"channels", rawArray(page)}, nextCursorField(next))
}

// conversationsInfo answers conversations.info. It does not need
// membership, except that private channels are invisible to non-members.
func (s *Server) conversationsInfo(q *request) reply {
	id := q.get("channel")
	if id == "" {
		return missingArg("channel")
	}
	member := s.isMember(id)
	s.ws.mu.RLock()
	defer s.ws.mu.RUnlock()
	c := s.ws.convs[id]
	if c == nil || (c.info.Private && !member) {
		return errReply("channel_not_found")
	}
	return okReply(field{"channel", channelJSON(c, s.ws.team.ID, member, truthy(q.get("include_num_members")))})
}

// conversationsJoin answers conversations.join: public channels only; the
// bot becomes a member.
func (s *Server) conversationsJoin(q *request) reply {
	id := q.get("channel")
	if id == "" {
		return missingArg("channel")
	}
	ch, ok := s.ws.Channel(id)
	switch {
	case !ok:
		return errReply("channel_not_found")
	case ch.Private:
		return errReply("method_not_supported_for_channel_type")
	case ch.Archived:
		return errReply("is_archived")
	}
	already := s.isMember(id)
	s.SetMember(id, true)
	s.ws.mu.RLock()
	c := s.ws.convs[id]
	if c == nil { // deleted meanwhile
		s.ws.mu.RUnlock()
		return errReply("channel_not_found")
	}
	chJSON := channelJSON(c, s.ws.team.ID, true, false)
	s.ws.mu.RUnlock()
	if already {
		return okReply(
			field{"channel", chJSON},
			field{"warning", jsonValue("already_in_channel")},
			field{"response_metadata", object{{"warnings", jsonValue([]string{"already_in_channel"})}}.bytes()},
		)
	}
	return okReply(field{"channel", chJSON})
}

// tsRange is the oldest/latest/inclusive window of history and replies.
type tsRange struct {
	oldest, latest       int64
	hasOldest, hasLatest bool
	inclusive            bool
}

// parseRange reads oldest (default 0), latest (default now, i.e. no upper
// bound) and inclusive (ignored unless one of them is given).
func parseRange(q *request) (tsRange, *reply) {
	var r tsRange
	if v := q.get("oldest"); v != "" {
		k, err := parseTS(v)
		if err != nil {
			rep := errReply("invalid_ts_oldest")
			return r, &rep
		}
		r.oldest, r.hasOldest = k, true
	}
	if v := q.get("latest"); v != "" {
		k, err := parseTS(v)
		if err != nil {
			rep := errReply("invalid_ts_latest")
			return r, &rep
		}
		r.latest, r.hasLatest = k, true
	}
	r.inclusive = truthy(q.get("inclusive"))
	return r, nil
}

// bounds returns the half-open index range [lo, hi) of ms (ascending) inside
// the window: ts > oldest and ts < latest, or ≥ and ≤ when inclusive.
func (r tsRange) bounds(ms []*message) (lo, hi int) {
	lo = sort.Search(len(ms), func(i int) bool {
		if r.inclusive {
			return ms[i].key >= r.oldest
		}
		return ms[i].key > r.oldest
	})
	hi = len(ms)
	if r.hasLatest {
		hi = sort.Search(len(ms), func(i int) bool {
			if r.inclusive {
				return ms[i].key > r.latest
			}
			return ms[i].key >= r.latest
		})
	}
	return lo, max(lo, hi)
}

// conversationsHistory answers conversations.history: top-level messages and
// thread_broadcast replies inside the window, newest first, paged by limit
// and cursor. has_more is true while more remain; response_metadata is sent
// only then, as Slack does.
func (s *Server) conversationsHistory(q *request) reply {
	id := q.get("channel")
	if id == "" {
		return missingArg("channel")
	}
	p, rep := s.tsPage(q)
	if rep != nil {
		return *rep
	}
	member := s.isMember(id)
	s.ws.mu.RLock()
	defer s.ws.mu.RUnlock()
	c := s.ws.convs[id]
	if rep := s.access(c, member); rep != nil {
		return *rep
	}
	ms := c.history
	lo, hi := p.r.bounds(ms)
	if p.hasCursor {
		hi = max(lo, min(hi, sort.Search(len(ms), func(i int) bool { return ms[i].key > p.cursorKey })))
	}
	n := pageTake(p.limit, hi-lo, p.short)
	page := make([]json.RawMessage, 0, n)
	for i := hi - 1; i >= hi-n; i-- {
		page = append(page, ms[i].raw)
	}
	hasMore := hi-n > lo
	fields := []field{
		{"messages", rawArray(page)},
		{"has_more", jsonValue(hasMore)},
		{"pin_count", jsonValue(c.pins)},
		{"channel_actions_ts", json.RawMessage("null")},
		{"channel_actions_count", jsonValue(0)},
	}
	if p.r.hasOldest {
		fields = append(fields, field{"oldest", jsonValue(q.get("oldest"))})
	}
	if p.r.hasLatest {
		fields = append(fields, field{"latest", jsonValue(q.get("latest"))})
	}
	if hasMore {
		fields = append(fields, nextCursorField(encodeCursor(cursorTS, strconv.FormatInt(ms[hi-n-1].key, 10))))
	}
	return okReply(fields...)
}

// conversationsReplies answers conversations.replies: the thread's parent
// first (on the first page; on every page with WithRepeatThreadParent), then
// its replies inside the window in ts order, paged by limit (the parent
// takes a place on the first page) and cursor. ts may name the parent or any
// reply; a message without replies comes back alone; an unknown ts, or a
// channel_join/channel_leave message, is thread_not_found.
func (s *Server) conversationsReplies(q *request) reply {
	id, ts := q.get("channel"), q.get("ts")
	switch {
	case id == "":
		return missingArg("channel")
	case ts == "":
		return missingArg("ts")
	}
	p, rep := s.tsPage(q)
	if rep != nil {
		return *rep
	}
	member := s.isMember(id)
	s.mu.Lock()
	repeat := s.repeatThrd
	s.mu.Unlock()
	s.ws.mu.RLock()
	defer s.ws.mu.RUnlock()
	c := s.ws.convs[id]
	if rep := s.access(c, member); rep != nil {
		return *rep
	}
	threadTS := ""
	if m, ok := c.byTS[ts]; ok {
		if m.subtype == "channel_join" || m.subtype == "channel_leave" {
			return errReply("thread_not_found")
		}
		threadTS = ts
		if m.isReply() {
			threadTS = m.threadTS
		}
	} else if _, ok := c.threads[ts]; ok { // replies whose parent is missing
		threadTS = ts
	} else {
		return errReply("thread_not_found")
	}
	parent := c.byTS[threadTS]
	replies := c.threads[threadTS]
	lo, hi := p.r.bounds(replies)
	if p.hasCursor {
		lo = min(hi, max(lo, sort.Search(len(replies), func(i int) bool { return replies[i].key >= p.cursorKey })))
	}
	var page []json.RawMessage
	parentSlot := 0
	if parent != nil && !p.hasCursor {
		parentSlot = 1
	}
	if parent != nil && (!p.hasCursor || repeat) {
		page = append(page, parent.raw)
	}
	n := pageTake(p.limit, hi-lo+parentSlot, p.short) - parentSlot
	n = max(n, 0)
	for _, m := range replies[lo : lo+n] {
		page = append(page, m.raw)
	}
	hasMore := lo+n < hi
	fields := []field{
		{"messages", rawArray(page)},
		{"has_more", jsonValue(hasMore)},
	}
	if hasMore {
		fields = append(fields, nextCursorField(encodeCursor(cursorTS, strconv.FormatInt(replies[lo+n].key, 10))))
	}
	return okReply(fields...)
}

// truthy reads Slack's boolean arguments ("1", "true").
func truthy(v string) bool {
	b, err := strconv.ParseBool(strings.ToLower(v))
	return err == nil && b
}

// channelIdentity are the members channelJSON always takes from Channel;
// for every other member the export entry, when it has one, wins.
var channelIdentity = []string{
	"id", "name", "is_channel", "is_group", "is_im", "is_mpim", "is_private",
	"created", "is_archived", "is_general", "name_normalized", "creator",
	"is_member", "num_members",
}

// channelJSON is a channel as conversations.list and .info return it.
// Private channels with a G ID are pre-2021 groups: is_group, not
// is_channel. The export-only members and pins are dropped.
func channelJSON(c *conversation, team string, member, numMembers bool) json.RawMessage {
	ch := c.info
	isGroup := ch.Private && strings.HasPrefix(ch.ID, "G")
	topic := func(value string) json.RawMessage {
		return object{{"value", jsonValue(value)}, {"creator", jsonValue("")}, {"last_set", jsonValue(0)}}.bytes()
	}
	o := object{
		{"id", jsonValue(ch.ID)},
		{"name", jsonValue(ch.Name)},
		{"is_channel", jsonValue(!isGroup)},
		{"is_group", jsonValue(isGroup)},
		{"is_im", jsonValue(false)},
		{"is_mpim", jsonValue(false)},
		{"is_private", jsonValue(ch.Private)},
		{"created", jsonValue(ch.Created)},
		{"is_archived", jsonValue(ch.Archived)},
		{"is_general", jsonValue(ch.General)},
		{"unlinked", jsonValue(0)},
		{"name_normalized", jsonValue(ch.Name)},
		{"is_shared", jsonValue(false)},
		{"is_org_shared", jsonValue(false)},
		{"is_pending_ext_shared", jsonValue(false)},
		{"pending_shared", json.RawMessage("[]")},
		{"context_team_id", jsonValue(team)},
		{"parent_conversation", json.RawMessage("null")},
		{"creator", jsonValue(ch.Creator)},
		{"is_ext_shared", jsonValue(false)},
		{"shared_team_ids", jsonValue([]string{team})},
		{"pending_connected_team_ids", json.RawMessage("[]")},
		{"is_member", jsonValue(member)},
		{"topic", topic(ch.Topic)},
		{"purpose", topic(ch.Purpose)},
		{"previous_names", json.RawMessage("[]")},
	}
	if numMembers {
		o = append(o, field{"num_members", jsonValue(len(ch.Members))})
	}
	if len(ch.Raw) > 0 {
		base, err := parseObject(ch.Raw)
		if err == nil {
			for _, f := range base {
				if f.key != "members" && f.key != "pins" && !slices.Contains(channelIdentity, f.key) {
					o.set(f.key, f.val)
				}
			}
		}
	}
	return o.bytes()
}

// tsPage holds the paging arguments history and replies share.
type tsPage struct {
	limit     int
	short     bool
	r         tsRange
	cursorKey int64
	hasCursor bool
}

// tsPage reads limit, oldest/latest/inclusive and cursor, or the error reply
// for the first of them that is invalid.
func (s *Server) tsPage(q *request) (tsPage, *reply) {
	var p tsPage
	var rep *reply
	if p.limit, p.short, rep = s.pageLimit(q); rep != nil {
		return p, rep
	}
	if p.r, rep = parseRange(q); rep != nil {
		return p, rep
	}
	p.cursorKey, p.hasCursor, rep = tsCursor(q)
	return p, rep
}

// tsCursor reads the cursor argument of history and replies: the ts key it
// names, whether there was one, or an invalid_cursor reply.
func tsCursor(q *request) (key int64, ok bool, rep *reply) {
	c := q.get("cursor")
	if c == "" {
		return 0, false, nil
	}
	k, valid := decodeTSCursor(c)
	if !valid {
		r := errReply("invalid_cursor")
		return 0, false, &r
	}
	return k, true, nil
}

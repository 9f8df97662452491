package slackfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Sentinel errors of the workspace's building and mutation methods.
var (
	// ErrNoChannel: the channel ID is not in the workspace.
	ErrNoChannel = errors.New("no such channel")
	// ErrNoMessage: no message with that ts in the channel.
	ErrNoMessage = errors.New("no such message")
	// ErrExists: a channel, user or message with that ID or ts already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid: malformed input, such as a message without a valid ts.
	ErrInvalid = errors.New("invalid input")
)

// Team is the workspace the fake pretends to be; auth.test reports it.
type Team struct {
	ID     string
	Name   string
	Domain string // auth.test's url is https://<Domain>.slack.com/
}

// Bot is the app's bot user, the identity behind every accepted token.
type Bot struct {
	UserID string
	Name   string
	BotID  string
}

// Channel describes one conversation (public or private channel).
type Channel struct {
	ID       string
	Name     string
	Private  bool // from groups.json
	Archived bool
	General  bool
	Created  int64 // Unix seconds
	Creator  string
	Topic    string
	Purpose  string
	Members  []string
	// Raw is the channels.json or groups.json entry, if any. Its extra fields
	// are passed through in conversations.list and conversations.info; the
	// fields above win over it.
	Raw json.RawMessage
}

// User is a member of the workspace, served by users.list.
type User struct {
	ID       string
	Name     string
	RealName string
	IsBot    bool
	Deleted  bool
	// Raw is the users.json entry. When set it is served verbatim and the
	// other fields are ignored (ID is read from it when empty).
	Raw json.RawMessage
}

// Workspace is the data the fake serves: channels, users and messages, each
// message kept as its original compacted JSON. It is safe for concurrent use;
// every method locks it, so tests may mutate it while a server reads it.
type Workspace struct {
	mu    sync.RWMutex
	team  Team
	bot   Bot
	convs map[string]*conversation
	users map[string]json.RawMessage
}

// NewWorkspace returns an empty workspace of team Acme with an "aftermath"
// bot user.
func NewWorkspace() *Workspace {
	return &Workspace{
		team:  Team{ID: "T0ACME0001", Name: "Acme", Domain: "acme"},
		bot:   Bot{UserID: "U0AFTERBOT", Name: "aftermath", BotID: "B0AFTERBOT"},
		convs: map[string]*conversation{},
		users: map[string]json.RawMessage{},
	}
}

// SetTeam changes the team auth.test reports.
func (w *Workspace) SetTeam(t Team) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.team = t
}

// Team returns the team auth.test reports.
func (w *Workspace) Team() Team {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.team
}

// SetBot changes the bot identity auth.test reports.
func (w *Workspace) SetBot(b Bot) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bot = b
}

// Bot returns the bot identity auth.test reports.
func (w *Workspace) Bot() Bot {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.bot
}

// Channels returns every channel, sorted by ID.
func (w *Workspace) Channels() []Channel {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]Channel, 0, len(w.convs))
	for _, id := range w.channelIDs() {
		out = append(out, w.convs[id].info)
	}
	return out
}

// Channel returns one channel.
func (w *Workspace) Channel(id string) (Channel, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	c, ok := w.convs[id]
	if !ok {
		return Channel{}, false
	}
	return c.info, true
}

// ChannelByName returns the channel with that name.
func (w *Workspace) ChannelByName(name string) (Channel, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	for _, c := range w.convs {
		if c.info.Name == name {
			return c.info, true
		}
	}
	return Channel{}, false
}

// Users returns every user's JSON, sorted by ID.
func (w *Workspace) Users() []json.RawMessage {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]json.RawMessage, 0, len(w.users))
	for _, id := range w.userIDs() {
		out = append(out, w.users[id])
	}
	return out
}

// Messages returns every message of the channel (top-level, broadcasts,
// replies and tombstones) in ts order, as the API serves them.
func (w *Workspace) Messages(channelID string) []json.RawMessage {
	w.mu.RLock()
	defer w.mu.RUnlock()
	c, ok := w.convs[channelID]
	if !ok {
		return nil
	}
	all := make([]*message, 0, len(c.byTS))
	for _, m := range c.byTS {
		all = append(all, m)
	}
	sortMessages(all)
	out := make([]json.RawMessage, len(all))
	for i, m := range all {
		out[i] = m.raw
	}
	return out
}

// Message returns one message as the API serves it.
func (w *Workspace) Message(channelID, ts string) (json.RawMessage, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	c, ok := w.convs[channelID]
	if !ok {
		return nil, false
	}
	m, ok := c.byTS[ts]
	if !ok {
		return nil, false
	}
	return m.raw, true
}

func (w *Workspace) channelIDs() []string {
	ids := make([]string, 0, len(w.convs))
	for id := range w.convs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (w *Workspace) userIDs() []string {
	ids := make([]string, 0, len(w.users))
	for id := range w.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// conversation is a channel with its messages, indexed the way the API
// reads them.
type conversation struct {
	info Channel
	pins int
	byTS map[string]*message
	// history holds what conversations.history returns: top-level messages
	// (including thread parents and tombstones) and thread_broadcast
	// replies, in ascending ts order.
	history []*message
	// threads holds each thread's replies (broadcasts included) in
	// ascending ts order, by thread_ts.
	threads map[string][]*message
}

func newConversation(ch Channel) *conversation {
	return &conversation{info: ch, byTS: map[string]*message{}, threads: map[string][]*message{}}
}

// message is one message: its served bytes plus what routing needs.
type message struct {
	ts       string
	key      int64 // ts in microseconds, for ordering
	threadTS string
	subtype  string
	user     string
	// hasReplyMeta: the JSON carries reply_count and latest_reply.
	hasReplyMeta bool
	raw          json.RawMessage
}

// isReply reports a message inside a thread (not its parent).
func (m *message) isReply() bool { return m.threadTS != "" && m.threadTS != m.ts }

// inHistory reports whether conversations.history returns the message.
func (m *message) inHistory() bool { return !m.isReply() || m.subtype == "thread_broadcast" }

// messageFields are the only fields the fake reads from a message.
type messageFields struct {
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts"`
	Subtype     string          `json:"subtype"`
	User        string          `json:"user"`
	ReplyCount  json.RawMessage `json:"reply_count"`
	LatestReply string          `json:"latest_reply"`
}

// newMessage compacts raw and reads its routing fields.
func newMessage(raw []byte) (*message, error) {
	c, err := compact(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var f messageFields
	if err := json.Unmarshal(c, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if f.TS == "" {
		return nil, fmt.Errorf("%w: missing ts", ErrInvalid)
	}
	key, err := parseTS(f.TS)
	if err != nil {
		return nil, fmt.Errorf("%w: ts %q: %v", ErrInvalid, f.TS, err)
	}
	if f.ThreadTS != "" {
		if _, err := parseTS(f.ThreadTS); err != nil {
			return nil, fmt.Errorf("%w: thread_ts %q: %v", ErrInvalid, f.ThreadTS, err)
		}
	}
	return &message{
		ts:           f.TS,
		key:          key,
		threadTS:     f.ThreadTS,
		subtype:      f.Subtype,
		user:         f.User,
		hasReplyMeta: len(f.ReplyCount) > 0 && f.LatestReply != "",
		raw:          c,
	}, nil
}

// parseTS turns a Slack ts ("1700000000.000100", "1700000000" or "0") into
// microseconds since the epoch.
func parseTS(s string) (int64, error) {
	sec, frac, hasFrac := strings.Cut(s, ".")
	if sec == "" || !allDigits(sec) || (hasFrac && !allDigits(frac)) || len(frac) > 6 || len(sec) > 12 {
		return 0, errors.New("not a Slack timestamp")
	}
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, err
	}
	var micros int64
	if frac != "" {
		micros, _ = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	return secs*1_000_000 + micros, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func sortMessages(ms []*message) {
	slices.SortFunc(ms, func(a, b *message) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ts, b.ts)
	})
}

// insertSorted puts m into ms keeping ascending ts order.
func insertSorted(ms []*message, m *message) []*message {
	i := sort.Search(len(ms), func(i int) bool { return ms[i].key >= m.key })
	return slices.Insert(ms, i, m)
}

// removeFrom deletes m from ms.
func removeFrom(ms []*message, m *message) []*message {
	if i := slices.Index(ms, m); i >= 0 {
		return slices.Delete(ms, i, i+1)
	}
	return ms
}

// add indexes m; the caller has checked its ts is new. Reply metadata is
// not refreshed here.
func (c *conversation) add(m *message) {
	c.byTS[m.ts] = m
	if m.inHistory() {
		c.history = insertSorted(c.history, m)
	}
	if m.isReply() {
		c.threads[m.threadTS] = insertSorted(c.threads[m.threadTS], m)
	}
}

// remove unindexes m.
func (c *conversation) remove(m *message) {
	delete(c.byTS, m.ts)
	if m.inHistory() {
		c.history = removeFrom(c.history, m)
	}
	if m.isReply() {
		rs := removeFrom(c.threads[m.threadTS], m)
		if len(rs) == 0 {
			delete(c.threads, m.threadTS)
		} else {
			c.threads[m.threadTS] = rs
		}
	}
}

// noReplies is what Slack puts in latest_reply of a thread whose replies are
// all gone.
const noReplies = "0000000000.000000"

// refreshThread recomputes the parent's thread_ts, reply_count,
// reply_users_count, latest_reply and reply_users from the replies present,
// patching those members of its JSON and leaving the rest untouched. A
// tombstone parent whose last reply is gone disappears, as in Slack.
func (c *conversation) refreshThread(threadTS string) error {
	parent, ok := c.byTS[threadTS]
	if !ok || parent.isReply() { // Slack threads do not nest
		return nil
	}
	replies := c.threads[threadTS]
	if len(replies) == 0 && parent.subtype == "tombstone" {
		c.remove(parent)
		return nil
	}
	o, err := parseObject(parent.raw)
	if err != nil {
		return fmt.Errorf("%w: parent %s: %v", ErrInvalid, threadTS, err)
	}
	var users []string
	for _, r := range replies {
		if r.user != "" && !slices.Contains(users, r.user) {
			users = append(users, r.user)
		}
	}
	latest := noReplies
	if n := len(replies); n > 0 {
		latest = replies[n-1].ts
	}
	o.set("thread_ts", jsonValue(threadTS))
	o.set("reply_count", jsonValue(len(replies)))
	o.set("reply_users_count", jsonValue(len(users)))
	o.set("latest_reply", jsonValue(latest))
	if len(users) > 0 {
		o.set("reply_users", jsonValue(users))
	} else {
		o.del("reply_users")
	}
	parent.raw = o.bytes()
	parent.threadTS = threadTS
	parent.hasReplyMeta = true
	return nil
}

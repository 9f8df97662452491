package samplegen

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// builder collects one channel's messages. It hands out unique timestamps
// (Slack's ts is unique per channel), drops anything after the workspace's
// End, and flushes messages in ts order to the day-file writer.
type builder struct {
	ch    *channelPlan
	cat   *catalog
	r     *rnd
	end   int64
	used  map[int64]struct{}
	msgs  []*message
	hash  uint64
	files int
	err   error // the first impossible message, reported by flush
}

func newBuilder(ch *channelPlan, cat *catalog, r *rnd, end int64) *builder {
	return &builder{ch: ch, cat: cat, r: r, end: end, used: map[int64]struct{}{}, hash: hashString(ch.id)}
}

// alloc returns the first free microsecond at or after t.
func (b *builder) alloc(t int64) int64 {
	for {
		if _, ok := b.used[t]; !ok {
			b.used[t] = struct{}{}
			return t
		}
		t++
	}
}

// post adds a top-level message at t. It returns nil when t is after End.
func (b *builder) post(t int64, m *message) *message {
	if t <= 0 {
		if b.err == nil {
			b.err = fmt.Errorf("message %q has no time", m.text) // a planning bug
		}
		return nil
	}
	if t > b.end {
		return nil
	}
	m.ts = b.alloc(t)
	if m.ts > b.end {
		return nil
	}
	b.msgs = append(b.msgs, m)
	return m
}

// reply adds m to parent's thread at t (at least a second after the parent).
func (b *builder) reply(parent *message, t int64, m *message) *message {
	if parent == nil {
		return nil
	}
	t = max(t, parent.ts+usSecond)
	if t > b.end {
		return nil
	}
	m.ts = b.alloc(t)
	if m.ts > b.end {
		return nil
	}
	m.parent = parent
	parent.replies = append(parent.replies, m)
	b.msgs = append(b.msgs, m)
	return m
}

// flush writes every message before limit, in ts order, and forgets them.
func (b *builder) flush(limit int64, w *dayWriter) error {
	if b.err != nil {
		return b.err
	}
	slices.SortFunc(b.msgs, func(x, y *message) int { return cmp.Compare(x.ts, y.ts) })
	n := 0
	for n < len(b.msgs) && b.msgs[n].ts < limit {
		n++
	}
	for _, m := range b.msgs[:n] {
		if len(m.replies) > 1 {
			slices.SortFunc(m.replies, func(x, y *message) int { return cmp.Compare(x.ts, y.ts) })
		}
		if err := w.write(m); err != nil {
			return err
		}
	}
	clear(b.msgs[:n])
	b.msgs = append(b.msgs[:0], b.msgs[n:]...)
	for t := range b.used {
		if t < limit {
			delete(b.used, t)
		}
	}
	return nil
}

// Message constructors.

func say(p *person, text string) *message { return &message{person: p, text: text} }

func botSay(bt *bot, text string) *message { return &message{bot: bt, text: text} }

func system(subtype, userID, text string, extra ...kv) *message {
	return &message{subtype: subtype, userID: userID, text: text, extra: extra}
}

func mention(id string) string { return "<@" + id + ">" }

func channelRef(ch *channelPlan) string { return "<#" + ch.id + "|" + ch.name + ">" }

// decorate adds what people do to messages: reactions, edits, files.
func (b *builder) decorate(m *message, pool []*person, reactP, editP, fileP float64) {
	if m == nil || m.person == nil {
		return
	}
	r := b.r
	if r.chance(reactP) {
		n := 1 + r.IntN(2)
		for range n {
			name := pick(r, reactionNames)
			k := 1 + r.IntN(4)
			var users []string
			for range k {
				u := pick(r, pool).id
				if !slices.Contains(users, u) {
					users = append(users, u)
				}
			}
			dup := false
			for _, x := range m.reacts {
				if x.name == name {
					dup = true
				}
			}
			if !dup {
				m.reacts = append(m.reacts, reaction{name: name, users: users})
			}
		}
	}
	if r.chance(editP) {
		if t := m.ts + r.between(10, 600)*usSecond; t <= b.end {
			m.edited = &edit{user: m.person.id, ts: t}
		}
	}
	if r.chance(fileP) {
		m.files = []*fileObj{b.newFile(m, r.chance(0.8))}
	}
}

var reactionNames = []string{"eyes", "+1", "white_check_mark", "pray", "raised_hands", "thinking_face", "fire", "100", "ack", "heart", "tada", "joy"}

func (b *builder) newFile(m *message, image bool) *fileObj {
	r := b.r
	b.files++
	f := &fileObj{id: r.slackID('F'), user: m.authorID(), created: m.ts / usSecond, size: 20_000 + r.Int64N(900_000), image: image,
		token: "xoxe-" + r.str(base62, 40)}
	if image {
		f.name = pick(r, []string{"image.png", "Screenshot 2026-01-01 at 10.00.00.png", "graph.png", "dashboard.png", "latency.png"})
		f.name = strings.ReplaceAll(f.name, " ", "_")
		f.title, f.mime, f.ftype, f.pretty = f.name, "image/png", "png", "PNG"
	} else {
		f.name = pick(r, []string{"logs.txt", "trace.log", "query.sql", "heap.txt"})
		f.title, f.mime, f.ftype, f.pretty = f.name, "text/plain", "text", "Plain Text"
	}
	return f
}

package samplegen

// What happens around the lifecycle of an incident: people talking,
// joining, pinning, huddling.

import "slices"

// chatter fills the incident with human conversation.
func (c *incRender) chatter() {
	inc, r := c.inc, c.r
	from := inc.ack + usSecond
	to := inc.resolved
	if inc.cancelAt != 0 {
		to = inc.cancelAt
	}
	if inc.ackAfterResolve {
		to = inc.ack + clamp(r.lognormal(30*usMinute, 0.6), 5*usMinute, 4*usHour)
	}
	to = min(to, c.b.end)
	if to <= from {
		return
	}
	var talkers []*person
	for _, p := range inc.responders {
		if p != inc.declarer {
			talkers = append(talkers, p)
		}
	}
	if len(talkers) == 0 {
		talkers = inc.responders
	}
	pool := inc.responders
	n := inc.chatter
	if inc.ackAfterResolve {
		n = min(n, 6)
	}
	for range n {
		u := r.Float64()
		t := from + int64(float64(to-from)*u*u*0.6+float64(to-from)*0.4*u)
		who := pick(r, talkers)
		m := say(who, vary(r, c.text(pick(r, investigation), who)))
		var placed *message
		switch {
		case inc.thread:
			if r.chance(0.04) {
				m.subtype = "thread_broadcast"
				m.rootCopy = true
			}
			placed = c.post(t, m)
		case len(c.chatMsgs) > 3 && r.chance(0.18):
			parent := c.chatMsgs[len(c.chatMsgs)-1-r.IntN(min(len(c.chatMsgs), 8))]
			if parent != nil && parent.parent == nil && t > parent.ts {
				if r.chance(0.05) {
					m.subtype = "thread_broadcast"
					m.rootCopy = true
				}
				placed = c.b.reply(parent, t, m)
			} else {
				placed = c.post(t, m)
			}
		default:
			if r.chance(0.006) {
				m = legacyFileShare(c.b, who, t)
			}
			placed = c.post(t, m)
		}
		if placed != nil {
			c.chatMsgs = append(c.chatMsgs, placed)
			c.b.decorate(placed, pool, 0.12, 0.04, 0.025)
		}
	}
	// A few words after the end, before any archive.
	if inc.resolved != 0 && !inc.ackAfterResolve {
		for range 1 + r.IntN(3) {
			t := inc.resolved + r.between(20, 900)*usSecond
			if inc.archive && t >= inc.closeAt {
				continue
			}
			if m := c.post(t, say(pick(r, talkers), pick(r, afterwards))); m != nil {
				c.b.decorate(m, pool, 0.5, 0, 0)
			}
		}
	}
}

// extras adds the channel housekeeping of a real incident channel: joins,
// a pinned message, a huddle, a canvas, a deleted thread parent.
func (c *incRender) extras() {
	inc, r, b := c.inc, c.r, c.b
	if inc.thread {
		return
	}
	first := map[string]int64{}
	for _, m := range b.msgs {
		if m.person != nil {
			if t, ok := first[m.person.id]; !ok || m.ts < t {
				first[m.person.id] = m.ts
			}
		}
	}
	ids := make([]string, 0, len(first))
	for id := range first {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if id == inc.channel.creator {
			continue
		}
		t := max(first[id]-r.between(5, 120)*usSecond, inc.declared+usSecond)
		b.post(t, system("channel_join", id, mention(id)+" has joined the channel"))
	}
	if b := c.tool; b == nil && inc.alertBot != nil && !inc.alertBot.webhook {
		c.b.post(inc.detected-usSecond/2, system("channel_join", inc.alertBot.userID, mention(inc.alertBot.userID)+" has joined the channel"))
	}
	after := inc.ack + usMinute
	end := inc.resolved
	if end == 0 || end > c.b.end {
		end = c.b.end
	}
	if c.archivedAt != 0 {
		end = min(end, c.archivedAt)
	}
	if end <= after {
		return
	}
	if c.declMsg != nil && r.chance(0.3) {
		text := c.declMsg.text
		c.post(r.between(after, end), system("pinned_item", inc.commander.id, mention(inc.commander.id)+" pinned a message to this channel.",
			kv{"item_type", "C"}, kv{"attachments", []obj{{{"fallback", text}, {"text", text}, {"ts", tsValue(c.declMsg.ts)}, {"channel_id", inc.channel.id}, {"id", 1}}}}))
	}
	if inc.sev >= 0 && inc.sev <= 2 && r.chance(0.3) {
		c.post(r.between(after, end), huddle(c.b, inc.commander, inc.responders, r.between(after, end)))
	}
	if r.chance(0.05) {
		c.post(r.between(after, end), system("channel_canvas_updated", inc.commander.id, "",
			kv{"canvas", obj{{"file_id", r.slackID('F')}, {"is_empty", false}, {"title", "Incident notes"}}}))
	}
	// A deleted chatter message whose thread survives.
	for _, m := range c.chatMsgs {
		if m != nil && len(m.replies) > 0 && m.ts > after && r.chance(0.08) {
			m.subtype = "tombstone"
			m.person, m.text, m.reacts, m.files, m.edited = nil, "This message was deleted.", nil, nil, nil
			break
		}
	}
}

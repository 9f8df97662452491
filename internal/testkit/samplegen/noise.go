package samplegen

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// Channels that are not incidents, streamed day by day so memory stays
// flat however long the history: each LA day's posts (and their threads,
// which may run into later days) are generated, then everything before the
// day's end is written out.

var (
	// Relative activity per LA hour for people and for machines.
	humanHours = [24]float64{0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2.5, 3, 3, 2.5, 2.8, 3, 2.8, 2.4, 1.8, 1, 0.6, 0.5, 0.4, 0.3, 0.2}
	flatHours  = [24]float64{1, 1, 1, 1, 1, 1, 1, 1, 1.2, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.4, 1.2, 1, 1, 1, 1, 1, 1}
	deployHrs  = [24]float64{0.02, 0.02, 0.02, 0.02, 0.02, 0.05, 0.1, 0.5, 1.5, 3, 3, 3, 2, 3, 3, 3, 2.5, 1, 0.3, 0.1, 0.05, 0.02, 0.02, 0.02}
)

var shortReplies = []string{"+1", "thanks!", "congrats!", ":tada:", "see you there", "nice", "agreed", "same", "haha", "good call", "on my list", "will do"}

var engReplies = []string{
	"LGTM, left two nits",
	"I think we tried that last year, see the old RFC",
	"can you add a benchmark?",
	"yes, it's reset at 2am PT",
	"we use buf for that",
	"ping me after standup",
	"approved",
	"that flake is a timing issue in the test setup",
	"+1 to structured logs, let's agree on keys first",
	"I can take a look this afternoon",
}

type noiseGen struct {
	p     *plan
	b     *builder
	r     *rnd
	ch    *channelPlan
	every []*person
	sre   []*person
	incs  []*incident // incident channels declared so far, for references
	next  int         // next incident to consider for references
}

func streamChannel(ctx context.Context, p *plan, b *builder, w *dayWriter, render func(*incident) error) error {
	g := &noiseGen{p: p, b: b, r: b.r, ch: b.ch, every: p.cat.active(), sre: p.cat.byTeam["sre"]}
	loc := p.la
	st := time.UnixMicro(p.start).In(loc)
	day := time.Date(st.Year(), st.Month(), st.Day(), 0, 0, 0, 0, loc)
	threads := b.ch.threads
	ti := 0
	first := true
	for day.UnixMicro() <= p.end {
		if err := ctx.Err(); err != nil {
			return err
		}
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		lo, hi := max(day.UnixMicro(), p.start), min(next.UnixMicro(), p.end+1)
		if first {
			g.firstDay(lo)
			first = false
		}
		g.day(lo, hi, day.Weekday())
		for ti < len(threads) && threads[ti].declared < hi {
			if err := render(threads[ti]); err != nil {
				return err
			}
			ti++
		}
		if err := b.flush(next.UnixMicro(), w); err != nil {
			return err
		}
		day = next
	}
	return b.flush(math.MaxInt64, w)
}

// at draws a time in [lo, hi) following the hour profile.
func (g *noiseGen) at(lo, hi int64, hours *[24]float64) int64 {
	h := g.r.weighted(hours[:])
	t := lo + int64(h)*usHour + g.r.Int64N(usHour)
	if t >= hi {
		t = lo + g.r.Int64N(hi-lo)
	}
	return t
}

func (g *noiseGen) who(t int64) *person {
	// People who left still have old messages in the first third.
	if t < g.p.start+(g.p.end-g.p.start)/3 && g.r.chance(0.03) {
		for _, p := range g.p.cat.people {
			if p.deleted {
				return p
			}
		}
	}
	return pick(g.r, g.every)
}

func (g *noiseGen) text(tmpl string) string {
	svc := pick(g.r, g.p.cat.services)
	return fill(tmpl, map[string]string{
		"svc": pick(g.r, svc.aliases), "user": mention(pick(g.r, g.every).id), "id": g.r.str(base62, 20),
		"n": fmt.Sprint(2 + g.r.IntN(400)), "pct": fmt.Sprint(1 + g.r.IntN(60)), "repo": svc.repo.name,
		"ref": g.incidentRef(),
	})
}

func (g *noiseGen) incidentRef() string {
	if len(g.incs) == 0 {
		return "last week's outage"
	}
	return channelRef(pick(g.r, g.incs[max(0, len(g.incs)-20):]).channel)
}

// count is the day's number of top-level posts.
func (g *noiseGen) count(wd time.Weekday, weekend float64) int {
	rate := g.ch.rate * g.p.opts.Scale
	if wd == time.Saturday || wd == time.Sunday {
		rate *= weekend
	}
	return g.r.poisson(rate)
}

// thread adds n replies to parent, spaced minutes to hours apart.
func (g *noiseGen) thread(parent *message, n int, replies []string, broadcastP float64) {
	t := parent.ts
	for range n {
		t += clamp(g.r.lognormal(8*usMinute, 1.2), 20*usSecond, 20*usHour)
		m := say(g.who(t), vary(g.r, g.text(pick(g.r, replies))))
		if g.r.chance(broadcastP) {
			m.subtype, m.rootCopy = "thread_broadcast", true
		}
		if placed := g.b.reply(parent, t, m); placed != nil {
			g.b.decorate(placed, g.every, 0.1, 0.02, 0.005)
		}
	}
}

func (g *noiseGen) firstDay(t int64) {
	switch g.ch.noise {
	case noiseDeploys:
		u := g.p.cat.byTeam["platform"][0]
		g.b.post(t+usMinute, system("bot_add", u.id, "added an integration to this channel: <https://"+teamDomain+".slack.com/services/"+g.p.cat.bots.shipit.botID+"|shipit>",
			kv{"bot_id", g.p.cat.bots.shipit.botID}, kv{"bot_link", "<https://" + teamDomain + ".slack.com/services/" + g.p.cat.bots.shipit.botID + "|shipit>"}))
	case noiseShared:
		for _, p := range g.sre[:3] {
			g.b.post(t+g.r.Int64N(usHour), system("channel_join", p.id, mention(p.id)+" has joined the channel"))
		}
	}
}

func (g *noiseGen) day(lo, hi int64, wd time.Weekday) {
	for len(g.incs) < len(g.p.incidents) && g.next < len(g.p.incidents) && g.p.incidents[g.next].declared < lo {
		if inc := g.p.incidents[g.next]; !inc.thread && !inc.private {
			g.incs = append(g.incs, inc)
		}
		g.next++
	}
	r, b := g.r, g.b
	switch g.ch.noise {
	case noiseGeneral, noiseRandom, noiseEngBackend:
		posts, replies, threadP, fileP := generalPosts, shortReplies, 0.15, 0.03
		switch g.ch.noise {
		case noiseRandom:
			posts, fileP = randomPosts, 0.08
		case noiseEngBackend:
			posts, replies, threadP = engPosts, engReplies, 0.35
		}
		for range g.count(wd, 0.2) {
			t := g.at(lo, hi, &humanHours)
			m := say(g.who(t), vary(r, g.text(pick(r, posts))))
			switch x := r.Float64(); {
			case g.ch.noise == noiseRandom && x < 0.01:
				m.subtype, m.noBlocks = "me_message", true
				m.text = "is " + pick(r, []string{"out for lunch", "working from the cafe", "on a train"})
			case x < 0.012:
				m = legacyFileShare(b, m.person, t)
			}
			m = b.post(t, m)
			if m == nil {
				continue
			}
			b.decorate(m, g.every, 0.3, 0.03, fileP)
			if r.chance(threadP) {
				g.thread(m, 1+r.IntN(6), replies, 0.03)
				if len(m.replies) > 1 && r.chance(0.03) {
					m.subtype, m.person, m.text, m.reacts, m.files, m.edited = "tombstone", nil, "This message was deleted.", nil, nil, nil
				}
			}
		}
		g.rare(lo, hi)
	case noiseDeploys:
		for range g.count(wd, 0.08) {
			g.deploy(g.at(lo, hi, &deployHrs))
		}
	case noiseAlerts:
		for range g.count(wd, 0.8) {
			g.alert(g.at(lo, hi, &flatHours))
		}
	case noiseHandoff:
		if wd == time.Monday {
			t := lo + 9*usHour + r.Int64N(usHour)
			if m := b.post(t, say(pick(r, g.sre), g.text(pick(r, handoffPosts)))); m != nil {
				g.thread(m, 1+r.IntN(4), shortReplies, 0)
			}
		}
		for range g.count(wd, 0.3) {
			t := g.at(lo, hi, &humanHours)
			if m := b.post(t, say(pick(r, g.sre), g.text(pick(r, handoffPosts)))); m != nil {
				b.decorate(m, g.sre, 0.3, 0.02, 0)
			}
		}
	case noiseReviews:
		if wd == time.Tuesday {
			g.review(lo + 11*usHour + r.Int64N(usHour))
		}
	case noiseShared:
		g.dispatchNotices(lo, hi)
		g.responseHeadlines(lo, hi)
		for range g.count(wd, 0.3) {
			t := g.at(lo, hi, &humanHours)
			m := b.post(t, say(g.who(t), vary(r, g.text(pick(r, sharedQuestions)))))
			if m == nil {
				continue
			}
			b.decorate(m, g.every, 0.2, 0.02, 0.02)
			if r.chance(0.8) {
				g.thread(m, 1+r.IntN(4), sharedAnswers, 0)
			}
		}
	}
}

// rare adds the uncommon events a busy channel has now and then.
func (g *noiseGen) rare(lo, hi int64) {
	r, b := g.r, g.b
	scale := g.p.opts.Scale
	if r.chance(0.15 * scale) {
		p := pick(r, g.every)
		b.post(g.at(lo, hi, &humanHours), system("channel_join", p.id, mention(p.id)+" has joined the channel"))
	}
	if r.chance(0.03 * scale) {
		p := pick(r, g.every)
		b.post(g.at(lo, hi, &humanHours), system("channel_leave", p.id, mention(p.id)+" has left the channel"))
	}
	if r.chance(0.04 * scale) {
		p := pick(r, g.every)
		t := g.at(lo, hi, &humanHours)
		b.post(t, huddle(b, p, []*person{p, pick(r, g.every)}, t))
	}
	if r.chance(0.02 * scale) {
		p := pick(r, g.every)
		b.post(g.at(lo, hi, &humanHours), system("channel_canvas_updated", p.id, "", kv{"canvas", obj{{"file_id", r.slackID('F')}, {"is_empty", false}, {"title", "Channel notes"}}}))
	}
	if r.chance(0.02 * scale) {
		p := pick(r, g.every)
		b.post(g.at(lo, hi, &humanHours), system("reminder_add", p.id, "set up a reminder “check the on-call rota” in this channel at 9AM every Monday, Pacific Daylight Time."))
	}
	if r.chance(0.02 * scale) {
		p := pick(r, g.every)
		b.post(g.at(lo, hi, &humanHours), system("pinned_item", p.id, mention(p.id)+" pinned a message to this channel.", kv{"item_type", "C"}))
	}
}

func (g *noiseGen) deploy(t int64) {
	r, bs := g.r, g.p.cat.bots
	svc := pick(r, g.p.cat.services)
	alias := svc.aliases[0]
	ver := fmt.Sprintf("v2026.%d.%d", 1+r.IntN(12), r.IntN(60))
	sha := r.hex(40)
	u := pick(r, g.every)
	link := "<" + svc.repo.url() + "/commit/" + sha + "|" + sha[:7] + ">"
	start := botSay(bs.shipit, fmt.Sprintf("Deploying `%s` %s to production (%s) by %s", alias, ver, link, mention(u.id)))
	if g.b.post(t, start) == nil {
		return
	}
	done := t + r.between(2, 12)*usMinute
	switch x := r.Float64(); {
	case x < 0.03:
		g.b.post(done, botSay(bs.shipit, fmt.Sprintf("Rollback of `%s` to the previous release started by %s", alias, mention(u.id))))
	case x < 0.06:
		m := botSay(bs.shipit, "")
		m.attach = []obj{{{"id", 1}, {"color", "danger"}, {"fallback", "Deploy of " + alias + " failed"}, {"title", "Deploy of " + alias + " " + ver + " failed"}, {"text", "health checks did not pass; nothing was changed"}}}
		g.b.post(done, m)
	default:
		m := botSay(bs.shipit, fmt.Sprintf("Deployed `%s` %s to production", alias, ver))
		if r.chance(0.5) {
			m.attach = []obj{{{"id", 1}, {"color", "good"}, {"fallback", "Deployed " + alias}, {"text", "took " + fmt.Sprint(2+r.IntN(10)) + "m, " + fmt.Sprint(3+r.IntN(40)) + " pods"}}}
		}
		g.b.post(done, m)
	}
}

func (g *noiseGen) alert(t int64) {
	r, bs := g.r, g.p.cat.bots
	svc := pick(r, g.p.cat.services)
	var modes []*failureMode
	for _, m := range failureModes {
		if !m.security {
			modes = append(modes, m)
		}
	}
	inc := &incident{svc: svc, mode: pick(r, modes), alias: pick(r, svc.aliases), sev: 2 + r.IntN(3), declared: t,
		alertBot: pick(r, []*bot{bs.datadog, bs.grafana, bs.grafana, bs.alertmanager, bs.cloudwatch, bs.sentry})}
	c := &incRender{inc: inc, bs: bs, r: r, vars: map[string]string{
		"alias": inc.alias, "svc": inc.alias, "pct": fmt.Sprint(1 + r.IntN(90)), "ms": fmt.Sprint(500 + 50*r.IntN(40)),
		"n": fmt.Sprint(10 + r.IntN(3000)), "host": fmt.Sprintf("ip-10-%d-%d-%d", r.IntN(32), r.IntN(256), 1+r.IntN(254)),
		"pod": svc.aliases[0] + "-" + r.str(kubeAlphabet, 10) + "-" + r.str(kubeAlphabet, 5), "id": r.hex(6), "ver": "v2026.1.1",
		"ip": "203.0.113.7", "provider": svc.provider,
	}}
	if g.b.post(t, alertPost(c, false)) == nil {
		return
	}
	g.b.post(t+clamp(r.lognormal(12*usMinute, 1), usMinute, 6*usHour), alertPost(c, true))
}

// review is the weekly incident review: it talks about incidents, links
// their channels and postmortems, and is not an incident itself.
func (g *noiseGen) review(t int64) {
	r := g.r
	var refs []string
	for _, inc := range g.incs[max(0, len(g.incs)-6):] {
		refs = append(refs, channelRef(inc.channel))
	}
	text := fill(pick(r, reviewPosts), map[string]string{"refs": strings.Join(refs, ", "), "id": r.str(base62, 20)})
	if len(refs) == 0 {
		text = "No incidents to review this week :tada:"
	}
	m := g.b.post(t, say(pick(r, g.sre), text))
	if m == nil {
		return
	}
	n := int(float64(3+r.IntN(6)) * g.p.opts.Scale)
	g.thread(m, n, reviewReplies, 0.02)
	if r.chance(0.5) && len(g.incs) > 0 {
		inc := g.incs[len(g.incs)-1]
		if inc.pmURL != "" {
			g.b.reply(m, t+2*usHour, say(pick(r, g.sre), "postmortem for "+channelRef(inc.channel)+" is ready: <"+inc.pmURL+">"))
		}
	}
}

// dispatchNotices posts, in #incidents, what Netflix Dispatch tells its
// notification channels about the day's Dispatch incidents: each new one,
// and each change to Closed (docs/bots.md).
func (g *noiseGen) dispatchNotices(lo, hi int64) {
	for _, inc := range g.p.incidents {
		if inc.style != styleDispatch || inc.thread || inc.private {
			continue
		}
		c := &incRender{b: g.b, inc: inc, bs: g.p.cat.bots, r: g.r}
		c.tool = inc.toolBot(c.bs)
		if inc.declared >= lo && inc.declared < hi {
			g.b.post(inc.declared+5*usSecond, dispatchNotice(c, ""))
		}
		if inc.resolved != 0 && inc.resolved >= lo && inc.resolved < hi {
			from := "Stable"
			if inc.mitigated == 0 {
				from = "Active"
			}
			g.b.post(inc.resolved+usSecond, dispatchNotice(c, from))
		}
	}
}

// responseHeadlines posts, in #incidents, Monzo Response's headline post of
// each Response incident declared that day, as the export shows it at the
// end: its last state, edited when the incident was closed.
func (g *noiseGen) responseHeadlines(lo, hi int64) {
	for _, inc := range g.p.incidents {
		if inc.style != styleResponse || inc.thread || inc.private || inc.declared < lo || inc.declared >= hi {
			continue
		}
		c := &incRender{b: g.b, inc: inc, bs: g.p.cat.bots, r: g.r}
		c.tool = inc.toolBot(c.bs)
		closed := inc.closeAt != 0 && inc.closeAt <= g.b.end
		m := responseHeadline(c, closed)
		switch {
		case closed:
			m.edited = &edit{user: c.tool.userID, ts: inc.closeAt}
		case inc.ack != 0 && inc.ack+time.Minute.Microseconds() <= g.b.end:
			m.edited = &edit{user: c.tool.userID, ts: inc.ack + time.Minute.Microseconds()}
		}
		g.b.post(max(lo, inc.declared-40*usSecond), m)
	}
}

package samplegen

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// incRender writes one incident into its channel (or its thread in the
// shared channel) and records the truth as the messages are placed: every
// lifecycle time in truth.json is the ts of a message written here.
type incRender struct {
	b      *builder
	inc    *incident
	bs     *bots
	r      *rnd
	tool   *bot
	parent *message          // thread incidents: the declaring top-level message
	vars   map[string]string // the incident's template values; fixed once set
	chat   map[string]string // chatter's values, refreshed per message
	ev     map[string]int64  // evidence: field -> message ts
	// elsewhere is evidence outside the incident's channel or thread: an
	// Alertmanager [RESOLVED] posted top-level beside the thread, Response's
	// headline in #incidents edited at the close.
	elsewhere map[string]TruthRef
	notes     []string
	status    string // the tool's current status, for "from → to" messages

	statedStart int64
	statuspage  bool // a human incident posting Statuspage-style updates
	fixLinkList []string
	fixPosted   bool
	claimPosted bool
	archivedAt  int64
	topic       string
	topicAt     int64
	declMsg     *message
	chatMsgs    []*message
	alertMsg    *message // the alerting bot's first post
}

func renderIncident(b *builder, inc *incident) (*TruthIncident, channelState) {
	c := &incRender{b: b, inc: inc, bs: b.cat.bots, r: b.r, ev: map[string]int64{}}
	if inc.style == styleIncidentIO {
		c.status = "Investigating"
	}
	c.tool = inc.toolBot(c.bs)
	c.vars = map[string]string{}
	for k, v := range inc.vars {
		c.vars[k] = v
	}
	c.vars["svc"] = inc.alias
	c.vars["dash"] = "https://grafana.acme.internal/d/" + c.r.str(base62, 9) + "/" + inc.svc.name
	c.vars["region"] = pick(c.r, regions)
	c.vars["title"] = inc.title
	c.chat = maps.Clone(c.vars)
	c.chat["deploys"] = b.cat.deploys

	c.declare()
	c.detect()
	c.acknowledge()
	c.stateStart()
	c.progress()
	c.mitigate()
	c.fixLinks()
	c.claim()
	c.resolve()
	c.postmortem()
	c.close()
	c.chatter()
	c.extras()
	return c.truth(), channelState{topic: c.topic, topicAt: c.topicAt, archived: c.archivedAt != 0}
}

// channelState is what channels.json says about an incident channel at End.
type channelState struct {
	topic    string
	topicAt  int64
	archived bool
}

// post places m at t in the incident: a top-level message in its channel,
// or a reply in its thread.
func (c *incRender) post(t int64, m *message) *message {
	if c.inc.thread && c.parent != nil {
		return c.b.reply(c.parent, t, m)
	}
	if c.archivedAt != 0 && t >= c.archivedAt {
		return nil
	}
	return c.b.post(t, m)
}

// alertmanagerThread reports whether the incident is a thread opened by an
// Alertmanager notification, whose later notifications are top-level posts
// with the same title.
func (c *incRender) alertmanagerThread() bool {
	return c.inc.thread && c.inc.alertBot == c.bs.alertmanager && c.alertMsg != nil && c.alertMsg == c.parent
}

// markElsewhere records evidence outside the incident's channel or thread,
// at time t, unless a message of the incident showed the event earlier.
func (c *incRender) markElsewhere(field string, ref TruthRef, t int64) {
	if old, ok := c.ev[field]; ok && old <= t {
		return
	}
	if c.elsewhere == nil {
		c.elsewhere = map[string]TruthRef{}
	}
	c.ev[field], c.elsewhere[field] = t, ref
}

// mark records the message that shows an event, if it was written and no
// earlier message showed it already.
func (c *incRender) mark(field string, m *message) *message {
	if m == nil {
		return nil
	}
	if old, ok := c.ev[field]; !ok || m.ts < old {
		c.ev[field] = m.ts
		delete(c.elsewhere, field)
	}
	return m
}

// text fills a chatter template for a message by author (nil when the
// author does not matter): fresh numbers, and a mention of someone else.
func (c *incRender) text(tmpl string, author *person) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	other := pick(c.r, c.inc.responders)
	if other == author {
		other = c.inc.commander
		if other == author {
			other = c.inc.responders[len(c.inc.responders)-1]
		}
	}
	c.chat["user"] = mention(other.id)
	c.chat["id"] = c.r.hex(8)
	c.chat["n"] = strconv.Itoa(2 + c.r.IntN(900))
	c.chat["k"] = strconv.Itoa(4 + c.r.IntN(40))
	c.chat["pct"] = strconv.FormatFloat(float64(5+c.r.IntN(600))/10, 'f', 1, 64)
	c.chat["ms"] = strconv.Itoa(400 + 50*c.r.IntN(80))
	return fill(tmpl, c.chat)
}

func (c *incRender) sevSuffix() string {
	if c.inc.sevLabel == "" {
		return ""
	}
	return " (" + c.inc.sevLabel + ")"
}

func (c *incRender) declare() {
	inc, b := c.inc, c.b
	d := inc.declared
	if inc.thread {
		switch {
		case inc.style == stylePagerDuty:
			c.parent = b.post(d, pdTriggered(c))
		case inc.style == styleIncidentIO:
			c.parent = b.post(d, incidentioDeclared(c))
		case inc.alertBot != nil:
			c.parent = b.post(d, alertPost(c, false))
			c.alertMsg = c.parent
		default:
			m := say(inc.declarer, fill(pick(c.r, c.b.cat.phrases.declarations), map[string]string{"title": inc.title, "sev": c.sevSuffix()}))
			if strings.HasPrefix(m.text, "/") {
				m.noBlocks = true
			}
			c.parent = b.post(d, m)
		}
		c.declMsg = c.parent
		c.mark("declared_at", c.parent)
		if inc.alertBot != nil && inc.style != styleIncidentIO {
			c.mark("detected_at", c.parent)
		}
		return
	}
	ch := inc.channel
	creator := ch.creator
	c.mark("declared_at", b.post(d, system("channel_join", creator, mention(creator)+" has joined the channel")))
	switch inc.style {
	case styleDispatch:
		desc := "Dispatch incident: " + inc.title
		b.post(d+usSecond, system("channel_purpose", creator, "set the channel description: "+desc, kv{"purpose", desc}))
		// Created with severity Undetermined, then set: the topic and an
		// Incident Notification with the severity change.
		c.setTopicSev(d+2*usSecond, "Active", "Undetermined")
		c.setTopic(d+3*usSecond, "Active")
		c.declMsg = c.post(d+4*usSecond, dispatchNotification(c, "", ""))
	case styleIncidentIO:
		c.declMsg = c.post(d+2*usSecond, incidentioDeclared(c))
	case styleRootly:
		c.declMsg = c.post(d+2*usSecond, rootlyPost(c, "New incident declared", "#d32f2f", "Started"))
		topic := inc.sevLabel + " | " + inc.title
		c.topic, c.topicAt = topic, d+3*usSecond
		b.post(d+3*usSecond, system("channel_topic", creator, "set the channel topic: "+topic, kv{"topic", topic}))
	case styleFireHydrant:
		c.declMsg = c.post(inc.statedAt, firehydrantMilestone(c, "Started"))
		c.mark("started_at", c.declMsg)
		c.statedStart = inc.statedStart
		if inc.statedStart < d {
			c.notes = append(c.notes, "stated_start_before_declaration")
		}
	case styleResponse:
		// The headline is in #incidents (dispatchNotices' neighbour,
		// responseHeadlines); here the topic, then the lead sets the
		// severity by mentioning the bot, after acknowledging.
		topic := inc.title + " - " + responseDocURL(inc)
		c.topic, c.topicAt = topic, d+usSecond
		b.post(d+usSecond, system("channel_topic", creator, "set the channel topic: "+topic, kv{"topic", topic}))
		cmd := say(inc.commander, mention(c.tool.userID)+" severity "+strings.ToLower(inc.sevLabel))
		cmd.noBlocks = true
		c.declMsg = c.post(inc.ack+c.r.between(10, 50)*usSecond, cmd)
	case styleHellper:
		c.declMsg = c.post(d+2*usSecond, hellperOpened(c))
		topic := hellperTopic(c)
		c.topic, c.topicAt = topic, d+3*usSecond
		b.post(d+3*usSecond, system("channel_topic", creator, "set the channel topic: "+topic, kv{"topic", topic}))
	case stylePagerDuty:
		desc := "PagerDuty incident #" + fmt.Sprint(inc.number)
		b.post(d+usSecond, system("channel_purpose", creator, "set the channel description: "+desc, kv{"purpose", desc}))
	case styleHuman:
		if c.r.chance(0.5) {
			topic := "Incident: " + inc.title + c.sevSuffix()
			c.topic, c.topicAt = topic, d+2*usSecond
			b.post(d+2*usSecond, system("channel_topic", creator, "set the channel topic: "+topic, kv{"topic", topic}))
		}
		m := say(inc.declarer, fill(pick(c.r, c.b.cat.phrases.declarations), map[string]string{"title": inc.title, "sev": c.sevSuffix()}))
		if strings.HasPrefix(m.text, "/") {
			m.noBlocks = true
		}
		c.declMsg = c.post(d+c.r.between(5, 40)*usSecond, m)
	}
}

// detect posts the alert that started an incident, when its declaration is
// not the alert itself.
func (c *incRender) detect() {
	inc := c.inc
	if inc.alertBot == nil {
		return
	}
	if inc.thread && inc.style != styleIncidentIO {
		return
	}
	t := inc.detected
	if inc.thread {
		t = inc.declared + c.r.between(3, 20)*usSecond
	}
	var m *message
	if inc.style == stylePagerDuty {
		m = pdTriggered(c)
	} else {
		m = alertPost(c, false)
	}
	c.alertMsg = c.mark("detected_at", c.post(t, m))
	if inc.style == styleFireHydrant {
		c.post(t+2*usSecond, firehydrantMilestone(c, "Detected"))
	}
}

func (c *incRender) acknowledge() {
	inc := c.inc
	if inc.preAckChat {
		var who *person
		for _, p := range inc.responders {
			if p != inc.declarer && p != inc.acker {
				who = p
				break
			}
		}
		if who != nil {
			floor := max(inc.declared, inc.detected)
			m := c.post(floor+(inc.ack-floor)/2, say(who, c.text(pick(c.r, preAckChatter), who)))
			c.chatMsgs = append(c.chatMsgs, m)
			c.notes = append(c.notes, "human_reply_before_explicit_ack")
		}
	}
	switch {
	case inc.ackAfterResolve:
		c.mark("acknowledged_at", c.post(inc.ack, say(inc.acker, c.text(pick(c.r, autoRecovered), inc.acker))))
		c.notes = append(c.notes, "out_of_order_ack", "implicit_ack")
	case !inc.ackExplicit:
		m := c.mark("acknowledged_at", c.post(inc.ack, say(inc.acker, c.text(pick(c.r, firstReplies), inc.acker))))
		c.chatMsgs = append(c.chatMsgs, m)
		c.notes = append(c.notes, "implicit_ack")
	case inc.style == styleFireHydrant:
		c.mark("acknowledged_at", c.post(inc.ack, firehydrantMilestone(c, "Acknowledged")))
	case inc.style == stylePagerDuty:
		c.mark("acknowledged_at", c.post(inc.ack, botSay(c.tool, "Acknowledged by "+inc.acker.realName())))
	default:
		m := say(inc.acker, pick(c.r, c.b.cat.phrases.acks))
		if strings.HasPrefix(m.text, "/") {
			m.noBlocks = true
		}
		c.mark("acknowledged_at", c.post(inc.ack, m))
	}
}

func (c *incRender) stateStart() {
	inc := c.inc
	if inc.statedStart == 0 || inc.style == styleFireHydrant {
		return
	}
	st := time.UnixMicro(inc.statedStart).UTC()
	at := time.UnixMicro(inc.statedAt).UTC()
	when := st.Format("15:04") + " UTC"
	if st.YearDay() != at.YearDay() || st.Year() != at.Year() {
		when = st.Format("2006-01-02 15:04") + " UTC"
	}
	who := pick(c.r, inc.responders)
	if who == inc.declarer && inc.acker != nil {
		who = inc.acker
	}
	m := c.post(inc.statedAt, say(who, fill(pick(c.r, statedStarts), map[string]string{"time": when})))
	if m != nil {
		c.statedStart = inc.statedStart
		c.mark("started_at", m)
		c.notes = append(c.notes, "stated_start_before_declaration")
	}
}

// progress posts the statuses between acknowledgement and mitigation.
func (c *incRender) progress() {
	inc := c.inc
	lo := inc.ack
	hi := inc.resolved
	if inc.mitigated != 0 {
		hi = inc.mitigated
	}
	if inc.renameAt != 0 {
		who := inc.commander.id
		if c.tool != nil {
			who = c.tool.userID
		}
		old, name := inc.channel.oldName, inc.channel.name
		c.post(inc.renameAt, system("channel_name", who, mention(who)+" renamed the channel from \""+old+"\" to \""+name+"\"",
			kv{"old_name", old}, kv{"name", name}))
	}
	if inc.cancelAt != 0 || inc.ackAfterResolve {
		return
	}
	switch inc.style {
	case styleIncidentIO:
		for range c.r.IntN(3) {
			cmd := pick(c.r, incCommands)
			m := say(pick(c.r, inc.responders), fill(cmd, map[string]string{"user": mention(pick(c.r, inc.responders).id)}))
			m.noBlocks = true
			c.post(lo+c.r.Int64N(max(hi-lo, usSecond)), m)
		}
		if inc.wrongStatusAt != 0 {
			c.post(inc.wrongStatusAt, incidentioStatus(c, "Monitoring"))
			c.post(inc.wrongStatusAt+c.r.between(40, 180)*usSecond, incidentioStatus(c, "Fixing"))
			c.notes = append(c.notes, "status_out_of_order")
		} else if hi-lo > 4*usMinute {
			c.post(lo+(hi-lo)/2, incidentioStatus(c, "Fixing"))
		}
	case styleDispatch:
		if hi-lo > 10*usMinute && c.r.chance(0.3) {
			c.post(lo+(hi-lo)/3, botSay(c.tool, mention(inc.commander.id)+" has been assigned as incident commander"))
		}
	case styleHuman:
		if inc.wrongStatusAt == 0 && !c.r.chance(0.5) {
			return
		}
		c.statuspage = true
		if hi-lo > 4*usMinute {
			c.post(lo+(hi-lo)/6, say(inc.commander, c.text(pick(c.r, c.b.cat.phrases.statusInvestigating), inc.commander)))
		}
		if inc.wrongStatusAt != 0 {
			c.post(inc.wrongStatusAt, say(inc.commander, c.text(pick(c.r, c.b.cat.phrases.statusMonitoring), inc.commander)))
			c.post(inc.wrongStatusAt+c.r.between(40, 180)*usSecond, say(inc.commander, c.text(pick(c.r, statusCorrection), inc.commander)))
			c.notes = append(c.notes, "status_out_of_order")
		} else if hi-lo > 8*usMinute {
			c.post(lo+(hi-lo)*2/3, say(inc.commander, c.text(pick(c.r, c.b.cat.phrases.statusIdentified), inc.commander)))
		}
	}
}

func (c *incRender) mitigate() {
	inc := c.inc
	if inc.mitigated == 0 {
		return
	}
	t := inc.mitigated
	switch inc.style {
	case styleDispatch:
		c.mark("mitigated_at", c.setTopic(t, "Stable"))
		c.post(t+2*usSecond, dispatchNotification(c, "Active", "Stable"))
	case styleIncidentIO:
		c.mark("mitigated_at", c.post(t, incidentioStatus(c, "Monitoring")))
	case styleRootly:
		c.mark("mitigated_at", c.post(t, rootlyPost(c, "Incident mitigated", "#ff9800", "Mitigated")))
	case styleFireHydrant:
		c.mark("mitigated_at", c.post(t, firehydrantMilestone(c, "Mitigated")))
	default:
		who := pick(c.r, inc.responders)
		text := c.text(pick(c.r, c.b.cat.phrases.mitigations), who)
		if c.statuspage {
			who, text = inc.commander, c.text(pick(c.r, c.b.cat.phrases.statusMonitoring), inc.commander)
		}
		m := say(who, text)
		if strings.HasPrefix(text, "/") {
			m.noBlocks = true
		}
		c.mark("mitigated_at", c.post(t, m))
	}
}

func (c *incRender) fixLinks() {
	inc := c.inc
	f := inc.fix
	if f == nil || f.sha == "" {
		return
	}
	short := f.sha[:7+c.r.IntN(6)]
	var parts []string
	var links []string
	for _, k := range inc.fixLinks {
		switch k {
		case linkPR:
			label := fmt.Sprintf("acme/%s#%d", f.repo.name, f.pr)
			if c.r.chance(0.5) {
				parts = append(parts, "<"+f.prURL()+"|"+label+">")
			} else {
				parts = append(parts, "<"+f.prURL()+">")
			}
			links = append(links, f.prURL())
		case linkCommit:
			parts = append(parts, "<"+f.commitURL()+"|"+f.sha[:7]+">")
			links = append(links, f.commitURL())
		case linkShortSHA:
			parts = append(parts, short)
			links = append(links, short)
		}
	}
	var text string
	switch {
	case len(inc.fixLinks) == 2:
		text = fmt.Sprintf("merged %s (squashed as %s)", parts[0], parts[1])
	case inc.fixLinks[0] == linkShortSHA && inc.fixLinkAt > inc.resolved:
		text = pick(c.r, []string{"fixed in %s", "the fix went out in %s", "deployed %s to prod"})
		text = fmt.Sprintf(text, parts[0])
	case inc.fixLinks[0] == linkShortSHA:
		text = fmt.Sprintf("the change is in %s, deploying now", parts[0])
	default:
		text = pick(c.r, []string{"PR: %s", "the change is merged: %s", "here's the change: %s", "%s is deploying now"})
		text = fmt.Sprintf(text, parts[0])
	}
	if inc.fixWithTestsNote {
		text += " (with a regression test)"
	}
	if m := c.post(inc.fixLinkAt, say(f.author, text)); m != nil {
		c.fixPosted = true
		c.fixLinkList = links
		c.ev["fix_link"] = m.ts
	}
}

func (c *incRender) claim() {
	inc := c.inc
	if inc.claimAt == 0 {
		return
	}
	if m := c.post(inc.claimAt, say(pick(c.r, inc.responders), pick(c.r, regressionClaims))); m != nil {
		c.claimPosted = true
		c.ev["regression_claim"] = m.ts
	}
}

func (c *incRender) resolve() {
	inc := c.inc
	if inc.resolved == 0 {
		return
	}
	t := inc.resolved
	switch {
	case inc.ackAfterResolve:
		var m *message
		if inc.style == stylePagerDuty {
			m = botSay(c.tool, "Resolved by PagerDuty (auto-resolved)")
		} else {
			m = alertPost(c, true)
		}
		if c.alertmanagerThread() {
			// Alertmanager posts every notification as a new top-level
			// message (docs/bots.md): the [RESOLVED] is not a reply.
			if m = c.b.post(t, m); m != nil {
				c.markElsewhere("resolved_at", TruthRef{Channel: inc.channel.name, TS: tsString(m.ts)}, m.ts)
			}
		} else {
			c.mark("resolved_at", c.post(t, m))
		}
		c.notes = append(c.notes, "resolved_by_alert_recovery")
	case inc.style == styleDispatch:
		// Dispatch says Closed only to its notification channels and
		// archives the incident channel: close marks the archive resolved.
	case inc.style == styleIncidentIO:
		m := c.post(t, incidentioStatus(c, "Closed"))
		c.mark("resolved_at", m)
		c.mark("closed_at", m)
	case inc.style == styleRootly:
		c.mark("resolved_at", c.post(t, rootlyPost(c, "Incident resolved", "#4caf50", "Resolved")))
	case inc.style == styleFireHydrant:
		c.mark("resolved_at", c.post(t, firehydrantMilestone(c, "Resolved")))
	case inc.style == stylePagerDuty:
		c.mark("resolved_at", c.post(t, botSay(c.tool, "Resolved by "+pick(c.r, inc.responders).realName())))
	case inc.style == styleHellper:
		c.mark("resolved_at", c.post(t, hellperResolved(c)))
	case inc.style == styleResponse && inc.buttonClose:
		// Closed from the headline's button: Response posts nothing in
		// the incident channel and rewrites the headline in #incidents to
		// Status: Resolved (responseHeadlines), edited at the close.
		if t <= c.b.end {
			ref := TruthRef{Channel: c.b.cat.shared, EditedTS: tsString(t)}
			c.markElsewhere("resolved_at", ref, t)
			c.markElsewhere("closed_at", ref, t)
			c.notes = append(c.notes, "closed_from_headline_button")
		}
	case inc.style == styleResponse:
		closing := botSay(c.tool, "This incident has been closed! 📖 ⟶ 📕")
		command := say(inc.commander, mention(c.tool.userID)+" close")
		command.noBlocks = true
		if inc.humanAllClear {
			c.mark("resolved_at", c.humanResolution(t))
			c.post(inc.closeAt-usSecond, command)
			c.mark("closed_at", c.post(inc.closeAt, closing))
		} else {
			c.post(t-usSecond, command)
			m := c.post(t, closing)
			c.mark("resolved_at", m)
			c.mark("closed_at", m)
		}
	default:
		c.mark("resolved_at", c.humanResolution(t))
	}
	if c.alertmanagerThread() && !inc.ackAfterResolve {
		// With send_resolved on, Alertmanager says [RESOLVED] once the alert
		// clears after the fix: a new top-level post beside the thread
		// (docs/bots.md). The people's resolution came first.
		c.b.post(t+2*usMinute, alertPost(c, true))
	}
	if inc.pdEdited {
		c.editPDParent()
	}
	c.editAlertGroup()
}

func (c *incRender) humanResolution(t int64) *message {
	inc := c.inc
	text := c.text(pick(c.r, c.b.cat.phrases.resolutions), inc.commander)
	if c.statuspage {
		text = c.text(pick(c.r, c.b.cat.phrases.statusResolved), inc.commander)
	}
	m := say(inc.commander, text)
	if strings.HasPrefix(text, "/") {
		m.noBlocks = true
	}
	m = c.post(t, m)
	if m != nil && inc.resolvedEditAt != 0 && inc.resolvedEditAt <= c.b.end && !m.noBlocks {
		m.text += " (edit: root cause was " + strings.ToLower(inc.mode.fix[:1]) + inc.mode.fix[1:] + " missing)"
		m.edited = &edit{user: inc.commander.id, ts: inc.resolvedEditAt}
		c.notes = append(c.notes, "resolved_message_edited_later")
	}
	return m
}

// editPDParent rewrites a PagerDuty trigger in place with its final state,
// as the PagerDuty app does.
func (c *incRender) editPDParent() {
	p := c.parent
	if p == nil {
		return
	}
	state, at := "", int64(0)
	if t, ok := c.ev["acknowledged_at"]; ok && c.inc.ackExplicit {
		state, at = "Acknowledged", t
	}
	if t, ok := c.ev["resolved_at"]; ok {
		state, at = "Resolved", t
	}
	if state == "" {
		return
	}
	p.attach = pdAttachment(c, state)
	p.text = state + " " + pdTitle(c)
	p.edited = &edit{user: c.tool.userID, ts: at}
	c.notes = append(c.notes, "parent_edited_in_place")
}

// editAlertGroup rewrites a Grafana OnCall alert group post in place to
// its last state, as OnCall does (docs/bots.md): resolved by the person
// who resolved the incident, else acknowledged by the one who acknowledged
// it, at those times.
func (c *incRender) editAlertGroup() {
	m, inc := c.alertMsg, c.inc
	if m == nil || inc.alertBot != c.bs.oncall {
		return
	}
	text, color, at := "", "", int64(0)
	if t, ok := c.ev["acknowledged_at"]; ok && inc.ackExplicit {
		text, color, at = "Acknowledged by "+inc.acker.realName(), "#daa038", t
	}
	if t, ok := c.ev["resolved_at"]; ok {
		text, color, at = "Resolved by "+inc.commander.realName(), "#2eb886", t
	}
	if text == "" || at <= m.ts {
		return
	}
	m.attach = []obj{{{"id", 1}, {"fallback", strings.Fields(text)[0] + "..."}, {"text", text}, {"callback_id", "alert"}, {"color", color}}}
	m.edited = &edit{user: inc.alertBot.userID, ts: at}
	c.notes = append(c.notes, "alert_group_edited_in_place")
}

func (c *incRender) postmortem() {
	inc := c.inc
	if inc.pmAt == 0 {
		return
	}
	var m *message
	switch inc.style {
	case styleDispatch:
		m = dispatchReviewDoc(c)
	case styleIncidentIO:
		m = botSay(c.tool, "Post-mortem: <"+inc.pmURL+">")
	default:
		text := pick(c.r, []string{"Postmortem doc: <%s|Postmortem: %s>", "postmortem is up for review: <%s|%s>", "Incident review doc: <%s|%s>"})
		m = say(pick(c.r, inc.responders), fmt.Sprintf(text, inc.pmURL, inc.title))
	}
	c.mark("postmortem_at", c.post(inc.pmAt, m))
}

func (c *incRender) close() {
	inc := c.inc
	if inc.cancelAt != 0 {
		c.mark("cancelled", c.post(inc.cancelAt, rootlyPost(c, "Incident cancelled: false alarm", "#9e9e9e", "Cancelled")))
	}
	if !inc.archive || inc.closeAt == 0 || inc.closeAt > c.b.end {
		return
	}
	who := inc.channel.creator
	if c.tool == nil {
		who = inc.commander.id
	}
	if inc.style == styleHellper {
		// Hellper says the incident is closed, then archives the channel.
		c.post(inc.closeAt-2*usSecond, hellperClosed(c))
	}
	m := c.post(inc.closeAt, system("channel_archive", who, mention(who)+" archived the channel"))
	if m != nil {
		c.mark("closed_at", m)
		if inc.style == styleDispatch && inc.resolved != 0 {
			c.mark("resolved_at", m)
		}
		c.archivedAt = m.ts
	}
}

// setTopic writes a Dispatch channel_topic with the given status.
func (c *incRender) setTopic(t int64, status string) *message {
	return c.setTopicSev(t, status, c.inc.sevLabel)
}

func (c *incRender) setTopicSev(t int64, status, severity string) *message {
	topic := dispatchTopic(c.inc, status, severity)
	m := c.post(t, system("channel_topic", c.tool.userID, "set the channel topic: "+topic, kv{"topic", topic}))
	if m != nil {
		c.topic, c.topicAt = topic, m.ts
	}
	return m
}

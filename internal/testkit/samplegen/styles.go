package samplegen

import (
	"fmt"
	"strings"
)

// Message shapes of the incident tools. Each mirrors what the tool posts:
// Block Kit for modern apps (often with a bare fallback in text), legacy
// attachments for Rootly and PagerDuty.

func blockID(r *rnd) string { return r.str(base62, 5) }

func mrkdwn(text string) obj {
	return obj{{"type", "mrkdwn"}, {"text", text}, {"verbatim", false}}
}

func sectionBlock(r *rnd, text string) obj {
	return obj{{"type", "section"}, {"block_id", blockID(r)}, {"text", mrkdwn(text)}}
}

func fieldsBlock(r *rnd, pairs ...string) obj {
	var fs []obj
	for i := 0; i+1 < len(pairs); i += 2 {
		fs = append(fs, mrkdwn("*"+pairs[i]+"*\n"+pairs[i+1]))
	}
	return obj{{"type", "section"}, {"block_id", blockID(r)}, {"fields", fs}}
}

func headerBlock(r *rnd, text string) obj {
	return obj{{"type", "header"}, {"block_id", blockID(r)}, {"text", obj{{"type", "plain_text"}, {"text", text}, {"emoji", true}}}}
}

func contextBlock(r *rnd, texts ...string) obj {
	var els []any
	for _, t := range texts {
		els = append(els, mrkdwn(t))
	}
	return obj{{"type", "context"}, {"block_id", blockID(r)}, {"elements", els}}
}

func dividerBlock(r *rnd) obj { return obj{{"type", "divider"}, {"block_id", blockID(r)}} }

func buttonsBlock(r *rnd, labels ...string) obj {
	var els []any
	for _, l := range labels {
		els = append(els, obj{{"type", "button"}, {"action_id", r.str(base62, 6)}, {"text", obj{{"type", "plain_text"}, {"text", l}, {"emoji", true}}}, {"value", strings.ToLower(strings.ReplaceAll(l, " ", "_"))}})
	}
	return obj{{"type", "actions"}, {"block_id", blockID(r)}, {"elements", els}}
}

// Netflix Dispatch, as docs/bots.md records it from its source: the topic
// starts with the commander; each status, severity or commander change
// rewrites it and posts an "Incident Notification" while the incident is
// not Closed; closing archives the channel and says Closed only to the
// notification channels. Incidents with an even number render the 2024
// format, the others the current one (emojis added 2025-08-26).

// dispatchLegacy says whether the incident renders Dispatch's 2024 format.
func dispatchLegacy(inc *incident) bool { return inc.number%2 == 0 }

// dispatchName is the incident's name in Dispatch, which names its channel.
func dispatchName(inc *incident) string { return inc.channel.name }

// dispatchNotification is the update post of a status change (from → to)
// or, with from == "", a severity line for the first post.
func dispatchNotification(c *incRender, from, to string) *message {
	inc, r := c.inc, c.r
	legacy := dispatchLegacy(inc)
	name := fmt.Sprintf("<https://acme.atlassian.net/browse/INC-%d|%s Incident Notification>", inc.number, dispatchName(inc))
	title := "*Title*\n" + inc.title
	commander := fmt.Sprintf("*<https://acme.slack.com/team/%s|Commander - %s, %s>*\nThe Incident Commander (IC) is responsible for the incident.", inc.commander.id, inc.commander.realName(), inc.commander.team)
	change := "*Status Change*\nThe incident status has been changed from " + from + " to " + to + "."
	if !legacy {
		name = fmt.Sprintf("<https://acme.atlassian.net/browse/INC-%d|🚨 %s Incident Notification>", inc.number, dispatchName(inc))
		title = "*📝 Title*: " + inc.title
		commander = strings.Replace(commander, "|Commander", "|🧑‍🚒 Commander", 1)
		emoji := map[string]string{"Closed": "✅", "Stable": "🛡️", "Active": "🔥"}[to]
		change = "*" + emoji + " Status Change*: " + from + " → " + to
	}
	blocks := []obj{dividerBlock(r), sectionBlock(r, "*"+name+"*\nThis message is for notification purposes only."), sectionBlock(r, title)}
	if from != "" {
		blocks = append(blocks, sectionBlock(r, change))
	} else if legacy {
		blocks = append(blocks, sectionBlock(r, "*Severity Change*\nThe incident severity has been changed from Undetermined to "+inc.sevLabel+"."))
	} else {
		blocks = append(blocks, sectionBlock(r, "*⬆️ Severity Change*: Undetermined → "+inc.sevLabel))
	}
	blocks = append(blocks, sectionBlock(r, commander))
	m := botSay(c.tool, "Incident Notification")
	m.blocks = blocks
	return m
}

// dispatchNotice is what Dispatch posts in its notification channels
// (#incidents here): the new incident, with Subscribe and Join buttons, or
// its change to Closed, which the incident channel never shows. It names
// the incident channel by name, never links it.
func dispatchNotice(c *incRender, closedFrom string) *message {
	inc, r := c.inc, c.r
	m := dispatchNotification(c, closedFrom, "Closed")
	if closedFrom != "" {
		return m
	}
	status := sectionBlock(r, "*Status - Active*\nThis incident is under active investigation.")
	severity := sectionBlock(r, "*Severity - "+inc.sevLabel+"*\n"+inc.sevLabel+" severity.")
	buttons := buttonsBlock(r, "Subscribe", "Join")
	m.blocks = append(m.blocks[:3:3], buttons, status, severity, m.blocks[len(m.blocks)-1])
	return m
}

// dispatchTopic is the channel topic Dispatch sets.
func dispatchTopic(inc *incident, status, severity string) string {
	helmet := "⛑️"
	if dispatchLegacy(inc) {
		helmet = ":helmet_with_white_cross:"
	}
	prio := [...]string{"High", "High", "Medium", "Low", "Low"}[max(inc.sev, 0)]
	return fmt.Sprintf("%s %s, %s | Status: %s | Type: %s | Severity: %s | Priority: %s",
		helmet, inc.commander.realName(), inc.commander.team, status, dispatchType(inc), severity, prio)
}

// dispatchType is the incident type Dispatch shows.
func dispatchType(inc *incident) string {
	switch {
	case inc.private:
		return "Security"
	case inc.exclusion == exMaintenance:
		return "Maintenance"
	case inc.exclusion != "":
		return "Exercise"
	}
	return "Customer-Facing"
}

func dispatchReviewDoc(c *incRender) *message {
	m := botSay(c.tool, "Review Document")
	m.blocks = []obj{
		sectionBlock(c.r, "*Review Document*\n<"+c.inc.pmURL+"|Incident Review: "+c.inc.title+">"),
		contextBlock(c.r, "The incident review document has been created. Please fill it in before the review meeting."),
	}
	return m
}

// incident.io.

func incidentioDeclared(c *incRender) *message {
	inc, r := c.inc, c.r
	ctx := "Reported by " + mention(inc.commander.id)
	if inc.declarer != nil {
		ctx = "Reported by " + mention(inc.declarer.id)
	}
	if inc.alertBot != nil {
		ctx = "Created from a " + inc.alertBot.name + " alert"
	}
	m := botSay(c.tool, "Incident declared")
	m.blocks = []obj{
		headerBlock(r, fmt.Sprintf(":rotating_light: INC-%d: %s", inc.number, inc.title)),
		fieldsBlock(r, "Severity", inc.sevLabel, "Status", "Investigating", "Incident Lead", mention(inc.commander.id)),
		contextBlock(r, ctx+fmt.Sprintf(" · <https://app.incident.io/acme/incidents/%d|View incident>", inc.number)),
		buttonsBlock(r, "Update status", "Escalate"),
	}
	return m
}

func incidentioStatus(c *incRender, to string) *message {
	from := c.status
	c.status = to
	text := "Status changed from " + from + " → " + to
	m := botSay(c.tool, text)
	m.blocks = []obj{
		sectionBlock(c.r, "*"+text+"*"),
		contextBlock(c.r, mention(c.inc.commander.id)+fmt.Sprintf(" updated INC-%d", c.inc.number)),
	}
	return m
}

// Rootly: legacy attachments, empty text.

func rootlyPost(c *incRender, what, color, status string) *message {
	inc := c.inc
	m := botSay(c.tool, "")
	m.attach = []obj{{
		{"id", 1},
		{"color", strings.TrimPrefix(color, "#")},
		{"fallback", what + ": " + inc.title},
		{"title", what + ": " + inc.title},
		{"title_link", "https://rootly.com/account/incidents/" + inc.id + "-" + titleSlug(inc.title, 30)},
		{"fields", []obj{
			{{"title", "Severity"}, {"value", inc.sevLabel}, {"short", true}},
			{{"title", "Status"}, {"value", status}, {"short", true}},
			{{"title", "Commander"}, {"value", mention(inc.commander.id)}, {"short", true}},
			{{"title", "Service"}, {"value", inc.alias}, {"short", true}},
		}},
		{"footer", "Rootly"},
		{"mrkdwn_in", []string{"fields"}},
	}}
	return m
}

// FireHydrant: milestone updates in blocks behind a generic fallback.

func firehydrantMilestone(c *incRender, milestone string) *message {
	inc, r := c.inc, c.r
	m := botSay(c.tool, fmt.Sprintf("Incident #%d updated", inc.number))
	blocks := []obj{sectionBlock(r, "Milestone updated: *"+milestone+"*")}
	if milestone == "Started" {
		blocks = append(blocks,
			sectionBlock(r, "*"+inc.title+"*"),
			fieldsBlock(r, "Severity", inc.sevLabel, "Commander", mention(inc.commander.id)),
			contextBlock(r, "Started at "+timeText(inc.statedStart)))
	}
	blocks = append(blocks, contextBlock(r, fmt.Sprintf("<https://app.firehydrant.io/incidents/%d|#%d %s> · %s", inc.number, inc.number, inc.title, inc.sevLabel)))
	m.blocks = blocks
	return m
}

// Monzo Response, as docs/bots.md records it from its source: a headline
// post per incident in the central channel (#incidents), rewritten in place
// on every change, so an export shows its final state and the time of the
// last edit; in the incident channel, people command the bot by mentioning
// it and it answers with reactions, and "@incident close" makes it post
// that the incident has been closed.

// responseDocURL is the incident's document in Response.
func responseDocURL(inc *incident) string {
	return fmt.Sprintf("https://response.acme.com/incident/%d/", inc.number)
}

// responseHeadline is the headline post as it stands at the end: Live, or
// Resolved once closed (closed reports whether it was).
func responseHeadline(c *incRender, closed bool) *message {
	inc, r := c.inc, c.r
	reporter := inc.commander
	if inc.declarer != nil {
		reporter = inc.declarer
	}
	status := "🔥 Status: Live"
	if closed {
		status = ":droplet: Status: Resolved"
	}
	emoji := map[string]string{"Critical": "⛈️", "Major": "🌧️", "Minor": "🌦️", "Trivial": "🌤️"}[inc.sevLabel]
	m := botSay(c.tool, inc.title+" reported by "+mention(reporter.id))
	m.blocks = []obj{
		sectionBlock(r, "*"+inc.title+"*"),
		sectionBlock(r, "🙋🏻‍♂️ Reporter: "+mention(reporter.id)),
		sectionBlock(r, "👩‍🚒 Incident Lead: "+mention(inc.commander.id)),
		dividerBlock(r),
		sectionBlock(r, status),
		sectionBlock(r, emoji+" Severity: "+inc.sevLabel),
		sectionBlock(r, fmt.Sprintf("📄 Document: <%s|Incident %d>", responseDocURL(inc), inc.number)),
		sectionBlock(r, "🗣 Comms Channel: <#"+inc.channel.id+">"),
	}
	if !closed {
		m.blocks = append(m.blocks, sectionBlock(r, "Need something else?"), buttonsBlock(r, "Edit", "Close", "Page On-call"))
	}
	return m
}

// Hellper (RD Station), as docs/bots.md records it from its source: it
// posts and pins the opening with an attachment of the incident's fields,
// puts the war room, postmortem and commander in the topic, says the
// incident was resolved and later closed, then archives the channel.

var hellperSeverities = [...]string{"SEV0 - All hands on deck", "SEV1 - Critical impact to many users",
	"SEV2 - Minor issue that impacts ability to use product", "SEV3 - Minor issue not impacting ability to use product"}

func hellperOpened(c *incRender) *message {
	inc := c.inc
	author := inc.commander
	if inc.declarer != nil {
		author = inc.declarer
	}
	war := "https://meet.acme.com/" + inc.channel.name
	text := "An Incident has been opened by " + mention(author.id)
	summary := text + "\n\n*Title:* " + inc.title + "\n*Severity:* " + inc.sevLabel + "\n\n*Product:* " + inc.svc.name +
		"\n*Channel:* <#" + inc.channel.id + ">\n*Commander:* " + mention(inc.commander.id) + "\n\n*War Room:* " + war + "\n"
	m := botSay(c.tool, text)
	m.attach = []obj{{
		{"id", 1}, {"color", "FE4D4D"}, {"fallback", summary},
		{"fields", []obj{
			{{"title", "Incident ID"}, {"value", fmt.Sprint(inc.number)}, {"short", false}},
			{{"title", "Incident Channel"}, {"value", "<#" + inc.channel.id + ">"}, {"short", false}},
			{{"title", "Incident Title"}, {"value", inc.title}, {"short", false}},
			{{"title", "Severity"}, {"value", inc.sevLabel}, {"short", false}},
			{{"title", "Product"}, {"value", inc.svc.name}, {"short", false}},
			{{"title", "Commander"}, {"value", mention(inc.commander.id)}, {"short", false}},
			{{"title", "War Room"}, {"value", war}, {"short", false}},
		}},
	}}
	return m
}

// hellperTopic is Hellper's topic without its postmortem line: the
// generator plans each postmortem link and its time on its own.
func hellperTopic(c *incRender) string {
	inc := c.inc
	return "*WarRoom:* https://meet.acme.com/" + inc.channel.name + "\n\n*Commander:* " + mention(inc.commander.id) + "\n\n"
}

func hellperResolved(c *incRender) *message {
	inc := c.inc
	text := "The Incident <#" + inc.channel.id + "> has been resolved by " + mention(inc.commander.id)
	m := botSay(c.tool, text)
	body := text + "\n\n*Description:* `" + inc.mode.fix + "`\n"
	m.attach = []obj{{{"id", 1}, {"color", "6FFF47"}, {"fallback", body}, {"text", body}}}
	return m
}

func hellperClosed(c *incRender) *message {
	inc := c.inc
	text := "The Incident <#" + inc.channel.id + "> has been closed by " + mention(inc.commander.id)
	m := botSay(c.tool, text)
	body := text + "\n\n*Feature:* `" + inc.mode.key + "`\n*Severity:* `" + inc.sevLabel + "`\n*Responsibility:* `Product`\n*Root cause:* `" + inc.mode.fix + "`\n\n"
	m.attach = []obj{{{"id", 1}, {"color", "6FFF47"}, {"fallback", body}, {"text", body}}}
	return m
}

// PagerDuty: the trigger carries its state in an attachment.

func pdTriggered(c *incRender) *message {
	m := botSay(c.bs.pagerduty, "Triggered "+pdTitle(c))
	m.attach = pdAttachment(c, "Triggered")
	return m
}

func pdTitle(c *incRender) string {
	return fmt.Sprintf("#PD%d: [%s] %s", c.inc.number, c.inc.svc.name, fill(c.inc.mode.alert, c.vars))
}

func pdAttachment(c *incRender, state string) []obj {
	inc := c.inc
	color := map[string]string{"Triggered": "F35A00", "Acknowledged": "FFB000", "Resolved": "36A64F"}[state]
	urgency := "High"
	if inc.sev >= 3 {
		urgency = "Low"
	}
	return []obj{{
		{"id", 1},
		{"color", color},
		{"fallback", state + " " + pdTitle(c)},
		{"title", pdTitle(c)},
		{"title_link", fmt.Sprintf("https://acme.pagerduty.com/incidents/Q%s", c.r.str(upperAlnum, 13))},
		{"fields", []obj{
			{{"title", "Status"}, {"value", state}, {"short", true}},
			{{"title", "Urgency"}, {"value", urgency}, {"short", true}},
			{{"title", "Priority"}, {"value", inc.sevLabel}, {"short", true}},
			{{"title", "Service"}, {"value", inc.alias}, {"short", true}},
			{{"title", "Assigned"}, {"value", inc.acker.realName()}, {"short", true}},
		}},
		{"mrkdwn_in", []string{"fields"}},
	}}
}

// Other message shapes.

func legacyFileShare(b *builder, p *person, t int64) *message {
	m := &message{subtype: "file_share", userID: p.id, ts: t}
	f := b.newFile(m, b.r.chance(0.5))
	f.created = t / usSecond
	m.file = f
	m.text = mention(p.id) + " uploaded a file: <https://" + teamDomain + ".slack.com/files/" + p.id + "/" + f.id + "/" + f.name + "|" + f.title + ">"
	m.extra = obj{{"upload", true}, {"display_as_bot", false}, {"username", "<@" + p.id + "|" + p.handle + ">"}, {"bot_id", nil}}
	return m
}

func huddle(b *builder, host *person, people []*person, start int64) *message {
	r := b.r
	var ids []string
	for _, p := range people {
		ids = append(ids, p.id)
	}
	room := r.slackID('R')
	endS := start/usSecond + r.Int64N(3600) + 120
	return &message{subtype: "huddle_thread", userID: host.id, text: "", extra: obj{
		{"room", obj{
			{"id", room}, {"name", ""}, {"media_server", ""}, {"created_by", host.id},
			{"date_start", start / usSecond}, {"date_end", endS},
			{"participants", []string{}}, {"participant_history", ids},
			{"participants_camera_on", []string{}}, {"participants_camera_off", []string{}},
			{"participants_screenshare_on", []string{}}, {"participants_screenshare_off", []string{}},
			{"canvas_thread_ts", nil}, {"thread_root_ts", nil}, {"channels", []string{b.ch.id}},
			{"is_dm_call", false}, {"was_rejected", false}, {"was_missed", false}, {"was_accepted", false},
			{"has_ended", true}, {"background_id", "GRADIENT_03"}, {"canvas_background", "GRADIENT_03"},
			{"is_prewarmed", false}, {"is_scheduled", false}, {"attached_file_ids", []string{}},
			{"media_backend_type", "free_willy"}, {"display_id", ""}, {"external_unique_id", r.uuid()},
			{"app_id", "A00"}, {"call_family", "huddle"}, {"pending_invitees", obj{}}, {"last_invite_status_by_user", obj{}},
		}},
		{"no_notifications", false},
		{"permalink", "https://" + teamDomain + ".slack.com/call/" + room},
	}}
}

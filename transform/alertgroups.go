// Alert groups, part of stage 3 (timelines): an alerting bot that posts a
// new top-level message for every notification of one alert group, as
// Prometheus Alertmanager's default Slack template does ("[FIRING:2] …",
// the same again every repeat_interval, then "[RESOLVED] …"; see
// docs/bots.md), leaves one incident's story in several threads of a
// shared channel. They are one incident: the first FIRING post opens it,
// repeats while it is unresolved join it, the RESOLVED post resolves it.
package transform

import (
	"regexp"
	"strings"
)

// alertGroup is an alert group's open incident and the messages it holds.
type alertGroup struct {
	inc      *incident
	msgs     []*message
	declared *signal
}

// alertMarker matches the status marker that opens an Alertmanager-style
// title: [FIRING:n] or [RESOLVED].
var alertMarker = regexp.MustCompile(`(?i)^\W{0,3}\[(firing(?::\d+)?|resolved)\]\s*(\S[^\n]*)`)

// alertGroupOf returns a top-level alert post's state ("firing" or
// "resolved") and group key (its title without the marker), or "" when
// the post carries no such marker.
func alertGroupOf(m *message) (state, key string) {
	if m.class != alertBot || m.isReply() {
		return "", ""
	}
	sm := alertMarker.FindStringSubmatch(firstLine(m.content))
	if sm == nil {
		return "", ""
	}
	state = "firing"
	if strings.EqualFold(sm[1], "resolved") {
		state = "resolved"
	}
	return state, m.channelID + "\x00" + strings.ToLower(strings.Join(strings.Fields(sm[2]), " "))
}

// foldAlertGroup handles a shared-channel thread whose top-level post is a
// marked alert notification, and reports whether it did: a post of a group
// with an open incident joins that incident (which is assembled again with
// it); a FIRING post of no open group opens one; a RESOLVED post of a
// group whose incident people already resolved joins that incident. A
// RESOLVED post of no known group is left to the other rules.
func (b *build) foldAlertGroup(ch *channelInfo, msgs []*message) bool {
	state, key := alertGroupOf(msgs[0])
	if key == "" {
		return false
	}
	if b.alertGroups == nil {
		b.alertGroups = map[string]*alertGroup{}
	}
	if g := b.alertGroups[key]; g != nil && g.inc.events["resolved"] == nil {
		g.msgs = append(g.msgs, msgs...)
		*g.inc = *b.asm.assemble(ch, g.msgs, g.declared)
		if g.inc.events["resolved"] != nil {
			delete(b.alertGroups, key)
		}
		return true
	}
	// The group's RESOLVED after people resolved its incident in the
	// thread (the alert cleared after the fix): the end of that incident's
	// alert, not a new incident. It joins it and closes the group; an
	// alert's recovery never moves a resolution people stated.
	if g := b.alertGroups[key]; g != nil && state == "resolved" {
		g.msgs = append(g.msgs, msgs...)
		*g.inc = *b.asm.assemble(ch, g.msgs, g.declared)
		delete(b.alertGroups, key)
		return true
	}
	if state != "firing" {
		return false
	}
	for i := range msgs[0].signals {
		s := &msgs[0].signals[i]
		if s.kind == "declared" || s.kind == "detected" {
			inc := b.asm.assemble(ch, msgs, s)
			b.incidents = append(b.incidents, inc)
			b.alertGroups[key] = &alertGroup{inc: inc, msgs: msgs, declared: s}
			return true
		}
	}
	return false
}

// Announcements, part of stage 3 (timelines): an incident bot's post in a
// shared channel that points to an incident channel, by link (<#C…>) or by
// the channel's name, is that incident's announcement, never a second
// incident. Some bots keep the incident's state in it: Monzo Response's
// headline post in #incidents is rewritten in place to "Status: Resolved"
// when someone presses its Close button, and nothing is posted in the
// incident channel; Netflix Dispatch tells its notification channels about
// the change to Closed, and the incident channel nothing but its archive
// (docs/bots.md). What an announcement says and the channel does not is
// carried to the channel's incident.
package transform

import (
	"fmt"
	"regexp"
	"slices"
)

// carriedKinds are the lifecycle events an announcement may supply to the
// incident it points to, when the incident's channel shows none.
var carriedKinds = []string{"mitigated", "resolved", "closed"}

// channelNameToken finds the words of a post that could be channel names.
var channelNameToken = regexp.MustCompile(`[a-z0-9][a-z0-9_-]{2,79}`)

// announced returns the channel incident a shared-channel post points to,
// or nil. Shared channels are read after incident channels, so every
// channel incident is assembled by then.
func (b *build) announced(ch *channelInfo, m *message) *incident {
	if b.channelIncidents == nil {
		b.channelIncidents = map[string]*incident{}
		for _, inc := range b.incidents {
			if inc.kind == "channel" {
				b.channelIncidents[inc.channel.id] = inc
				b.channelIncidents["#"+inc.channel.name] = inc
			}
		}
	}
	for _, mm := range channelMentions.FindAllStringSubmatch(m.content, -1) {
		if inc := b.channelIncidents[mm[1]]; inc != nil && mm[1] != ch.id {
			return inc
		}
	}
	for _, w := range channelNameToken.FindAllString(m.lower, -1) {
		if inc := b.channelIncidents["#"+w]; inc != nil {
			return inc
		}
	}
	return nil
}

// foldAnnouncement handles a shared-channel thread whose top-level post an
// incident bot wrote about a channel that holds an incident, and reports
// whether it did.
func (b *build) foldAnnouncement(ch *channelInfo, msgs []*message) bool {
	top := msgs[0]
	if top.class != incidentBot {
		return false
	}
	target := b.announced(ch, top)
	if target == nil {
		return false
	}
	slim := &message{channelID: top.channelID, ts: top.ts, at: top.at, edited: top.edited, userID: top.userID, subtype: top.subtype, class: top.class}
	for _, kind := range carriedKinds {
		// A bot's close is its resolution, as in the incident channel.
		fills := kind == "closed" && target.events["resolved"] == nil
		if target.events[kind] != nil && !fills {
			continue
		}
		for i := range top.signals {
			s := top.signals[i]
			if s.kind != kind || !s.strong {
				continue
			}
			s.msg = slim
			s.evidence = fmt.Sprintf("(announcement in #%s) %s", ch.name, s.evidence)
			target.signals = append(target.signals, s)
			carried := &target.signals[len(target.signals)-1]
			if target.events[kind] == nil {
				target.setSignal(kind, carried)
			}
			if fills && !slices.Contains(s.rule.events, "resolved") {
				target.setSignal("resolved", carried)
			}
			break
		}
	}
	return true
}

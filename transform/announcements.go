// Announcements, part of stage 3 (timelines): an incident bot's post in a
// shared channel that points to an incident channel (<#C…>) is that
// incident's announcement, not a second incident. Some bots keep the
// incident's state in it and rewrite it in place: Monzo Response's
// headline post in #incidents turns to "Status: Resolved" when someone
// presses its Close button, and nothing is posted in the incident channel
// (docs/bots.md). What the announcement says and the channel does not is
// carried to the channel's incident.
package transform

import "fmt"

// carriedKinds are the lifecycle events an announcement may supply to the
// incident it points to, when the incident's channel shows none.
var carriedKinds = []string{"mitigated", "resolved", "closed"}

// foldAnnouncement handles a shared-channel thread whose top-level post an
// incident bot wrote pointing to a channel that holds an incident, and
// reports whether it did. Shared channels are read after incident
// channels, so that incident is already assembled.
func (b *build) foldAnnouncement(ch *channelInfo, msgs []*message) bool {
	top := msgs[0]
	if top.class != incidentBot {
		return false
	}
	mention := channelMention.FindStringSubmatch(top.content)
	if mention == nil || mention[1] == ch.id {
		return false
	}
	var target *incident
	for _, inc := range b.incidents {
		if inc.kind == "channel" && inc.channel.id == mention[1] {
			target = inc
			break
		}
	}
	if target == nil {
		return false
	}
	for _, kind := range carriedKinds {
		if target.events[kind] != nil {
			continue
		}
		for i := range top.signals {
			s := top.signals[i]
			if s.kind != kind || !s.strong {
				continue
			}
			s.msg = &message{channelID: top.channelID, ts: top.ts, at: top.at, edited: top.edited, userID: top.userID, subtype: top.subtype, class: top.class}
			s.evidence = fmt.Sprintf("(announcement in #%s) %s", ch.name, s.evidence)
			target.signals = append(target.signals, s)
			target.setSignal(kind, &target.signals[len(target.signals)-1])
			break
		}
	}
	return true
}

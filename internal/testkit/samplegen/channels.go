package samplegen

import (
	"fmt"
	"strings"
	"time"
)

// noiseKind selects a noise channel's generator.
type noiseKind int

const (
	noiseNone noiseKind = iota
	noiseGeneral
	noiseRandom
	noiseEngBackend
	noiseDeploys
	noiseHandoff
	noiseReviews
	noiseAlerts
	noiseShared // the non-incident chatter of #incidents
)

var noiseChannels = []struct {
	name, purpose string
	kind          noiseKind
	rate          float64 // top-level posts per weekday at scale 1
	trap          bool
}{
	{"general", "Company-wide announcements and work-based matters", noiseGeneral, 40, false},
	{"random", "Non-work banter and water cooler conversation", noiseRandom, 26, false},
	{"eng-backend", "Backend engineering: design, code review, questions", noiseEngBackend, 44, false},
	{"deploys", "Deploy notifications from Shipit", noiseDeploys, 38, false},
	{"oncall-handoff", "On-call handoffs and pager summaries", noiseHandoff, 1.2, false},
	{"incident-reviews", "Notes from the weekly incident review meeting", noiseReviews, 0.6, true},
	{"alerts-prod", "Production alerts from Datadog, Grafana and Alertmanager", noiseAlerts, 28, false},
}

func (p *plan) channelID(r *rnd) string {
	for {
		id := r.slackID('C')
		if !p.usedIDs[id] {
			p.usedIDs[id] = true
			return id
		}
	}
}

func (p *plan) channelName(name string) string {
	name = strings.Trim(name, "-")
	if len(name) > 80 {
		name = strings.TrimRight(name[:80], "-")
	}
	base := name
	for i := 2; p.usedNames[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	p.usedNames[name] = true
	return name
}

func (p *plan) planChannels(r *rnd) {
	days := float64(p.end-p.start) / float64(usDay)
	founder := p.cat.byTeam["leadership"][0]
	for _, nc := range noiseChannels {
		ch := &channelPlan{
			id: p.channelID(r), name: p.channelName(nc.name), kind: chanNoise, noise: nc.kind, rate: nc.rate,
			purpose: nc.purpose, creator: founder.id,
			created: (p.start - r.between(200, 1500)*usDay) / usSecond,
		}
		if nc.trap {
			ch.kind = chanTrap
		}
		ch.estimate = int(nc.rate * days * p.opts.Scale * 1.6)
		p.channels = append(p.channels, ch)
		if nc.kind == noiseDeploys {
			p.cat.deploys = channelRef(ch)
		}
	}
	p.shared = &channelPlan{
		id: p.channelID(r), name: p.channelName("incidents"), kind: chanShared, noise: noiseShared, rate: 2.5,
		purpose: "Report production problems here. Each incident gets a thread or its own channel.",
		creator: p.cat.byTeam["sre"][0].id, created: (p.start - r.between(300, 900)*usDay) / usSecond,
	}
	p.shared.estimate = int(2.5 * days * p.opts.Scale * 3)
	p.cat.shared = p.shared.name
	p.channels = append(p.channels, p.shared)

	for _, inc := range p.incidents {
		if inc.thread {
			p.shared.threads = append(p.shared.threads, inc)
			p.shared.estimate += inc.chatter + 15
			inc.channel = p.shared
			continue
		}
		ch := &channelPlan{id: p.channelID(r), kind: chanIncident, private: inc.private, incident: inc, created: inc.declared / usSecond}
		name, short := p.incidentChannelName(r, inc)
		if inc.renameAt != 0 {
			ch.oldName = p.channelName(short)
		}
		ch.name = p.channelName(name)
		ch.creator = inc.creatorID(p.cat.bots)
		ch.estimate = inc.chatter + 25
		inc.channel = ch
		p.channels = append(p.channels, ch)
	}
}

// incidentChannelName names the channel the way the incident's tool would,
// and gives the short name a renamed channel started with.
func (p *plan) incidentChannelName(r *rnd, inc *incident) (name, short string) {
	t := time.UnixMicro(inc.declared).UTC()
	slug := titleSlug(inc.title, 36)
	if inc.private {
		slug = "sec-" + titleSlug(inc.mode.key+" "+inc.alias, 30)
	}
	switch inc.style {
	case styleDispatch:
		project := inc.svc.repo.name
		if inc.private {
			project = "security"
		}
		name = fmt.Sprintf("dispatch-%s-%s-%d", orgName, project, inc.number)
		return name, name
	case styleIncidentIO:
		short = fmt.Sprintf("inc-%d", inc.number)
		return short + "-" + slug, short
	case styleRootly:
		name = "inc-" + t.Format("2006-01-02") + "-" + slug
		return name, name
	case styleFireHydrant:
		name = fmt.Sprintf("incident-%d", inc.number)
		return name, name
	case stylePagerDuty:
		name = fmt.Sprintf("inc-pd%d", inc.number)
		return name, name
	case styleResponse:
		name = fmt.Sprintf("inc-%s-%d-%02d-%02d-%02d", strings.ToLower(t.Format("Jan")), t.Day(), t.Hour(), t.Minute(), t.Second())
		return name, name
	case styleHellper:
		// The person opening it names the channel (Hellper suggests
		// inc-my-incident).
		name = "inc-" + titleSlug(inc.alias+" "+inc.mode.key, 30)
		return name, name
	}
	short = fmt.Sprintf("inc-%d", inc.number)
	if inc.renameAt != 0 {
		return short + "-" + titleSlug(inc.alias+" "+inc.mode.key, 30), short
	}
	if r.chance(0.5) {
		return "inc-" + t.Format("2006-01-02") + "-" + titleSlug(inc.alias+" "+inc.mode.key, 30), short
	}
	return short, short
}

// toolBot is the incident tool that runs the incident, if any.
func (inc *incident) toolBot(bs *bots) *bot {
	switch inc.style {
	case styleDispatch:
		return bs.dispatch
	case styleIncidentIO:
		return bs.incidentio
	case styleRootly:
		return bs.rootly
	case styleFireHydrant:
		return bs.firehydrant
	case styleResponse:
		return bs.response
	case styleHellper:
		return bs.hellper
	case stylePagerDuty:
		return bs.pagerduty
	}
	return nil
}

// creatorID is who created the incident's channel.
func (inc *incident) creatorID(bs *bots) string {
	if b := inc.toolBot(bs); b != nil {
		return b.userID
	}
	if inc.declarer != nil {
		return inc.declarer.id
	}
	return inc.commander.id
}

package samplegen

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Lifecycle planning: when each incident's events happen, which quirks it
// carries, and how much people talk in it.

func clamp(x, lo, hi int64) int64 { return min(max(x, lo), hi) }

// schedule plans the lifecycle instants of one incident.
func (p *plan) schedule(r *rnd, inc *incident) {
	d := inc.declared
	if inc.alertBot != nil {
		inc.detected = d
		if !inc.thread {
			inc.detected = d + r.between(3, 25)*usSecond
		}
	}
	floor := max(d, inc.detected)
	inc.ack = floor + clamp(r.lognormal(4*usMinute, 0.9), 40*usSecond, 3*usHour) + r.Int64N(usSecond)
	ttr := clamp(r.lognormal(100*usMinute, 1.4), 10*usMinute, 8*usDay)
	switch inc.exclusion {
	case exMaintenance:
		ttr = clamp(r.lognormal(70*usMinute, 0.5), 15*usMinute, 6*usHour)
	case exDrill, exGameDay:
		ttr = clamp(r.lognormal(50*usMinute, 0.5), 15*usMinute, 5*usHour)
	case exTest:
		ttr = r.between(4, 20) * usMinute
	}
	inc.resolved = d + ttr + r.Int64N(usSecond)
	if inc.resolved < inc.ack+4*usMinute {
		inc.resolved = inc.ack + r.between(4, 30)*usMinute
	}
	if r.chance(0.85) && inc.exclusion != exTest {
		span := inc.resolved - inc.ack
		inc.mitigated = inc.ack + int64(float64(span)*(0.3+0.55*r.Float64()))
		inc.mitigated = clamp(inc.mitigated, inc.ack+2*usMinute, inc.resolved-2*usMinute)
	}

	switch inc.style {
	case styleFireHydrant, stylePagerDuty:
		inc.ackExplicit = true
	default:
		inc.ackExplicit = r.chance(0.6)
	}
	if inc.ackExplicit && r.chance(0.25) {
		inc.preAckChat = true
		if inc.ack-floor < 40*usSecond {
			inc.ack = floor + 40*usSecond + r.Int64N(30*usSecond)
		}
	}
	if inc.exclusion == exCancelled {
		inc.cancelAt = inc.ack + r.between(3, 40)*usMinute
		inc.mitigated, inc.resolved = 0, 0
		inc.archive = true
		inc.closeAt = inc.cancelAt + clamp(r.lognormal(30*usMinute, 0.8), 2*usMinute, 8*usHour)
		p.planChatter(r, inc)
		return
	}

	// The alert cleared before anyone answered: the first human reply comes
	// after the resolution (a recorded order violation).
	if inc.real() && inc.thread && inc.alertBot != nil && inc.alertBot != p.cat.bots.oncall && (inc.style == styleHuman || inc.style == stylePagerDuty) && r.chance(0.12) {
		inc.ackAfterResolve = true
		inc.ackExplicit, inc.preAckChat = false, false
		inc.mitigated = 0
		inc.resolved = d + r.between(3, 12)*usMinute + r.Int64N(usSecond)
		inc.ack = inc.resolved + r.between(5, 40)*usMinute
	}
	if inc.style == stylePagerDuty && inc.thread && r.chance(0.5) {
		inc.pdEdited = true
	}

	// An impact start stated explicitly, earlier than the declaration.
	// FireHydrant always states one in its Started milestone.
	if inc.style == styleFireHydrant || inc.real() && !inc.ackAfterResolve && r.chance(0.15) {
		backdate := inc.real() && (inc.style != styleFireHydrant || r.chance(0.2))
		inc.statedStart = d
		if backdate {
			inc.statedStart = d - clamp(r.lognormal(15*usMinute, 0.8), 3*usMinute, 3*usHour)
			inc.statedStart -= inc.statedStart % usMinute
		}
		if inc.style == styleFireHydrant {
			inc.statedAt = d + 2*usSecond
		} else {
			limit := inc.resolved
			if inc.mitigated != 0 {
				limit = inc.mitigated
			}
			inc.statedAt = inc.ack + r.between(60, 12*60)*usSecond
			if inc.statedAt >= limit-30*usSecond {
				inc.statedStart, inc.statedAt = 0, 0
			}
		}
	}

	switch inc.style {
	case styleIncidentIO:
		inc.closeAt = inc.resolved
		if inc.mitigated != 0 && inc.mitigated-inc.ack > 12*usMinute && r.chance(0.1) {
			inc.wrongStatusAt = inc.ack + (inc.mitigated-inc.ack)/3
		}
	case styleResponse:
		inc.humanAllClear = r.chance(0.5)
		inc.closeAt = inc.resolved
		if inc.humanAllClear {
			inc.closeAt = inc.resolved + clamp(r.lognormal(25*usMinute, 0.8), 2*usMinute, 12*usHour)
		}
		// Every other one of the rest is closed from the headline's Close
		// button (docs/bots.md). Counted, not drawn, so the random stream
		// and every other incident stay as they were.
		if !inc.humanAllClear {
			p.responseCloses++
			inc.buttonClose = p.responseCloses%2 == 0
		}
	case styleDispatch, styleHellper:
		inc.archive = true
	case styleRootly:
		inc.archive = r.chance(0.85)
	case styleFireHydrant:
		inc.archive = r.chance(0.5)
	case styleHuman, stylePagerDuty:
		inc.archive = !inc.thread && r.chance(0.3)
		if inc.style == styleHuman && inc.mitigated != 0 && inc.mitigated-inc.ack > 12*usMinute && r.chance(0.06) {
			inc.wrongStatusAt = inc.ack + (inc.mitigated-inc.ack)/3
		}
	}
	if (inc.style == styleHuman || inc.style == styleResponse && inc.humanAllClear) && r.chance(0.15) {
		inc.resolvedEditAt = inc.resolved + clamp(r.lognormal(90*usMinute, 1), 5*usMinute, 3*usDay)
	}
	if !inc.thread && (inc.style == styleIncidentIO || inc.style == styleHuman) && r.chance(0.05) {
		inc.renameAt = inc.ack + r.between(2, 20)*usMinute
		if inc.renameAt >= inc.resolved {
			inc.renameAt = 0
		}
	}

	// The postmortem: hours to days after the resolution (Dispatch posts its
	// review document when the incident goes stable); some never come.
	pmP := [...]float64{0.95, 0.9, 0.85, 0.6, 0.35}[max(inc.sev, 0)]
	switch inc.exclusion {
	case exGameDay:
		pmP = 0.5
	case exDrill:
		pmP = 0.3
	case exMaintenance, exTest:
		pmP = 0
	}
	if inc.ackAfterResolve {
		pmP = 0.1
	}
	if r.chance(pmP) {
		if inc.style == styleDispatch {
			base := inc.resolved
			if inc.mitigated != 0 {
				base = inc.mitigated
			}
			inc.pmAt = base + r.between(2, 12)*usMinute
			if inc.pmAt >= inc.resolved {
				inc.pmAt = inc.resolved + r.between(30, 120)*usSecond
			}
		} else {
			inc.pmAt = inc.resolved + clamp(r.lognormal(20*usHour, 0.9), usHour, 20*usDay)
		}
		inc.pmURL = postmortemURL(r, inc)
	}

	// The fix and the regression-test claim.
	if inc.real() && !inc.ackAfterResolve && r.chance(0.6) {
		after := inc.ack
		if inc.mitigated != 0 {
			after = inc.mitigated
		}
		if inc.resolved-after > 40*usMinute && r.chance(0.5) {
			inc.fixLinkAt = inc.resolved - r.between(3, 25)*usMinute
		} else {
			inc.fixLinkAt = inc.resolved + r.between(5, 180)*usMinute
		}
		inc.fixLinkAt = max(inc.fixLinkAt, after+usMinute) + r.Int64N(usSecond)
		withTests := r.chance(0.55)
		switch x := r.Float64(); {
		case x < 0.45:
			inc.fixLinks = []linkKind{linkPR}
		case x < 0.65:
			inc.fixLinks = []linkKind{linkCommit}
		case x < 0.85:
			inc.fixLinks = []linkKind{linkShortSHA}
		default:
			inc.fixLinks = []linkKind{linkPR, linkShortSHA}
		}
		inc.fixWithTestsNote = withTests && r.chance(0.3)
		inc.fix = &fix{repo: inc.svc.repo, summary: fill(inc.mode.fix, inc.vars), withTests: withTests, incidentID: inc.id}
		inc.fix.at = max(inc.fixLinkAt-clamp(r.lognormal(25*usMinute, 0.6), 2*usMinute, 3*usHour), d+usMinute)
		inc.fix.author = pick(r, inc.responders)
	} else if inc.real() && !inc.ackAfterResolve && r.chance(0.25) {
		inc.claimAt = inc.resolved + clamp(r.lognormal(6*usHour, 1.2), 10*usMinute, 4*usDay)
	}

	if inc.archive {
		last := inc.resolved + clamp(r.lognormal(3*usHour, 1), 5*usMinute, 3*usDay)
		if inc.style == styleDispatch {
			last = inc.resolved + clamp(r.lognormal(20*usMinute, 0.7), 2*usMinute, 6*usHour)
		}
		for _, t := range []int64{inc.pmAt, inc.fixLinkAt, inc.claimAt, inc.resolvedEditAt} {
			if t != 0 && t+5*usMinute > last {
				last = t + r.between(5, 60)*usMinute
			}
		}
		inc.closeAt = last + r.Int64N(usSecond)
		if inc.style == styleDispatch {
			// Dispatch archives the channel when the incident is Closed
			// (docs/bots.md): what people post comes before.
			for _, t := range []*int64{&inc.pmAt, &inc.fixLinkAt, &inc.claimAt} {
				if *t != 0 && *t >= inc.resolved {
					*t = max(inc.ack+usSecond, inc.resolved-r.between(60, 600)*usSecond)
				}
			}
			inc.closeAt = inc.resolved
		}
	}
	p.planChatter(r, inc)
}

func (p *plan) planChatter(r *rnd, inc *incident) {
	base := [...]float64{190, 150, 102, 62, 38}[max(inc.sev, 0)]
	end := inc.resolved
	if end == 0 {
		end = inc.cancelAt
	}
	hours := float64(end-inc.declared) / float64(usHour)
	n := base * (1 + 0.25*math.Log1p(hours)) * math.Exp(0.45*r.NormFloat64()) * p.opts.Scale
	if inc.thread {
		n *= 0.55
	}
	if !inc.real() {
		n *= 0.35
	}
	// People post at most about every 20 seconds on average.
	n = min(n, float64(end-inc.declared)/float64(20*usSecond)*max(1, p.opts.Scale))
	inc.chatter = max(int(n), 2)
}

// forceOpen keeps the newest incidents open at End, as any real workspace
// has a few.
func (p *plan) forceOpen(r *rnd) {
	open := 0
	for _, inc := range p.incidents {
		if inc.real() && inc.resolved > p.end {
			open++
		}
	}
	for _, inc := range slices.Backward(p.incidents) {
		if open >= 3 {
			break
		}
		if !inc.real() || inc.resolved > p.end || inc.ackAfterResolve {
			continue
		}
		shift := p.end - inc.resolved + r.between(2, 72)*usHour
		for _, t := range []*int64{&inc.resolved, &inc.closeAt, &inc.pmAt, &inc.fixLinkAt, &inc.claimAt, &inc.resolvedEditAt} {
			if *t != 0 {
				*t += shift
			}
		}
		if inc.fix != nil {
			inc.fix.at += shift
		}
		open++
	}
}

// linkRecurrences applies the definition the product uses: an incident
// recurs the most recent earlier real incident with the same signature
// whose impact started at most 30 days before its own.
func (p *plan) linkRecurrences() {
	byStart := slices.Clone(p.incidents)
	slices.SortStableFunc(byStart, func(a, b *incident) int { return cmp.Compare(a.startedAt(), b.startedAt()) })
	last := map[string]*incident{}
	for _, inc := range byStart {
		if !inc.real() {
			continue
		}
		if prev := last[inc.signature]; prev != nil && inc.startedAt()-prev.startedAt() <= 30*usDay {
			inc.recurrence = prev
		}
		last[inc.signature] = inc
	}
}

// startedAt is the truth's started_at: a stated start, else the earlier of
// detection and declaration.
func (inc *incident) startedAt() int64 {
	if inc.statedStart != 0 {
		return inc.statedStart
	}
	if inc.detected != 0 && inc.detected < inc.declared {
		return inc.detected
	}
	return inc.declared
}

func postmortemURL(r *rnd, inc *incident) string {
	slug := titleSlug(inc.title, 40)
	switch {
	case inc.style == styleDispatch || r.chance(0.35):
		return "https://docs.google.com/document/d/" + r.str(base62+"-_", 44) + "/edit"
	case inc.style == styleIncidentIO || r.chance(0.5):
		return "https://www.notion.so/acme/Post-mortem-" + slug + "-" + r.hex(32)
	default:
		return fmt.Sprintf("https://acme.atlassian.net/wiki/spaces/ENG/pages/%d/Postmortem+%s", 100000000+r.IntN(900000000), strings.ReplaceAll(slug, "-", "+"))
	}
}

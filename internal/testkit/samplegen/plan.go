package samplegen

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// The plan decides everything that crosses channel boundaries before any
// channel is written: the incidents and their lifecycle instants, the people
// in each, the fixes (so the repositories can be built and the SHAs quoted),
// and every channel's ID and name. Channels are then generated
// independently, in parallel, each from its own random stream.

type style int

const (
	styleDispatch style = iota
	styleIncidentIO
	styleRootly
	styleFireHydrant
	stylePagerDuty
	styleResponse
	styleHuman
	styleHellper
)

var styleNames = [...]string{"dispatch", "incidentio", "rootly", "firehydrant", "pagerduty", "response", "human", "hellper"}

func (s style) String() string { return styleNames[s] }

// Exclusion reasons, as truth.json spells them.
const (
	exDrill       = "drill"
	exGameDay     = "game_day"
	exMaintenance = "maintenance"
	exTest        = "test"
	exCancelled   = "cancelled"
)

type linkKind int

const (
	linkPR linkKind = iota
	linkCommit
	linkShortSHA
)

// incident is one planned incident. Times are µs; zero means the event
// does not happen. Events after the workspace's End are planned too and
// simply not written.
type incident struct {
	id        string
	style     style
	thread    bool
	svc       *service
	mode      *failureMode
	alias     string
	vars      map[string]string
	title     string
	sev       int // normalised 0..4; -1 when nobody stated one
	sevLabel  string
	exclusion string
	alertBot  *bot
	number    int
	private   bool
	signature string

	declared, detected, ack, mitigated, resolved, closeAt, pmAt, cancelAt int64
	statedStart, statedAt                                                 int64
	ackExplicit, preAckChat, humanAllClear, archive                       bool
	ackAfterResolve, pdEdited                                             bool
	// buttonClose: a Response incident closed from its headline's Close
	// button: nothing in the incident channel, the headline edited.
	buttonClose                             bool
	wrongStatusAt, resolvedEditAt, renameAt int64
	pmURL                                   string
	fix                                     *fix
	fixLinkAt                               int64
	fixLinks                                []linkKind
	fixWithTestsNote                        bool
	claimAt                                 int64
	chatter                                 int

	declarer   *person // the human who declared or reported it; nil for bots and alerts
	commander  *person
	acker      *person
	responders []*person
	channel    *channelPlan
	recurrence *incident
}

func (inc *incident) real() bool { return inc.exclusion == "" }

// channelKind says what a channel is for.
type channelKind int

const (
	chanIncident channelKind = iota
	chanShared
	chanNoise
	chanTrap
)

var channelKindNames = [...]string{"incident", "shared", "noise", "trap"}

type channelPlan struct {
	id, name, oldName string
	kind              channelKind
	private           bool
	created           int64 // seconds
	creator           string
	purpose           string
	noise             noiseKind
	rate              float64 // noise: top-level posts per weekday at scale 1
	incident          *incident
	threads           []*incident // shared channel: incidents that live in its threads
	estimate          int
}

type plan struct {
	opts       Options
	start, end int64
	cat        *catalog
	incidents  []*incident
	channels   []*channelPlan // every channel, incident channels by declaration
	shared     *channelPlan
	usedIDs    map[string]bool
	usedNames  map[string]bool
	la         *time.Location
	// responseCloses counts Response incidents closed by a person's
	// command or button (schedule).
	responseCloses int
}

func newPlan(opts Options, la *time.Location) *plan {
	r := newRnd(opts.Seed, "plan")
	end := opts.End.UnixMicro()
	p := &plan{
		opts: opts, end: end, start: end - int64(opts.Weeks)*7*usDay,
		cat: newCatalog(r), usedIDs: map[string]bool{}, usedNames: map[string]bool{}, la: la,
	}
	p.cat.phrases = &tuningPhrases
	if opts.HeldAside {
		p.cat.phrases = &heldAsidePhrases
	}
	p.planIncidents(r)
	p.planFixes(r)
	p.planChannels(r)
	return p
}

// hourWeights gives each hour of the window a weight by its local time in
// Los Angeles: the company works weekdays, with a thin night and weekend.
func (p *plan) hourWeights(day, evening, night, weekend float64) ([]int64, []float64) {
	first := p.start - p.start%usHour + usHour
	var starts []int64
	var ws []float64
	for t := first; t+usHour <= p.end; t += usHour {
		lt := time.UnixMicro(t).In(p.la)
		h, wd := lt.Hour(), lt.Weekday()
		w := night
		switch {
		case wd == time.Saturday || wd == time.Sunday:
			w = weekend
			if h < 9 || h > 21 {
				w = weekend / 2
			}
		case h >= 9 && h < 18:
			w = day
		case h >= 7 && h < 22:
			w = evening
		}
		starts = append(starts, t)
		ws = append(ws, w)
	}
	return starts, ws
}

// sampleTimes draws n instants from the hour weights.
func sampleTimes(r *rnd, starts []int64, ws []float64, n int) []int64 {
	cum := make([]float64, len(ws))
	var sum float64
	for i, w := range ws {
		sum += w
		cum[i] = sum
	}
	out := make([]int64, n)
	for i := range out {
		x := r.Float64() * sum
		j, _ := slices.BinarySearch(cum, x)
		j = min(j, len(starts)-1)
		out[i] = starts[j] + r.Int64N(usHour)/usSecond*usSecond
	}
	slices.Sort(out)
	return out
}

func (p *plan) planIncidents(r *rnd) {
	nReal := p.opts.Incidents
	nExtra := int(math.Round(float64(nReal) * 0.05))
	if nReal >= 5 {
		nExtra = max(nExtra, 1)
	}
	total := nReal + nExtra
	if total == 0 {
		return
	}
	starts, ws := p.hourWeights(3, 1.4, 0.45, 0.6)
	// Keep the first hours free so channels and threads start inside the
	// window, and the last minutes so the newest incident has a message.
	for i := range starts {
		if starts[i] < p.start+2*usHour || starts[i] > p.end-usHour {
			ws[i] = 0
		}
	}
	times := sampleTimes(r, starts, ws, total)
	for i := 1; i < len(times); i++ {
		times[i] = max(times[i], times[i-1]+usSecond) // one declaration per second
	}
	extra := map[int]string{}
	kinds := []string{exDrill, exDrill, exGameDay, exMaintenance, exMaintenance, exTest, exCancelled, exCancelled}
	for len(extra) < nExtra {
		i := r.IntN(total)
		if _, ok := extra[i]; !ok {
			extra[i] = pick(r, kinds)
		}
	}
	numbers := map[style]int{styleDispatch: 40 + r.IntN(20), styleIncidentIO: 1200 + r.IntN(300), styleFireHydrant: 300 + r.IntN(100), stylePagerDuty: 24000 + r.IntN(5000), styleHuman: 500 + r.IntN(100)}
	var lastSeen = map[string]int64{} // signature -> last declaration
	for i, t := range times {
		inc := &incident{id: fmt.Sprintf("T%04d", i+1), declared: t, exclusion: extra[i]}
		p.chooseKind(r, inc, lastSeen)
		numbers[inc.style] += 1 + r.IntN(3)
		if inc.style == stylePagerDuty {
			numbers[inc.style] += r.IntN(40)
		}
		inc.number = numbers[inc.style]
		p.choosePeople(r, inc)
		p.schedule(r, inc)
		lastSeen[inc.signature] = inc.declared
		p.incidents = append(p.incidents, inc)
	}
	p.forceOpen(r)
	p.linkRecurrences()
}

var (
	channelStyleWeights = []float64{0.17, 0.21, 0.15, 0.12, 0.04, 0.08, 0.18, 0.05}
	threadStyles        = []style{styleHuman, stylePagerDuty, styleIncidentIO}
	threadStyleWeights  = []float64{0.5, 0.35, 0.15}
	sevWeights          = []float64{0.02, 0.10, 0.30, 0.42, 0.16}
	alertBotWeights     = []float64{0.33, 0.17, 0.14, 0.10, 0.11, 0.07, 0.08}
)

func (p *plan) chooseKind(r *rnd, inc *incident, lastSeen map[string]int64) {
	security := inc.real() && r.chance(0.025)
	inc.thread = !security && inc.exclusion != exCancelled && r.chance(0.25)
	switch {
	case inc.exclusion == exCancelled:
		inc.style = styleRootly
	case security:
		inc.style = pick(r, []style{styleDispatch, styleRootly, styleIncidentIO, styleHuman})
		inc.private = true
	case inc.thread:
		inc.style = threadStyles[r.weighted(threadStyleWeights)]
	default:
		inc.style = style(r.weighted(channelStyleWeights))
	}
	if inc.exclusion != "" && inc.style == stylePagerDuty {
		inc.style = styleHuman
	}

	// Service and failure mode: a recurrence repeats an earlier signature;
	// otherwise prefer one not seen in the last 30 days, so accidental
	// recurrences stay rare.
	var svcs []*service
	var sw []float64
	for _, s := range p.cat.services {
		if !security || s.security {
			svcs = append(svcs, s)
			sw = append(sw, s.weight)
		}
	}
	var modes []*failureMode
	for _, m := range failureModes {
		if m.security == security {
			modes = append(modes, m)
		}
	}
	recurred := false
	if inc.real() && !security && r.chance(0.13) {
		var cands []*incident
		for _, prev := range slices.Backward(p.incidents) {
			if inc.declared-prev.declared > 27*usDay {
				break
			}
			if prev.real() && !prev.private {
				cands = append(cands, prev)
			}
		}
		if len(cands) > 0 {
			prev := pick(r, cands)
			inc.svc, inc.mode = prev.svc, prev.mode
			recurred = true
		}
	}
	if !recurred {
		for try := 0; ; try++ {
			inc.svc = svcs[r.weighted(sw)]
			inc.mode = pick(r, modes)
			last, seen := lastSeen[inc.svc.name+"/"+inc.mode.key]
			if !seen || inc.declared-last > 31*usDay || try >= 40 {
				break
			}
		}
	}
	inc.signature = inc.svc.name + "/" + inc.mode.key
	if !inc.real() {
		inc.signature = inc.svc.name + "/" + inc.exclusion
	}
	inc.alias = pick(r, inc.svc.aliases)
	inc.vars = map[string]string{
		"alias":    inc.alias,
		"pct":      strconv.FormatFloat(float64(5+r.IntN(600))/10, 'f', 1, 64),
		"ms":       strconv.Itoa(800 + 50*r.IntN(80)),
		"n":        strconv.Itoa(20 + r.IntN(4000)),
		"host":     fmt.Sprintf("ip-10-%d-%d-%d", r.IntN(32), r.IntN(256), 1+r.IntN(254)),
		"pod":      inc.svc.aliases[0] + "-" + r.str(kubeAlphabet, 10) + "-" + r.str(kubeAlphabet, 5),
		"ver":      fmt.Sprintf("v2026.%d.%d", 1+r.IntN(12), r.IntN(40)),
		"ip":       fmt.Sprintf("%d.%d.%d.%d", 45+r.IntN(150), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
		"id":       r.hex(4) + "-" + strconv.Itoa(100+r.IntN(9900)),
		"provider": inc.svc.provider,
	}
	inc.title = fill(inc.mode.title, inc.vars)
	switch inc.exclusion {
	case exDrill:
		inc.title = "[DRILL] " + inc.title
	case exGameDay:
		inc.title = "Game day: " + pick(r, []string{"fail over the ", "kill a zone under ", "chaos test of "}) + inc.alias
	case exMaintenance:
		inc.title = "Scheduled maintenance: " + pick(r, []string{"database upgrade for ", "certificate rotation on ", "node pool replacement for "}) + inc.alias
	case exTest:
		inc.title = "test incident, please ignore"
	case exCancelled:
		// A real-looking title: the cancellation marks it.
	}

	alertP := map[style]float64{styleDispatch: 0.5, styleIncidentIO: 0.5, styleRootly: 0.5, styleFireHydrant: 0.5, stylePagerDuty: 1, styleResponse: 0.2, styleHuman: 0.45}[inc.style]
	if inc.real() && r.chance(alertP) {
		if inc.style == stylePagerDuty {
			inc.alertBot = p.cat.bots.pagerduty
		} else {
			inc.alertBot = p.cat.bots.alertBots()[r.weighted(alertBotWeights)]
		}
	}
	// PagerDuty titles an incident as its alert; so does the truth for an
	// alert that opens a thread (see incRender.truth).
	if inc.style == stylePagerDuty {
		inc.title = fmt.Sprintf("[%s] %s", inc.svc.name, fill(inc.mode.alert, inc.vars))
	}

	sev := r.weighted(sevWeights)
	if !inc.real() {
		sev = 3 + r.IntN(2)
	}
	inc.sev, inc.sevLabel = severityLabel(r, inc.style, sev)

}

// severityLabel returns the normalised severity and the label the style
// would show for it.
func severityLabel(r *rnd, s style, sev int) (int, string) {
	switch s {
	case styleDispatch:
		sev = max(sev, 1)
		return sev, [...]string{"", "Critical", "High", "Medium", "Low"}[sev]
	case styleIncidentIO, styleResponse:
		sev = min(max(sev, 1), 3)
		return sev, [...]string{"", "Critical", "Major", "Minor"}[sev]
	case styleRootly:
		sev = min(sev, 3)
		return sev, fmt.Sprintf("SEV%d", sev)
	case styleFireHydrant:
		sev = max(sev, 1)
		return sev, fmt.Sprintf("SEV%d", sev)
	case stylePagerDuty:
		sev = max(sev, 1)
		return sev, fmt.Sprintf("P%d", sev)
	case styleHellper:
		sev = min(sev, 3)
		return sev, hellperSeverities[sev]
	}
	switch x := r.Float64(); {
	case x < 0.1:
		return -1, ""
	case x < 0.65:
		return sev, fmt.Sprintf("SEV%d", sev)
	case x < 0.9:
		sev = max(sev, 1)
		return sev, fmt.Sprintf("P%d", sev)
	default:
		sev = max(sev, 1)
		return sev, [...]string{"", "Critical", "High", "Medium", "Low"}[sev]
	}
}

func (p *plan) choosePeople(r *rnd, inc *incident) {
	team := p.cat.byTeam[inc.svc.team]
	sre := p.cat.byTeam["sre"]
	if r.chance(0.6) {
		inc.commander = pick(r, sre)
	} else {
		inc.commander = pick(r, team)
	}
	pool := append(append([]*person(nil), team...), sre...)
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	n := 2 + r.IntN(3) + max(0, 3-inc.sev)
	inc.responders = []*person{inc.commander}
	for _, q := range pool {
		if len(inc.responders) > n {
			break
		}
		if q != inc.commander {
			inc.responders = append(inc.responders, q)
		}
	}
	if r.chance(0.3) {
		inc.responders = append(inc.responders, pick(r, p.cat.byTeam["support"]))
	}
	if inc.alertBot == nil && inc.style != stylePagerDuty {
		if r.chance(0.5) {
			inc.declarer = pick(r, append(p.cat.byTeam["support"], p.cat.byTeam["product"]...))
		} else {
			inc.declarer = pick(r, team)
		}
		if inc.style == styleHuman && r.chance(0.4) {
			inc.declarer = inc.commander
		}
	}
	if inc.declarer == nil && inc.style == styleHuman && !inc.thread {
		inc.declarer = inc.commander // someone opens the channel after the alert
	}
	for _, q := range inc.responders {
		if q != inc.declarer {
			inc.acker = q
			break
		}
	}
}

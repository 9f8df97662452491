package samplegen

import "strings"

// Phrase banks. The truth puts each lifecycle event on exactly the message
// that carries it, so incident chatter states no event of this incident;
// it does use lifecycle words in other senses ("the resolved tickets",
// "the monitoring dashboard"), as people do.
//
// The signal banks come in two sets (phraseBanks): the tuning set, which
// the recognisers were written against, and the held-aside set, written
// afterwards and never tuned on (Options.HeldAside). Accuracy that counts
// is measured on the held-aside set.

// phraseBanks are the people's lifecycle phrases an incident is written with.
type phraseBanks struct {
	declarations, acks, mitigations, resolutions                            []string
	statusInvestigating, statusIdentified, statusMonitoring, statusResolved []string
}

var tuningPhrases = phraseBanks{
	declarations: declarations, acks: acks, mitigations: mitigations, resolutions: resolutions,
	statusInvestigating: statusInvestigating, statusIdentified: statusIdentified,
	statusMonitoring: statusMonitoring, statusResolved: statusResolved,
}

// heldAsidePhrases were written after the recognisers, in other words, and
// are never used to tune them. {title}, {sev} and {svc} are filled in.
var heldAsidePhrases = phraseBanks{
	declarations: []string{
		"Opening an incident: {title}{sev}",
		"raising an incident for {title}{sev}",
		"Starting an incident — {title}{sev}",
		"/incident declare {title}{sev}",
	},
	acks: []string{
		"got it, I'm taking this one",
		"ack, IC is me",
		"on it now",
		"Acknowledged — I'll lead",
		"taking point on this",
	},
	mitigations: []string{
		"reverted the bad config, errors are dropping",
		"mitigation is in place: traffic moved to the secondary",
		"the rollback finished and latency is recovering",
		"failover done, {svc} is serving again from the standby",
		"/incident mitigate",
	},
	resolutions: []string{
		"we're fully recovered, closing this out now",
		"resolved — {svc} has been healthy for 30 minutes",
		"this is fixed, thanks everyone",
		"all good now, {svc} is back to normal",
		"/incident resolve",
	},
	statusInvestigating: []string{
		"Investigating: {svc} requests are failing for some customers.",
		"We are aware of elevated latency on {svc} and are looking into it.",
	},
	statusIdentified: []string{
		"Identified: a faulty deploy of {svc} is the cause.",
		"The cause has been identified; a fix is in progress.",
	},
	statusMonitoring: []string{
		"Monitoring: a fix is live and we are watching {svc} closely.",
		"We rolled out a fix and are monitoring {svc}.",
	},
	statusResolved: []string{
		"Resolved: {svc} has fully recovered.",
		"This incident is resolved; {svc} is operating normally.",
	},
}

// investigation is what responders say while they work.
var investigation = []string{
	"looking at the dashboards now",
	"seeing a lot of `connection reset by peer` in the {svc} logs",
	"{user} can you pull the logs for {pod}?",
	"graphs for {svc}: <{dash}|dashboard>",
	"p99 is at {ms}ms right now",
	"error budget for {svc} is burning fast",
	"was there a deploy in the last hour?",
	"last deploy to {svc} was {ver}, about 20 minutes before the spike",
	"cpu on {host} is pegged at {pct}%",
	"I'll check the load balancer",
	"paging the database on-call",
	"support says customers are seeing timeouts on the checkout page",
	"nothing unusual in the slow query log",
	"{n} errors in the last 5 minutes",
	"+1, seeing the same from {region}",
	"queue depth is {n} and growing",
	"let's keep the discussion in this channel please",
	"pulling up the runbook: <https://wiki.acme.com/runbooks/{svc}|runbook>",
	"I'll take comms",
	"drafting a customer update",
	"traffic is about {pct}% above normal for this time of day",
	"could this be the cert rotation from yesterday?",
	"nope, not that",
	"does anyone have access to the {svc} prod console?",
	"the retries are making this worse",
	"{svc} pods are flapping between ready and not ready",
	"scaling {svc} up to {k} replicas",
	"that didn't change anything",
	"trying a config change on one canary pod first",
	"error rate dropping a bit",
	"can we get someone from {provider} on the line?",
	"opened a ticket with {provider} support",
	"{provider} status page shows nothing",
	"here is the trace: <https://tracing.acme.internal/trace/{id}|trace {id}>",
	"connections to the primary look saturated",
	"heap dump from {pod} attached",
	"gc pauses are up to {ms}ms",
	"who owns the {svc} feature flags?",
	"checking whether {region} is affected too",
	"it's only {region} as far as I can tell",
	"that lines up with the config push at the top of the hour",
	"I don't think that's related",
	"can someone confirm from the customer side?",
	"{user} any luck with the db?",
	"still looking",
	"draining {host} from the pool",
	"the canary looks healthy",
	"hmm, latency is spiky again",
	"{n} requests/sec hitting the fallback path",
	"upstream dependency errors: {pct}%",
	"kubectl shows {n} restarts on {pod}",
	"I see `OOMKilled` on two pods",
	"the disk on {host} is at {pct}%",
	"grafana panel for context: <{dash}|{svc} overview>",
	"let me try reproducing it in staging",
	"repro'd in staging",
	"couldn't repro in staging",
	"{user} do you have context on this code path?",
	"it's the batch job, it holds locks for minutes",
	"bumped the pool size on one instance to compare",
	"that instance looks better",
	"ok, numbers look better across the board now",
	"shifting traffic away from {region}",
	"customer support is asking for an ETA",
	"no ETA yet, I'll post an update in 15",
	"adding {user} who knows this service best",
	"thanks {user}",
	"the logs are noisy, filtering by request id {id}",
	"&gt; {pct}% of the errors come from one tenant",
	"turning off the recommendation widget to shed load",
	"writes are succeeding again, reads still slow",
	// Lifecycle words in other senses.
	"checking the monitoring dashboard for {svc}",
	"none of the resolved tickets from last week mention {svc}",
	"the monitoring stack itself looks healthy",
	"last time this was fixed by a restart, trying that on one pod",
}

// firstReplies open a conversation without saying "ack": when no explicit
// acknowledgement comes, the first of these is the acknowledgement.
var firstReplies = []string{
	"looking at the dashboards now",
	"taking a look",
	"I'm here, checking {svc}",
	"joining, what do we know so far?",
	"here, pulling up the graphs",
	"{svc} error rate is definitely up, checking logs",
}

// acks are explicit acknowledgements.
var acks = []string{
	"ack, I'm on it",
	"ack",
	"acked, looking now",
	"Acknowledged, I'm taking IC",
	"I'm on it",
	"ack — IC here",
	"/incident ack",
	// The incident commander's announcement, as PagerDuty's incident
	// response guide words it (github.com/PagerDuty/incident-response-docs,
	// docs/training/incident_commander.md @ 10eb80c0674c).
	"I am now the Incident Commander.",
}

// incCommands are incident.io slash-command echoes that change nothing in
// the lifecycle.
var incCommands = []string{"/inc lead {user}", "/inc update", "/inc summary", "/inc escalate", "/inc role comms {user}"}

// preAckChatter is a bystander's message before anyone acknowledges.
var preAckChatter = []string{
	"seeing this too from {region}",
	"customers are reporting errors on {svc}",
	"same here, {svc} is really slow for me",
	"is anyone looking at this?",
}

// statedStarts say when the impact began, with the time filled in.
var statedStarts = []string{
	"impact started around {time}",
	"looking at the graphs, impact started around {time}",
	"for the timeline: impact started at {time}, before we got paged",
}

// mitigations are human mitigation messages.
var mitigations = []string{
	"rolled back the deploy, error rate recovering",
	"rolled back to {ver}, error rate recovering",
	"mitigated: failed over to the standby, latency back under SLO",
	"mitigated by shedding the batch traffic; customers are unblocked",
	"/incident mitigate",
	"we're stable now, monitoring",
}

// resolutions are human resolution messages.
var resolutions = []string{
	"all clear :white_check_mark:",
	"/incident resolve",
	"resolved, closing this out",
	"This is resolved. Thanks all!",
	"all clear, {svc} is healthy again",
}

// Statuspage-style updates, posted by the incident commander.
var (
	statusInvestigating = []string{
		"Investigating – We are investigating elevated errors on {svc}.",
		"Investigating – We're looking into degraded performance of {svc}.",
	}
	statusIdentified = []string{
		"Identified – The issue has been identified and a change is being prepared.",
		"Identified – We found the cause in {svc} and are working on it.",
	}
	statusMonitoring = []string{
		"Monitoring – A change has been deployed and we are monitoring the results.",
		"Monitoring – {svc} error rates are back to normal; we're keeping an eye on it.",
	}
	statusResolved = []string{
		"Resolved – This incident has been resolved.",
		"Resolved – {svc} is fully operational.",
	}
	statusCorrection = []string{
		"Identified – Correction to the last update: we are still working on it.",
		"Identified – Sorry, that update went out too early; the work continues.",
	}
)

// afterwards are said once the incident is over.
var afterwards = []string{
	"thanks everyone :pray:",
	"nice work all",
	"great teamwork, thank you",
	"I'll put together the timeline",
	":raised_hands:",
}

// regressionClaims say a test was added, without a link.
var regressionClaims = []string{
	"added a regression test for this",
	"I've added a regression test for this so it can't sneak back",
	"FYI added a regression test covering the failing case",
}

// autoRecovered is the first human reply when the alert cleared on its own.
var autoRecovered = []string{
	"went away before I got to it, anyone know why?",
	"looks like it cleared up by itself",
	"I see it flipped back already; I'll dig into why tomorrow",
}

// declarations are human declarations; {title} and {sev} are filled in.
var declarations = []string{
	"Declaring an incident: {title}{sev}",
	":rotating_light: Declaring an incident: {title}{sev}",
	"I'm declaring an incident — {title}{sev}",
	"/incident declare {title}{sev}",
}

// sharedQuestions are top-level messages in #incidents that are not
// incidents, with the replies that settle them.
var sharedQuestions = []string{
	"is anyone else seeing slow builds on CI?",
	"is anyone else seeing 502s on the staging dashboard?",
	"anyone else getting logged out of the admin tool?",
	"heads up: the {svc} grafana board is slow to load",
	"who owns the {svc} runbook these days?",
	"is {svc} supposed to be this slow in staging?",
	"quick question: where do I find the on-call schedule for {svc}?",
	"anyone know why {svc} logs stopped showing up in Kibana for a minute?",
	// Ordinary conversation with lifecycle words in other senses.
	"does anyone know if resolved tickets get archived automatically?",
	"where is the monitoring dashboard for {svc}?",
	"reminder: incident review on Thursday, please add your notes",
	"thanks everyone for the quick fix yesterday!",
}

var sharedAnswers = []string{
	"nope, looks fine from here",
	"that's staging, it's being redeployed",
	"I think that was my VPN, never mind",
	"works for me now",
	"that's the {svc} team, ping {user}",
	"known flake, there's a ticket for it",
	"it's back",
	"thanks, that was it",
}

var generalPosts = []string{
	"Reminder: all-hands today at 10am PT in the big room and on Zoom",
	"Welcome {user} to the team! :wave:",
	"The office is closed on Monday for the holiday",
	"Benefits enrollment closes Friday, please check your inbox",
	"Quarterly planning docs are in the shared drive: <https://docs.google.com/document/d/{id}/edit|Q3 planning>",
	"Lunch & learn on Thursday: intro to our data platform",
	"Shoutout to {user} for the great demo yesterday :tada:",
	"Parking garage will be closed for maintenance on Saturday",
	"New hire onboarding slides: <https://wiki.acme.com/onboarding|onboarding>",
	"Please fill in the engagement survey by Wednesday",
	"Office wifi is being upgraded tonight",
	"Reminder to submit expenses before month end",
	"The {svc} team is hiring, referrals welcome",
	"Photos from the offsite are up :camera:",
	"Town hall recording is on the wiki",
	"Fire drill in the building at 2pm",
	"New coffee machine on the 4th floor :coffee:",
	"Happy work anniversary {user}!",
	"Security training is due by the end of the month",
	"The {n} bus is rerouted this week",
}

var randomPosts = []string{
	"lunch?",
	"anyone want coffee? heading out",
	"who left the cake in the kitchen :cake:",
	"look at this cat",
	"what's everyone reading these days?",
	"happy friday!",
	"the new ramen place on 3rd is great",
	"anyone going to the conference next month?",
	"TIL you can pipe curl into jq and it makes everything pretty",
	"it's raining again",
	"weekend plans?",
	"my plant finally has a new leaf :seedling:",
	"who's up for board games on Thursday?",
	"the sunset from the roof right now :city_sunset:",
	"anyone have a spare HDMI cable?",
	"recommendations for a podcast?",
	"there are donuts by the elevators :doughnut:",
	"my kid asked what I do at work and I said 'computers'",
	"{n} steps today, beat that",
	"playlist for focus time: <https://open.spotify.com/playlist/{id}|deep work>",
}

var engPosts = []string{
	"PR for the new pagination is up: <https://github.com/acme/{repo}/pull/{n}|acme/{repo}#{n}>",
	"does anyone know why {svc} pins an old grpc version?",
	"RFC: moving {svc} to the new queue library <https://docs.google.com/document/d/{id}/edit|doc>",
	"can I get a review on the schema change? it's small",
	"the flaky test in {svc} is back :upside_down_face:",
	"heads up, I'm upgrading the Go toolchain in CI today",
	"how do we usually version the protobufs?",
	"TIL about `EXPLAIN ANALYZE BUFFERS`",
	"is the staging database reset nightly?",
	"{user} can you pair with me on the {svc} migration?",
	"benchmarks for the new serializer: {pct}% faster on our payloads",
	"anyone have opinions on structured logging keys?",
	"we should add tracing to the {svc} batch path",
	"the design review for {svc} is moved to Thursday",
	"why does {svc} open a new connection per request?",
	"heads up: {svc} now requires Go 1.26 to build",
	"is anyone using the old metrics client still?",
	"I'm removing the dead code in {svc}'s cache layer, shout if you need it",
	"what's our convention for error wrapping in {svc}?",
	"profiling {svc}: {pct}% of CPU in JSON encoding",
	"the {svc} README is out of date, I'll send a PR",
	"does {svc} have a staging canary?",
	"lint is failing on main, looking",
	"proposal: one retry policy for all internal clients",
}

var reviewPosts = []string{
	"Agenda for this week's incident review: {refs}",
	"Incident review notes for the week are in the doc: <https://docs.google.com/document/d/{id}/edit|weekly review>",
}

var reviewReplies = []string{
	"for {ref}: the postmortem is still in draft, owner {user}",
	"{ref} was resolved quickly but we need a follow-up on alerting",
	"action item from {ref}: add a regression test and a dashboard",
	"{ref}: root cause was a config push, mitigated by rolling back",
	"can we talk about why {ref} took so long to acknowledge?",
	"{ref} looks like a repeat of last month's problem",
	"closed the action items for {ref}",
}

var handoffPosts = []string{
	"On-call handoff for {svc}: quiet week, {n} pages, nothing open",
	"Handing over primary on-call to {user}. Two noisy alerts on {svc} need tuning",
	"Handoff: one open follow-up from last week, see {ref}",
	"Weekly pager summary: {n} alerts, {pct}% actionable",
}

var regions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}

// Light variation so that a phrase bank does not read as a loop: a lead-in
// or a tail now and then. Never applied to status updates or commands,
// whose shape is what a recogniser keys on.
var (
	leadIns = []string{"ok ", "hmm, ", "fwiw ", "so ", "btw ", "quick note: ", "update: ", "FYI "}
	tails   = []string{" :eyes:", " :thinking_face:", " 🙏", " (checking)", "!", "…", " :thumbsup:"}
)

func vary(r *rnd, s string) string {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "<") {
		return s
	}
	switch x := r.Float64(); {
	case x < 0.12:
		lead := pick(r, leadIns)
		if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z' {
			s = strings.ToLower(s[:1]) + s[1:]
		}
		return lead + s
	case x < 0.22:
		return s + pick(r, tails)
	}
	return s
}

package transform

import (
	"strings"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// Go benchmarks of transform's per-message hot paths (issue 11 item 3),
// run by `make bench-go` and compared with benchstat. The inputs are fixed
// here, not generated or read from fixtures other work edits, so a change
// in the figures is a change in the code or the default recognisers. Names
// are stable: rename one only with a note in docs/benchmarks.md.

// benchMix is one incident channel's worth of messages in the proportions
// a busy incident shows: mostly people talking, some bot and alert posts,
// a few Slack system messages. The texts follow the shapes of the style and
// bot fixtures under testdata/.
var benchMix = []struct {
	cl      class
	subtype string
	text    string
}{
	{incidentBot, "", ":rotating_light: A new incident has been declared: INC-4821: Checkout error rate above 5% (SEV2)\n*Severity:* SEV2\n*Service:* checkout-api"},
	{alertBot, "", "[FIRING:3] HighErrorRate checkout-api (prod) error rate 7.2% > 5% for 5m https://grafana.example.com/d/abc?orgId=1"},
	{system, "channel_join", "<@U0A1B2C3> has joined the channel"},
	{system, "channel_topic", "set the channel topic: Checkout errors | Status: Active | Severity: High | Priority: P2"},
	{human, "", "ack, looking into it"},
	{human, "", "I'm on it, pulling up the dashboards"},
	{human, "", "seeing a spike of 502s from the checkout pods since 14:02 UTC"},
	{human, "", "is this related to the deploy from this morning?"},
	{human, "", "possibly, deploy v2026.11.3 went out at 13:55"},
	{human, "", "impact started around 14:02 UTC, about 4% of checkouts failing"},
	{human, "", "<@U0A1B2C4> can you check the payments side?"},
	{human, "", "payments looks fine, latency normal"},
	{human, "", "db connections are maxed out on db-12.prod.internal"},
	{human, "", "here's the graph https://grafana.example.com/d/xyz/checkout?from=now-1h"},
	{human, "", "we are investigating elevated error rates on checkout"},
	{incidentBot, "", "Status changed from Triage → Investigating by <@U0A1B2C3>"},
	{human, "", "rolling back to v2026.11.2"},
	{human, "", "rollback is done, error rates are recovering"},
	{human, "", "yeah 5xx is dropping"},
	{alertBot, "", "[RESOLVED] HighErrorRate checkout-api (prod)"},
	{human, "", "looks stable now"},
	{incidentBot, "", "Status changed from Investigating → Monitoring"},
	{human, "", "Monitoring - a fix has been implemented and we are monitoring the results."},
	{human, "", "root cause: the new connection pool size was 10x too small, see https://github.com/acme/checkout/pull/4512"},
	{human, "", "fixed in 3f2a9c1d, added a regression test for the pool config"},
	{human, "", "thanks all :pray:"},
	{human, "", "np"},
	{human, "", "should we page the db team next time?"},
	{human, "", "let's discuss in the postmortem"},
	{human, "", "ok"},
	{human, "", "all clear, closing this"},
	{incidentBot, "", "Status changed from Monitoring → Resolved"},
	{human, "", "Postmortem doc: https://docs.example.com/postmortems/INC-4821 please add your notes by Friday"},
	{bot, "", "Reminder: the incident review for INC-4821 is scheduled for Thursday 10:00"},
	{human, "", "ticket for the follow-up https://acme.atlassian.net/browse/OPS-1234"},
	{human, "", "I'll take that one"},
	{human, "", "&gt; db connections are maxed out\nthat was the real signal, we should alert on it"},
	{alertBot, "", "Triggered: #PD12345: Disk space low on db-12 (91%)"},
	{human, "", "unrelated, it's the backup volume, ignoring"},
	{system, "channel_archive", "archived the channel"},
}

// benchMessages are benchMix as readBatch builds them.
func benchMessages() []*message {
	start := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	msgs := make([]*message, len(benchMix))
	for i, b := range benchMix {
		m := &message{ts: "1795186800.000100", at: start.Add(time.Duration(i) * time.Minute), class: b.cl, subtype: b.subtype, author: "bench"}
		m.content = normalise(b.text)
		m.lower = strings.ToLower(m.content)
		msgs[i] = m
	}
	return msgs
}

func benchClassifier(b *testing.B) *classifier {
	cfg, err := config.Default()
	if err != nil {
		b.Fatal(err)
	}
	cls, err := newClassifier(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return cls
}

// perMessage reports the time per message besides the time per op.
func perMessage(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
}

// BenchmarkClassify runs every default recogniser over the mix: one op is
// the whole mix (len(benchMix) messages).
func BenchmarkClassify(b *testing.B) {
	cls := benchClassifier(b)
	msgs := benchMessages()
	b.ReportAllocs()
	for b.Loop() {
		cls.memo = newMemo() // each op reads every text, as the first sight of it does
		for _, m := range msgs {
			m.signals = cls.classify(m)
		}
	}
	perMessage(b, len(msgs))
}

// benchChatter is what most of an incident channel says: people talking
// about the problem in words no recogniser reads, or reads only after its
// keywords and the words its pattern requires (prefilter.go).
var benchChatter = []string{
	"can someone share the dashboard link again?",
	"I think the errors come from the new config, the timeouts look different from yesterday",
	"from what I can see the queue is still growing, between the two workers it's about 3k behind",
	"the pods restarted twice in the last hour, should we bump the memory limit?",
	"<@U0A1B2C4> do you have access to the billing logs? I can't see anything older than 2 days",
	"latency p99 went from 300ms to 1.2s around the time of the deploy",
	"here are the numbers from the load balancer, nothing unusual on the edge",
	"ok so it's not the network, the packets are fine",
	"I'll ping the vendor and see if they have anything on their side",
	"looks like the cache hit ratio dropped, available memory is fine though",
	"should be easy to reproduce in staging, give me 10 minutes",
	"we saw the same pattern last month with the search cluster",
}

// BenchmarkClassifyChatter runs every default recogniser over
// benchChatter: one op is all of it.
func BenchmarkClassifyChatter(b *testing.B) {
	benchClassify(b, benchChatter, human, "bench")
}

// benchAlerts are alerting bots' posts as messages.sql gives them (text,
// then attachment title, text and fallback), the shape of the long
// incidents' deploy and alert chatter in the few-channels benchmark:
// nearly every one matches alert-fires ('\S') and title-alert (line by
// line), so what a match costs counts more than what a miss does.
var benchAlerts = []string{
	"[FIRING:1] DBConnectionPoolExhausted (storefront critical)\n[FIRING:1] DBConnectionPoolExhausted (storefront critical) | https://alertmanager.acme.internal/#/alerts?receiver=slack-incidents",
	"Triggered: [P3] Error spike on mobile-bff after config change\nerrors up 15% since config push 849881\n@slack-incidents",
	"Recovered: [P3] Error spike on mobile-bff after config change\n*<https://app.datadoghq.com/monitors/51425075|Recovered: [P3] Error spike on mobile-bff after config change>*\nerrors up 15% since config push 849881\nservice:mobile-bff · env:prod · P3",
	"[FIRING:3] HighErrorRate checkout-api (prod) error rate 7.2% > 5% for 5m https://grafana.example.com/d/abc?orgId=1\nsummary: error rate above threshold\ndescription: 5xx responses over 5% of requests for 5 minutes\nservice: checkout-api\nseverity: critical\nrunbook: https://runbooks.example.com/checkout/high-error-rate",
	"[RESOLVED] HighErrorRate checkout-api (prod)\nservice: checkout-api\nseverity: critical",
	"Alert: p99 latency above 2s on search-api\nhost: search-7.prod.internal\nvalue: 2.41s\nthreshold: 2s",
}

// BenchmarkClassifyAlerts runs every default recogniser over the alert
// posts (one op is all of them).
func BenchmarkClassifyAlerts(b *testing.B) {
	benchClassify(b, benchAlerts, alertBot, "Datadog")
}

// benchClassify runs every default recogniser over texts, posted by
// author of class cl (one op is all of them); each op reads every text as
// the first sight of it does.
func benchClassify(b *testing.B, texts []string, cl class, author string) {
	cls := benchClassifier(b)
	msgs := make([]*message, len(texts))
	for i, text := range texts {
		m := &message{ts: "1795186800.000100", at: time.Date(2026, 11, 20, 14, i, 0, 0, time.UTC), class: cl, author: author}
		m.content = normalise(text)
		m.lower = strings.ToLower(m.content)
		msgs[i] = m
	}
	b.ReportAllocs()
	for b.Loop() {
		cls.memo = newMemo()
		for _, m := range msgs {
			m.signals = cls.classify(m)
		}
	}
	perMessage(b, len(msgs))
}

// BenchmarkNormalise prepares the mix's texts for matching (entities,
// mrkdwn markers, emoji codes, lowercase), as readBatch does per message.
func BenchmarkNormalise(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range benchMix {
			c := normalise(x.text)
			_ = strings.ToLower(c)
		}
	}
	perMessage(b, len(benchMix))
}

// benchTitles are alert names and titles of one failure and of others, as
// recurrences signs them.
var benchTitles = []string{
	"ErrorSpikeAfterConfigChange",
	"[checkout] Error spike on checkout after config change",
	"NodeDiskSpaceLow billing (prod)",
	"Disk space low on billing",
	"checkout-api in CrashLoopBackOff after deploy v2026.2.2",
	"High5xxRate checkout (prod)",
	"[P3] High 5xx rate on checkout",
	"Replica lag of 557s on the db (host db-12.prod.internal)",
	"[FIRING:3] KubePodCrashLooping payments-7f9c6d5b8-x2x9z",
	"INC-4821: Checkout error rate above 5% (SEV2)",
	"Triggered: #PD12345: Disk space low on db-12 (91%)",
	"Elevated latency on search from 10.0.3.17:8443 :fire:",
	"Payments webhook failures for request 3f2a9c1d-0b1e-4c6a-9d2f-8e7b6a5c4d3e",
	"Login outage",
	"Queue backlog growing on orders-worker-3.staging.svc.cluster.local",
	"certificate expiry on api.acme.com",
}

// BenchmarkSignature normalises the titles for recurrence keys: one op is
// all of benchTitles.
func BenchmarkSignature(b *testing.B) {
	skip := map[string]bool{"checkout": true, "billing": true}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range benchTitles {
			signature(s, skip)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchTitles)), "ns/title")
}

// BenchmarkExtractLinks finds the fix, ticket and postmortem links of the
// mix as one incident: one op is the whole incident.
func BenchmarkExtractLinks(b *testing.B) {
	cls := benchClassifier(b)
	msgs := benchMessages()
	var sigs []signal
	for _, m := range msgs {
		m.signals = cls.classify(m)
		sigs = append(sigs, m.signals...)
	}
	if n := len(extractLinks(msgs, sigs)); n < 4 {
		b.Fatalf("the mix gives %d links; want its PR, SHA, ticket and postmortem", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		extractLinks(msgs, sigs)
	}
	perMessage(b, len(msgs))
}

// BenchmarkStatedTime parses the stated times people and bots write.
func BenchmarkStatedTime(b *testing.B) {
	said := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	in := []string{"14:02 UTC", "2:05pm", "13:40 PST", "2026-11-20 14:40:00 UTC", "23:59 +02:00", "9am eastern"}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range in {
			statedTime(s, said, time.UTC)
		}
	}
}

package samplegen

import (
	"fmt"
	"time"
)

// Alerting bots' posts. Each bot names the alert its own way; alertName
// returns that name with the bot's decoration ([P2], [FIRING:1], ALARM:)
// stripped, as truth.json records it.

func timeText(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func alertPriority(inc *incident) string {
	if inc.sev <= 0 {
		return "P1"
	}
	return fmt.Sprintf("P%d", inc.sev)
}

func cloudwatchAlarm(c *incRender) string { return c.inc.alias + "-" + c.inc.mode.alertID }

func alertName(c *incRender) string {
	inc := c.inc
	switch inc.alertBot {
	case c.bs.grafana, c.bs.alertmanager, c.bs.oncall:
		return inc.mode.alertID
	case c.bs.cloudwatch:
		return cloudwatchAlarm(c)
	case c.bs.sentry:
		return fill(inc.mode.exception, c.vars)
	case c.bs.pagerduty:
		return fmt.Sprintf("[%s] %s", inc.svc.name, fill(inc.mode.alert, c.vars))
	}
	return fill(inc.mode.alert, c.vars)
}

// alertPost is the bot's firing post, or its recovery when recovered.
func alertPost(c *incRender, recovered bool) *message {
	inc, bs, r := c.inc, c.bs, c.r
	title := fill(inc.mode.alert, c.vars)
	detail := fill(inc.mode.detail, c.vars)
	prio := alertPriority(inc)
	b := inc.alertBot
	m := botSay(b, "")
	switch b {
	case bs.datadog:
		head := "Triggered: [" + prio + "] " + title
		color := "e7505a"
		if recovered {
			head, color = "Recovered: ["+prio+"] "+title, "2eb67d"
		}
		link := fmt.Sprintf("https://app.datadoghq.com/monitors/%d", 10_000_000+r.IntN(90_000_000))
		if r.chance(0.5) {
			m.attach = []obj{{
				{"id", 1}, {"color", color}, {"fallback", head},
				{"title", head}, {"title_link", link},
				{"text", detail + "\n@slack-incidents"},
				{"footer", "Datadog"}, {"ts", inc.declared / usSecond},
				{"mrkdwn_in", []string{"text"}},
			}}
		} else {
			m.text = head
			m.blocks = []obj{
				sectionBlock(r, "*<"+link+"|"+head+">*"),
				sectionBlock(r, detail),
				contextBlock(r, "service:"+inc.alias+" · env:prod · "+prio),
			}
		}
	case bs.grafana:
		state, color := "FIRING:1", "D63232"
		if recovered {
			state, color = "RESOLVED", "36A64F"
		}
		head := "[" + state + "] " + inc.mode.alertID + " " + inc.alias + " (prod)"
		m.attach = []obj{{
			{"id", 1}, {"color", color}, {"fallback", head},
			{"title", head}, {"title_link", "https://grafana.acme.internal/alerting/list"},
			{"text", "**" + map[bool]string{false: "Firing", true: "Resolved"}[recovered] + "**\n\nValue: B=" + c.vars["pct"] + "\nLabels:\n - alertname = " + inc.mode.alertID + "\n - service = " + inc.alias + "\n - instance = " + c.vars["host"] + "\n"},
			{"footer", "Grafana v10.4.1"}, {"ts", inc.declared / usSecond},
		}}
	case bs.alertmanager:
		state, color := "FIRING:1", "danger"
		if recovered {
			state, color = "RESOLVED", "good"
		}
		// The default template (docs/bots.md): the title is the status
		// marker, the group labels' values, then the other common labels'
		// values in parentheses; the text is empty.
		head := "[" + state + "] " + inc.mode.alertID + " (" + inc.alias + " critical)"
		link := "https://alertmanager.acme.internal/#/alerts?receiver=slack-incidents"
		m.attach = []obj{{
			{"id", 1}, {"color", color}, {"fallback", head + " | " + link}, {"title", head},
			{"title_link", link}, {"text", ""},
		}}
	case bs.oncall:
		// An alert group from the Alertmanager integration (docs/bots.md),
		// grouped by alertname: no Severity line. Its post is rewritten
		// in place later (editAlertGroup); it has no separate recovery.
		link := fmt.Sprintf("https://oncall.acme.internal/a/grafana-oncall-app/alert-groups/I%s", r.str(upperAlnum, 12))
		m.blocks = []obj{
			sectionBlock(r, fmt.Sprintf("*<%s|#%d %s>* via Alertmanager", link, 100+inc.number%900, inc.mode.alertID)),
			sectionBlock(r, "Status: firing :fire: (on the source)\nFiring alerts – 1\nResolved alerts – 0\nGroupLabels:\n- alertname: "+inc.mode.alertID+
				"\nCommonLabels:\n- service: "+inc.alias+"\n- severity: critical\nAnnotations:\n- summary: "+detail),
		}
	case bs.sentry:
		exc := fill(inc.mode.exception, c.vars)
		head := "[" + inc.alias + "] " + exc
		if recovered {
			head = "Resolved: " + head
		}
		m.attach = []obj{{
			{"id", 1}, {"color", "E03E2F"}, {"fallback", head},
			{"title", exc}, {"title_link", fmt.Sprintf("https://acme.sentry.io/issues/%d/?referrer=slack", 4_000_000_000+r.Int64N(900_000_000))},
			{"text", inc.svc.name + " in handle_request"},
			{"fields", []obj{{{"title", "project"}, {"value", inc.alias}, {"short", true}}, {{"title", "environment"}, {"value", "production"}, {"short", true}}}},
			{"footer", "Sentry"},
		}}
		if recovered {
			m.attach[0][2].v = head
		}
	case bs.cloudwatch:
		state := "ALARM"
		if recovered {
			state = "OK"
		}
		head := state + ": \"" + cloudwatchAlarm(c) + "\" in US East (N. Virginia)"
		m.attach = []obj{{
			{"id", 1}, {"color", map[bool]string{false: "danger", true: "good"}[recovered]},
			{"author_name", "Amazon CloudWatch"},
			{"fallback", head}, {"title", head},
			{"title_link", "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/" + cloudwatchAlarm(c)},
			{"text", "Threshold Crossed: " + detail},
			{"footer", "Amazon CloudWatch"},
		}}
	case bs.opsgenie:
		head := fmt.Sprintf("#%d: %s", 4000+r.IntN(6000), title)
		status := "Open"
		if recovered {
			head, status = "Alert closed "+head, "Closed"
		}
		fallback := "New alert: \"" + title + "\" Tags: " + inc.alias + ", " + prio
		if recovered {
			fallback = "Alert closed: \"" + title + "\""
		}
		m.attach = []obj{{
			{"id", 1}, {"color", "ff5630"}, {"fallback", fallback},
			{"title", head}, {"title_link", "https://acme.app.opsgenie.com/alert/detail/" + r.uuid() + "/details"},
			{"fields", []obj{{{"title", "Priority"}, {"value", prio}, {"short", true}}, {{"title", "Status"}, {"value", status}, {"short", true}}, {{"title", "Source"}, {"value", "Datadog"}, {"short", true}}}},
		}}
	}
	return m
}

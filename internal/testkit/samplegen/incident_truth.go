package samplegen

import "fmt"

// truth builds the incident's truth.json record from the messages that
// were actually written (events after End are absent, so null).
func (c *incRender) truth() *TruthIncident {
	inc := c.inc
	t := &TruthIncident{
		ID: inc.id, Style: inc.style.String(), Source: "channel",
		ChannelID: inc.channel.id, ChannelName: inc.channel.name,
		Private: inc.private, Title: inc.title, Service: inc.svc.name, ServiceAlias: inc.alias,
		SeverityLabel: strPtr(inc.sevLabel), DetectionSource: "human",
		Excluded: !inc.real(), ExclusionReason: strPtr(inc.exclusion),
		FailureSignature: inc.signature, FixLinks: []string{}, Notes: c.notes, Evidence: map[string]string{},
	}
	if t.Notes == nil {
		t.Notes = []string{}
	}
	if inc.sev >= 0 {
		t.Severity = strPtr(fmt.Sprintf("SEV%d", inc.sev))
	}
	if inc.thread {
		t.Source = "thread"
		if c.parent != nil {
			t.ThreadTS = strPtr(tsString(c.parent.ts))
		}
	} else if inc.channel.oldName != "" {
		t.Notes = append(t.Notes, "channel_renamed")
	}
	if inc.private {
		t.Notes = append(t.Notes, "private_channel")
	}
	if inc.thread && inc.style == styleHuman && inc.alertBot != nil {
		t.Title = alertName(c) // nobody typed a title: the alert is the declaration
	}
	if inc.alertBot != nil {
		t.DetectionSource = "alert"
		t.AlertName = strPtr(alertName(c))
		t.AlertBot = strPtr(inc.alertBot.name)
	}
	if inc.recurrence != nil {
		t.RecurrenceOf = strPtr(inc.recurrence.id)
	}
	set := func(field string, dst **string) {
		ts, ok := c.ev[field]
		if !ok {
			return
		}
		*dst = rfc3339(ts)
		if ref, ok := c.elsewhere[field]; ok {
			if t.EvidenceElsewhere == nil {
				t.EvidenceElsewhere = map[string]TruthRef{}
			}
			t.EvidenceElsewhere[field] = ref
			return
		}
		t.Evidence[field] = tsString(ts)
	}
	set("declared_at", &t.DeclaredAt)
	if !inc.thread {
		t.DeclaredAt = rfc3339(inc.channel.created * usSecond)
	}
	set("detected_at", &t.DetectedAt)
	set("acknowledged_at", &t.AcknowledgedAt)
	set("mitigated_at", &t.MitigatedAt)
	set("resolved_at", &t.ResolvedAt)
	set("closed_at", &t.ClosedAt)
	set("postmortem_at", &t.PostmortemAt)
	if ts, ok := c.ev["cancelled"]; ok {
		t.Evidence["cancelled"] = tsString(ts)
		if t.ClosedAt == nil {
			t.ClosedAt = rfc3339(ts)
			t.Evidence["closed_at"] = tsString(ts)
		}
	}
	if t.PostmortemAt != nil {
		t.PostmortemURL = strPtr(inc.pmURL)
	}
	// started_at: stated, else the earlier of detection and declaration.
	switch {
	case c.statedStart != 0:
		t.StartedAt = rfc3339(c.statedStart)
		t.Evidence["started_at"] = tsString(c.ev["started_at"])
	default:
		start, field := c.ev["declared_at"], "declared_at"
		if !inc.thread {
			start = inc.channel.created * usSecond
		}
		if d, ok := c.ev["detected_at"]; ok && d < start {
			start, field = d, "detected_at"
		}
		t.StartedAt = rfc3339(start)
		t.Evidence["started_at"] = t.Evidence[field]
	}
	if c.fixPosted {
		t.FixLinks = c.fixLinkList
		t.FixCommit = strPtr(inc.fix.sha)
		t.Evidence["fix_link"] = tsString(c.ev["fix_link"])
	}
	if c.claimPosted {
		t.Evidence["regression_claim"] = tsString(c.ev["regression_claim"])
	}
	switch {
	case inc.cancelAt != 0 && t.Evidence["cancelled"] != "":
		t.Status = "cancelled"
	case t.ResolvedAt != nil:
		t.Status = "resolved"
	case t.MitigatedAt != nil:
		t.Status = "mitigated"
	default:
		t.Status = "open"
	}
	switch {
	case !inc.real() || t.ResolvedAt == nil:
		t.RegressionTest = "not_applicable"
	case c.fixPosted && inc.fix.withTests:
		t.RegressionTest = "verified"
	case c.claimPosted:
		t.RegressionTest = "claimed"
	default:
		t.RegressionTest = "missing"
	}
	if t.ResolvedAt != nil && t.PostmortemAt == nil && inc.real() {
		t.Notes = append(t.Notes, "postmortem_missing")
	}
	if t.Status == "open" || t.Status == "mitigated" {
		t.Notes = append(t.Notes, "open_at_end")
	}
	// Messages and people in the incident.
	var msgs []*message
	if inc.thread {
		if c.parent != nil {
			msgs = append([]*message{c.parent}, c.parent.replies...)
		}
	} else {
		msgs = c.b.msgs
	}
	t.MessageCount = len(msgs)
	people := map[string]bool{}
	for _, m := range msgs {
		if m.isHuman() {
			people[m.person.id] = true
		}
	}
	t.Participants = len(people)
	return t
}

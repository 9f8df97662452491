package samplegen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Truth is DIR/truth.json: what a correct pipeline must recover from the
// export. Times are the instants the Slack messages show (RFC 3339, UTC,
// microseconds), except a stated impact start, which is the stated time.
type Truth struct {
	Generator string          `json:"generator"`
	Options   TruthOptions    `json:"options"`
	Rules     []string        `json:"rules"`
	Messages  int64           `json:"messages"`
	Channels  []TruthChannel  `json:"channels"`
	Incidents []TruthIncident `json:"incidents"`
}

// TruthOptions echoes the Options the workspace was made with.
type TruthOptions struct {
	Seed      int64   `json:"seed"`
	Weeks     int     `json:"weeks"`
	Incidents int     `json:"incidents"`
	Scale     float64 `json:"scale"`
	End       string  `json:"end"`
	Zip       bool    `json:"zip"`
}

// TruthChannel is one channel of the export.
type TruthChannel struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	OldName   *string  `json:"old_name"`
	Kind      string   `json:"kind"` // incident | shared | noise | trap
	Private   bool     `json:"private"`
	Archived  bool     `json:"archived"`
	Messages  int      `json:"messages"`
	DayFiles  int      `json:"day_files"`
	Incidents []string `json:"incidents"`
}

// TruthIncident is one incident, real or excluded.
type TruthIncident struct {
	ID               string            `json:"id"`
	Style            string            `json:"style"`
	Source           string            `json:"source"` // channel | thread
	ChannelID        string            `json:"channel_id"`
	ChannelName      string            `json:"channel_name"`
	ThreadTS         *string           `json:"thread_ts"`
	Private          bool              `json:"private"`
	Title            string            `json:"title"`
	SeverityLabel    *string           `json:"severity_label"`
	Severity         *string           `json:"severity"`
	Service          string            `json:"service"`
	ServiceAlias     string            `json:"service_alias"`
	Status           string            `json:"status"` // open | mitigated | resolved | cancelled, as of End
	StartedAt        *string           `json:"started_at"`
	DeclaredAt       *string           `json:"declared_at"`
	DetectedAt       *string           `json:"detected_at"`
	AcknowledgedAt   *string           `json:"acknowledged_at"`
	MitigatedAt      *string           `json:"mitigated_at"`
	ResolvedAt       *string           `json:"resolved_at"`
	ClosedAt         *string           `json:"closed_at"`
	PostmortemURL    *string           `json:"postmortem_url"`
	PostmortemAt     *string           `json:"postmortem_at"`
	DetectionSource  string            `json:"detection_source"` // alert | human
	AlertName        *string           `json:"alert_name"`
	AlertBot         *string           `json:"alert_bot"`
	Excluded         bool              `json:"excluded"`
	ExclusionReason  *string           `json:"exclusion_reason"`
	RecurrenceOf     *string           `json:"recurrence_of"`
	FailureSignature string            `json:"failure_signature"`
	FixLinks         []string          `json:"fix_links"`
	FixCommit        *string           `json:"fix_commit"`
	RegressionTest   string            `json:"regression_test"`
	MessageCount     int               `json:"message_count"`
	Participants     int               `json:"participants"`
	Notes            []string          `json:"notes"`
	Evidence         map[string]string `json:"evidence"`
	// EvidenceElsewhere is evidence outside the incident's channel or
	// thread (truthRules).
	EvidenceElsewhere map[string]TruthRef `json:"evidence_elsewhere,omitempty"`
}

// TruthRef is a message outside the incident's channel or thread that shows
// an event: by its ts, or, for a post rewritten in place, by the edit that
// shows it (edited_ts; the post is the one in channel that names the
// incident's channel).
type TruthRef struct {
	Channel  string `json:"channel"`
	TS       string `json:"ts,omitempty"`
	EditedTS string `json:"edited_ts,omitempty"`
}

// truthRules is printed into truth.json so a reader knows how each value
// was decided.
var truthRules = []string{
	"Each time is the earliest message that shows the event; evidence gives that message's ts (in the incident's channel, or in its thread for thread incidents). evidence_elsewhere names evidence outside them: an Alertmanager [RESOLVED], which is a new top-level post beside the thread (by channel and ts), and Monzo Response's headline in #incidents, rewritten to Status: Resolved when the incident is closed from its Close button (by channel and the edit's edited_ts).",
	"declared_at: channel creation (channels.json created, equal to the creator's channel_join ts) or the declaring top-level message.",
	"detected_at: the alerting bot's first post for the incident; null when a person reported it.",
	"started_at: an explicitly stated impact start (human text, or FireHydrant's Started milestone), else the earlier of detected_at and declared_at.",
	"acknowledged_at: an explicit acknowledgement (ack phrase, /incident ack, PagerDuty Acknowledged, FireHydrant Acknowledged milestone), else the first message typed by a person other than the declarer.",
	"mitigated_at: Dispatch Stable, incident.io Monitoring, Rootly/FireHydrant Mitigated, Statuspage Monitoring, or a human mitigation phrase (rolled back, mitigated). A status posted by mistake and reverted does not count.",
	"resolved_at: Dispatch Closed, incident.io Closed, Rootly/FireHydrant Resolved, PagerDuty Resolved, Response closed (its command, or its headline's Close button), an alert's own recovery, or a human resolution phrase. Later edits do not move it.",
	"closed_at: the channel_archive message when the channel is archived, else a bot's close (incident.io Closed, Response 'This incident has been closed!' or its headline edited to Status: Resolved, Rootly cancellation), else null.",
	"postmortem_at: the first message linking the postmortem document in the incident's channel or thread.",
	"regression_test: verified when a linked fix touched test files; claimed when the channel says a regression test was added without a verifying link; missing for other resolved incidents; not_applicable when excluded or unresolved.",
	"recurrence_of: the most recent earlier real incident with the same failure_signature whose started_at is at most 30 days earlier.",
	"Severity: SEVn as is; Pn to SEVn; Critical to SEV1; Major and High to SEV2; Minor and Medium to SEV3; Low to SEV4.",
	"Events after options.end did not happen yet: their fields are null.",
	"notes name the deliberate oddities in an incident (see doc.go); out_of_order_ack means acknowledged_at is after resolved_at in the truth itself.",
}

func rfc3339(us int64) *string {
	s := time.UnixMicro(us).UTC().Format(time.RFC3339Nano)
	return &s
}

func tsString(us int64) string {
	b := appendTS(nil, us)
	return string(b[1 : len(b)-1])
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func writeJSONFile(path string, v any) (int64, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	data = append(data, '\n')
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

// LoadTruth reads a truth.json written by Generate.
func LoadTruth(path string) (*Truth, error) {
	var t Truth
	if err := readJSONFile(path, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// LoadWorkspace reads a workspace.json written by Generate.
func LoadWorkspace(path string) (*Workspace, error) {
	var w Workspace
	if err := readJSONFile(path, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

package samplegen

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The export's top-level files: users.json, channels.json, groups.json and
// integration_logs.json, written with the same PHP-style encoder as the
// day files.

func writeEncoded(path string, build func(e *enc)) (int64, error) {
	e := &enc{}
	build(e)
	if err := os.WriteFile(path, e.b, 0o644); err != nil {
		return 0, err
	}
	return int64(len(e.b)), nil
}

var tzInfo = map[string]struct {
	label  string
	offset int64
}{
	"America/Los_Angeles": {"Pacific Standard Time", -28800},
	"America/New_York":    {"Eastern Standard Time", -18000},
	"America/Chicago":     {"Central Standard Time", -21600},
	"Europe/London":       {"Greenwich Mean Time", 0},
	"Europe/Berlin":       {"Central European Time", 3600},
}

func imageURLs(hash string) obj {
	o := obj{}
	for _, n := range []int{24, 32, 48, 72, 192, 512} {
		o = append(o, kv{fmt.Sprintf("image_%d", n), fmt.Sprintf("https://avatars.slack-edge.com/2024-01-15/%s_%d.png", hash, n)})
	}
	return o
}

func writeUsers(path string, cat *catalog, updated int64) (int64, error) {
	type entry struct {
		id string
		o  obj
	}
	var users []entry
	for _, p := range cat.people {
		prof := obj{
			{"title", p.title}, {"phone", ""}, {"skype", ""},
			{"real_name", p.realName()}, {"real_name_normalized", asciiFold(p.realName())},
			{"display_name", p.first}, {"display_name_normalized", asciiFold(p.first)},
			{"fields", obj{}}, {"status_text", ""}, {"status_emoji", ""}, {"status_emoji_display_info", []any{}}, {"status_expiration", 0},
			{"avatar_hash", p.avatar}, {"email", p.handle + "@acme.com"},
			{"first_name", p.first}, {"last_name", p.last},
		}
		prof = append(prof, imageURLs(p.avatar)...)
		prof = append(prof, kv{"status_text_canonical", ""}, kv{"team", teamID})
		o := obj{{"id", p.id}, {"team_id", teamID}, {"name", p.handle}, {"deleted", p.deleted}, {"color", p.color}, {"real_name", p.realName()}}
		if !p.deleted {
			tz := tzInfo[p.tz]
			o = append(o, kv{"tz", p.tz}, kv{"tz_label", tz.label}, kv{"tz_offset", tz.offset})
		}
		o = append(o, kv{"profile", prof},
			kv{"is_admin", p.team == "leadership"}, kv{"is_owner", false}, kv{"is_primary_owner", false},
			kv{"is_restricted", false}, kv{"is_ultra_restricted", false}, kv{"is_bot", false}, kv{"is_app_user", false},
			kv{"updated", updated}, kv{"is_email_confirmed", true}, kv{"who_can_share_contact_card", "EVERYONE"})
		users = append(users, entry{p.id, o})
	}
	for _, b := range cat.bots.all {
		if b.webhook {
			continue
		}
		prof := obj{
			{"title", ""}, {"phone", ""}, {"skype", ""},
			{"real_name", b.name}, {"real_name_normalized", b.name}, {"display_name", ""}, {"display_name_normalized", ""},
			{"fields", nil}, {"status_text", ""}, {"status_emoji", ""}, {"status_emoji_display_info", []any{}}, {"status_expiration", 0},
			{"avatar_hash", ""}, {"api_app_id", b.appID}, {"always_active", b.kind != botOther}, {"bot_id", b.botID},
			{"first_name", b.name}, {"last_name", ""},
		}
		prof = append(prof, imageURLs(strings.ToLower(b.botID))...)
		prof = append(prof, kv{"status_text_canonical", ""}, kv{"team", teamID})
		users = append(users, entry{b.userID, obj{
			{"id", b.userID}, {"team_id", teamID}, {"name", b.handle}, {"deleted", false}, {"color", "4bbe2e"},
			{"real_name", b.name}, {"tz", "America/Los_Angeles"}, {"tz_label", "Pacific Standard Time"}, {"tz_offset", int64(-28800)},
			{"profile", prof}, {"is_admin", false}, {"is_owner", false}, {"is_primary_owner", false},
			{"is_restricted", false}, {"is_ultra_restricted", false}, {"is_bot", true}, {"is_app_user", false},
			{"updated", updated}, {"is_email_confirmed", false}, {"who_can_share_contact_card", "EVERYONE"},
		}})
	}
	users = append(users, entry{"USLACKBOT", obj{
		{"id", "USLACKBOT"}, {"team_id", teamID}, {"name", "slackbot"}, {"deleted", false}, {"color", "757575"},
		{"real_name", "Slackbot"}, {"tz", "America/Los_Angeles"}, {"tz_label", "Pacific Standard Time"}, {"tz_offset", int64(-28800)},
		{"profile", obj{{"title", ""}, {"real_name", "Slackbot"}, {"real_name_normalized", "Slackbot"}, {"display_name", "Slackbot"},
			{"display_name_normalized", "Slackbot"}, {"always_active", true}, {"first_name", "slackbot"}, {"last_name", ""}, {"team", teamID}}},
		{"is_admin", false}, {"is_owner", false}, {"is_primary_owner", false}, {"is_restricted", false}, {"is_ultra_restricted", false},
		{"is_bot", false}, {"is_app_user", false}, {"updated", int64(0)},
	}})
	slices.SortFunc(users, func(a, b entry) int { return cmp.Compare(a.id, b.id) })
	return writeEncoded(path, func(e *enc) {
		e.open('[')
		for _, u := range users {
			e.item()
			e.value(u.o)
		}
		e.close(']')
	})
}

// channelMeta is one channels.json or groups.json entry, known once the
// channel has been generated.
type channelMeta struct {
	plan     *channelPlan
	members  []string
	topic    string
	topicBy  string
	topicAt  int64 // seconds
	archived bool
}

func writeChannels(path string, chans []channelMeta) (int64, error) {
	slices.SortFunc(chans, func(a, b channelMeta) int { return cmp.Compare(a.plan.name, b.plan.name) })
	return writeEncoded(path, func(e *enc) {
		e.open('[')
		for _, c := range chans {
			ch := c.plan
			e.elemObj()
			e.str("id", ch.id)
			e.str("name", ch.name)
			e.num("created", ch.created)
			e.str("creator", ch.creator)
			e.boolean("is_archived", c.archived)
			e.boolean("is_general", ch.name == "general")
			e.strs("members", c.members)
			e.openObj("topic")
			e.str("value", c.topic)
			if c.topic == "" {
				e.str("creator", "")
				e.num("last_set", 0)
			} else {
				e.str("creator", c.topicBy)
				e.num("last_set", c.topicAt)
			}
			e.close('}')
			e.openObj("purpose")
			e.str("value", ch.purpose)
			e.str("creator", ch.creator)
			e.num("last_set", ch.created)
			e.close('}')
			e.close('}')
		}
		e.close(']')
	})
}

func writeIntegrationLogs(path string, cat *catalog, installed int64) (int64, error) {
	admin := cat.byTeam["platform"][0]
	return writeEncoded(path, func(e *enc) {
		e.open('[')
		for i, b := range cat.bots.all {
			date := fmt.Sprint(installed + int64(i)*86400*9)
			e.elemObj()
			if b.webhook {
				e.str("service_id", fmt.Sprint(1000000000+hashString(b.botID)%9000000000))
				e.str("service_type", "Incoming WebHooks")
			} else {
				e.str("app_id", b.appID)
				e.str("app_type", "app")
			}
			e.str("user_id", admin.id)
			e.str("user_name", admin.handle)
			e.str("date", date)
			e.str("change_type", "added")
			if b.webhook {
				e.str("channel", "#"+map[bool]string{true: "alerts-prod", false: "deploys"}[b.kind == botAlert])
				e.str("scope", "incoming-webhook")
			} else {
				e.str("scope", "chat:write,channels:read,channels:manage,groups:write,users:read")
			}
			e.close('}')
		}
		e.close(']')
	})
}

// Workspace is DIR/workspace.json: the catalog a configuration can be
// written from.
type Workspace struct {
	Team struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Domain string `json:"domain"`
	} `json:"team"`
	DayFileTimeZone       string             `json:"day_file_time_zone"`
	Services              []WorkspaceService `json:"services"`
	Repos                 []WorkspaceRepo    `json:"repos"`
	SharedChannels        []string           `json:"shared_channels"`
	ChannelPatterns       []string           `json:"channel_patterns"`
	AlertBots             []WorkspaceBot     `json:"alert_bots"`
	IncidentBots          []WorkspaceBot     `json:"incident_bots"`
	OtherBots             []WorkspaceBot     `json:"other_bots"`
	ExclusionMarkers      map[string]string  `json:"exclusion_markers"`
	RegressionTestPhrases []string           `json:"regression_test_phrases"`
	PostmortemHosts       []string           `json:"postmortem_hosts"`
}

type WorkspaceService struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
	Repo    string   `json:"repo"`
	Team    string   `json:"team"`
}

type WorkspaceRepo struct {
	URL           string   `json:"url"`
	Path          string   `json:"path"` // relative to DIR
	Language      string   `json:"language"`
	DefaultBranch string   `json:"default_branch"`
	Bare          bool     `json:"bare"`
	TestGlobs     []string `json:"test_globs"`
	Fixes         int      `json:"fixes"`
}

type WorkspaceBot struct {
	Name    string `json:"name"`
	BotID   string `json:"bot_id"`
	AppID   string `json:"app_id"`
	UserID  string `json:"user_id,omitempty"`
	Webhook bool   `json:"webhook"`
}

func newWorkspace(p *plan) *Workspace {
	w := &Workspace{DayFileTimeZone: "America/Los_Angeles", SharedChannels: []string{p.shared.name}}
	w.Team.ID, w.Team.Name, w.Team.Domain = teamID, "Acme", teamDomain
	for _, s := range p.cat.services {
		w.Services = append(w.Services, WorkspaceService{Name: s.name, Aliases: s.aliases, Repo: s.repo.url(), Team: s.team})
	}
	for _, r := range p.cat.repos {
		w.Repos = append(w.Repos, WorkspaceRepo{URL: r.url(), Path: filepath.ToSlash(filepath.Join("repos", r.name)), Language: r.lang,
			DefaultBranch: "main", Bare: true, TestGlobs: r.testGlobs, Fixes: len(r.fixes)})
	}
	w.ChannelPatterns = []string{`^inc-\d+(-[a-z0-9-]+)?$`, `^inc-\d{4}-\d{2}-\d{2}-[a-z0-9-]+$`, `^inc-pd\d+$`, `^inc-[a-z]{3}-\d{1,2}-\d{2}-\d{2}-\d{2}$`, `^incident-\d+$`, `^dispatch-[a-z0-9]+-[a-z0-9]+-\d+$`, `^inc-[a-z][a-z0-9-]+$`}
	bs := p.cat.bots
	for _, b := range bs.all {
		wb := WorkspaceBot{Name: b.name, BotID: b.botID, AppID: b.appID, UserID: b.userID, Webhook: b.webhook}
		switch b.kind {
		case botAlert:
			w.AlertBots = append(w.AlertBots, wb)
		case botIncidentTool:
			w.IncidentBots = append(w.IncidentBots, wb)
		default:
			w.OtherBots = append(w.OtherBots, wb)
		}
	}
	w.ExclusionMarkers = map[string]string{"[DRILL]": exDrill, "Game day:": exGameDay, "Scheduled maintenance": exMaintenance, "test incident": exTest, "Incident cancelled": exCancelled}
	w.RegressionTestPhrases = []string{"added a regression test", "regression test"}
	w.PostmortemHosts = []string{"docs.google.com", "www.notion.so", "acme.atlassian.net"}
	return w
}

// Enrichment (stage 4): the links posted in an incident (fix pull requests
// and commits, postmortems, tickets), extracted during assembly.
package transform

import (
	"regexp"
	"strings"
)

// link is a URL or commit reference posted in an incident.
type link struct {
	kind    string // pull_request, commit, sha, postmortem, ticket
	url     string
	repoURL string
	ref     string
	msg     *message
	// Set by the regression-test check.
	commit string
	check  string
	tests  []string
}

func (l *link) isFix() bool { return l.kind == "pull_request" || l.kind == "commit" || l.kind == "sha" }

var (
	// GitHub (and Enterprise) pull requests and commits.
	ghPR     = regexp.MustCompile(`https?://([\w.-]+)/([\w.-]+)/([\w.-]+)/pull/(\d+)(?:/commits/([0-9a-f]{7,40}))?`)
	ghCommit = regexp.MustCompile(`https?://([\w.-]+)/([\w.-]+)/([\w.-]+)/commit/([0-9a-f]{7,40})\b`)
	// GitLab merge requests and commits, groups nested any depth.
	glMR     = regexp.MustCompile(`https?://([\w.-]+)/((?:[\w.-]+/)+?[\w.-]+)/-/merge_requests/(\d+)`)
	glCommit = regexp.MustCompile(`https?://([\w.-]+)/((?:[\w.-]+/)+?[\w.-]+)/-/commits?/([0-9a-f]{7,40})\b`)
	ticket   = regexp.MustCompile(`https?://(?:[\w-]+\.atlassian\.net/browse/[A-Z][A-Z0-9]+-\d+|linear\.app/[\w-]+/issue/[A-Z][A-Z0-9]+-\d+[\w-]*)`)
	bareSHA  = regexp.MustCompile(`(?:^|[^\w/.#-])([0-9a-f]{7,40})(?:$|[^\w/-])`)
	fixWords = regexp.MustCompile(`(?i)\b(fix(ed|es)?|hotfix|commit(ted)?|revert(ed)?|merged|deploy(ed)?|shipped|patch(ed)?|sha|landed|rolled out)\b`)
	urlRE    = regexp.MustCompile(`https?://[^\s|>]+`)
)

// fixStems are lowercase stems of fixWords, a cheap prefilter for it.
var fixStems = []string{"fix", "commit", "revert", "merged", "deploy", "shipped", "patch", "sha", "landed", "rolled out"}

func mentionsFix(lower string) bool {
	for _, s := range fixStems {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return false
}

// repoKey normalises a repository URL: lowercase, no .git, no trailing /.
func repoKey(host, path string) string {
	return "https://" + strings.ToLower(host) + "/" + strings.TrimSuffix(strings.ToLower(strings.Trim(path, "/")), ".git")
}

// extractLinks finds fix, ticket and postmortem links in an incident.
func extractLinks(msgs []*message, sigs []signal) []link {
	var out []link
	seen := map[string]bool{}
	add := func(l link) {
		key := l.kind + " " + l.repoURL + " " + l.ref + " " + l.url
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, l)
	}
	for _, m := range msgs {
		hasURL, hasFixWord := strings.Contains(m.content, "://"), mentionsFix(m.lower)
		if hasURL {
			urlLinks(m, add)
		}
		if m.class == human && hasFixWord && fixWords.MatchString(m.content) {
			shaLinks(m, add)
		}
	}
	for i := range sigs {
		s := &sigs[i]
		if s.kind == "postmortem" && s.value != "" {
			add(link{kind: "postmortem", url: s.value, msg: s.msg})
		}
	}
	return out
}

// urlLinks adds the pull request, commit and ticket links in m. Each
// pattern runs only on a text holding the literal every match of it
// holds: most URLs people paste are dashboards and docs.
func urlLinks(m *message, add func(link)) {
	c := m.content
	if strings.Contains(c, "/pull/") {
		for _, g := range ghPR.FindAllStringSubmatch(c, -1) {
			if strings.Contains(g[1], "gitlab") {
				continue
			}
			add(link{kind: "pull_request", url: g[0], repoURL: repoKey(g[1], g[2]+"/"+g[3]), ref: g[4], msg: m})
		}
	}
	if strings.Contains(c, "/commit/") {
		for _, g := range ghCommit.FindAllStringSubmatch(c, -1) {
			add(link{kind: "commit", url: g[0], repoURL: repoKey(g[1], g[2]+"/"+g[3]), ref: g[4], msg: m})
		}
	}
	if strings.Contains(c, "/-/merge_requests/") {
		for _, g := range glMR.FindAllStringSubmatch(c, -1) {
			add(link{kind: "pull_request", url: g[0], repoURL: repoKey(g[1], g[2]), ref: g[3], msg: m})
		}
	}
	if strings.Contains(c, "/-/commit") {
		for _, g := range glCommit.FindAllStringSubmatch(c, -1) {
			add(link{kind: "commit", url: g[0], repoURL: repoKey(g[1], g[2]), ref: g[3], msg: m})
		}
	}
	if strings.Contains(c, ".atlassian.net/browse/") || strings.Contains(c, "linear.app/") {
		for _, u := range ticket.FindAllString(c, -1) {
			add(link{kind: "ticket", url: u, msg: m})
		}
	}
}

// shaLinks adds the bare commit SHAs in m, a person's message about a fix:
// not inside or repeating a URL of the message (urlLinks covers those), with
// at least one digit and one letter.
func shaLinks(m *message, add func(link)) {
	text := urlRE.ReplaceAllString(m.content, " ")
	urls := strings.Join(urlRE.FindAllString(m.content, -1), " ")
	for _, g := range bareSHA.FindAllStringSubmatch(text, -1) {
		sha := g[1]
		if strings.Contains(urls, sha) || !strings.ContainsAny(sha, "0123456789") || !strings.ContainsAny(sha, "abcdef") {
			continue
		}
		add(link{kind: "sha", url: sha, ref: sha, msg: m})
	}
}

// channelMention finds a channel link in mrkdwn: <#C123|name>.
var channelMention = regexp.MustCompile(`<#([CG][A-Z0-9]+)(?:\|[^>]*)?>`)

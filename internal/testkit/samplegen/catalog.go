package samplegen

import (
	"fmt"
	"strings"
)

// The workspace model: the company, its services and repositories, its
// people and the bots installed in Slack. Everything here is fixed or drawn
// from the plan's random stream, so the same seed gives the same company.

// messageDepth is the nesting depth of a message's fields in a day file
// (inside the array, inside the message object).
const messageDepth = 2

const (
	teamID     = "T01ACME0001"
	teamDomain = "acme"
	orgName    = "acme"
)

// service is one entry of the services catalog.
type service struct {
	name     string
	aliases  []string // how chat and alerts name it; aliases[0] is the usual one
	repo     *repo
	team     string
	weight   float64 // share of incidents
	provider string  // third-party dependency it calls
	security bool    // can have private security incidents
}

// failureMode is a way a service fails. One (service, mode) pair is one
// failure signature: recurrences reuse the templates with fresh numbers.
type failureMode struct {
	key       string // stable signature part, e.g. "high-5xx"
	title     string // incident title template
	alert     string // readable alert title template (Datadog monitor, Opsgenie)
	alertID   string // alert rule name (Grafana, Alertmanager)
	exception string // Sentry issue title
	detail    string // alert body template
	fix       string // fix commit summary
	security  bool
}

// Placeholders in templates: {alias} {pct} {ms} {n} {host} {pod} {ver} {ip}
// {id} {provider}. Only numbers, hosts and ids vary between recurrences.
var failureModes = []*failureMode{
	{key: "high-5xx", title: "{alias} returning 5xx errors ({pct}% of requests)", alert: "High 5xx rate on {alias}", alertID: "High5xxRate", exception: "HTTPError: 503 Service Unavailable", detail: "5xx rate is {pct}% on host:{host} (threshold 5%)", fix: "Return 503 with Retry-After instead of crashing on upstream timeouts"},
	{key: "latency-p99", title: "p99 latency over {ms}ms on {alias}", alert: "High p99 latency on {alias}", alertID: "HighLatencyP99", exception: "TimeoutError: request exceeded {ms}ms", detail: "p99 latency {ms}ms on host:{host} (threshold 800ms)", fix: "Add an index for the order lookup hot path"},
	{key: "db-pool", title: "{alias} database connection pool exhausted ({n} waiting)", alert: "DB connection pool saturated on {alias}", alertID: "DBConnectionPoolExhausted", exception: "PoolTimeoutError: connection pool exhausted", detail: "{n} requests waiting for a connection on {host}", fix: "Release DB connections on the error path and cap pool waiters"},
	{key: "oom", title: "{alias} pods OOMKilled ({pod})", alert: "Pods OOMKilled for {alias}", alertID: "PodOOMKilled", exception: "MemoryError: cannot allocate {n} bytes", detail: "container {pod} exceeded its memory limit", fix: "Stream large exports instead of buffering them in memory"},
	{key: "crashloop", title: "{alias} in CrashLoopBackOff after deploy {ver}", alert: "CrashLooping pods for {alias}", alertID: "KubePodCrashLooping", exception: "ConfigError: missing required setting", detail: "pod {pod} restarted {n} times in 10m", fix: "Validate required settings at build time, not at startup"},
	{key: "cert-expiry", title: "TLS certificate expired for {alias} endpoint", alert: "TLS certificate expiring on {alias}", alertID: "CertificateExpiry", exception: "SSLError: certificate has expired", detail: "certificate for {alias} expires in 0 days (serial {id})", fix: "Renew certificates from the cert-manager issuer automatically"},
	{key: "disk-full", title: "Disk full on {host} ({alias})", alert: "Disk space low on {alias}", alertID: "NodeDiskSpaceLow", exception: "OSError: No space left on device", detail: "{pct}% of disk used on {host}", fix: "Rotate and compress service logs hourly"},
	{key: "queue-backlog", title: "{alias} queue backlog at {n} messages", alert: "Queue backlog growing on {alias}", alertID: "QueueBacklogHigh", exception: "BacklogError: consumer lag {n}", detail: "{n} messages waiting, oldest {ms}ms", fix: "Batch acknowledgements in the queue consumer"},
	{key: "provider-timeouts", title: "{alias} timing out on calls to {provider}", alert: "{provider} latency high from {alias}", alertID: "UpstreamTimeouts", exception: "ReadTimeout: {provider} did not answer in {ms}ms", detail: "{pct}% of calls to {provider} time out", fix: "Add a circuit breaker around {provider} calls"},
	{key: "replica-lag", title: "Replica lag of {n}s on the {alias} database", alert: "Replica lag high for {alias}", alertID: "ReplicaLagHigh", exception: "StaleReadError: replica {n}s behind", detail: "replica {host} is {n}s behind primary", fix: "Route read-after-write queries to the primary"},
	{key: "memory-leak", title: "Memory climbing steadily on {alias} ({pct}% of limit)", alert: "Memory usage high on {alias}", alertID: "ContainerMemoryHigh", exception: "MemoryError: heap {pct}% of limit", detail: "heap at {pct}% of limit on {pod}", fix: "Close HTTP response bodies in the webhook client"},
	{key: "rate-limit", title: "{alias} rate limiting legitimate traffic ({n} req/s rejected)", alert: "429 rate high on {alias}", alertID: "High429Rate", exception: "RateLimited: {n} requests rejected", detail: "{n} req/s answered 429 on {host}", fix: "Key rate limits by account, not by client IP"},
	{key: "bad-flag", title: "Feature flag rollout broke {alias} (flag {id})", alert: "Error spike on {alias} after config change", alertID: "ErrorSpikeAfterConfigChange", exception: "KeyError: flag {id}", detail: "errors up {pct}% since config push {id}", fix: "Default unknown feature flags to off"},
	{key: "deadlocks", title: "Deadlocks in {alias} ({n} aborted transactions)", alert: "Deadlocks detected on {alias}", alertID: "DBDeadlocks", exception: "DeadlockDetected: {n} transactions aborted", detail: "{n} deadlocks in 5m on {host}", fix: "Lock rows in a consistent order in the settlement job"},
	{key: "cache-miss", title: "{alias} cache hit ratio dropped to {pct}%", alert: "Cache hit ratio low on {alias}", alertID: "CacheHitRatioLow", exception: "CacheMiss: backend overloaded", detail: "hit ratio {pct}% on {host}", fix: "Warm the cache before switching traffic to new nodes"},
	{key: "login-failures", title: "Login failures spiking on {alias} ({n}/min)", alert: "Login failure rate high on {alias}", alertID: "LoginFailuresHigh", exception: "AuthError: invalid session signature", detail: "{n} failed logins per minute", fix: "Accept both session signing keys during key rotation"},
	{key: "job-failed", title: "{alias} nightly job failed (run {id})", alert: "Nightly job failed on {alias}", alertID: "CronJobFailed", exception: "JobError: run {id} exited 1", detail: "job run {id} failed after {n}s", fix: "Make the nightly job resumable from its last checkpoint"},
	{key: "dns", title: "DNS lookups failing from {alias} ({pct}% SERVFAIL)", alert: "DNS errors high from {alias}", alertID: "DNSResolutionFailures", exception: "gaierror: Name or service not known", detail: "{pct}% of lookups fail on {host}", fix: "Cache DNS answers and retry SERVFAIL with jitter"},
	{key: "suspicious-logins", title: "Suspicious admin logins on {alias} from {ip}", alert: "Anomalous admin logins on {alias}", alertID: "AnomalousAdminLogin", exception: "SecurityAlert: anomalous login from {ip}", detail: "{n} admin logins from {ip}", fix: "Require hardware keys for admin sessions", security: true},
	{key: "leaked-key", title: "API key for {alias} exposed in a public gist (key {id})", alert: "Secret exposed for {alias}", alertID: "SecretScanningHit", exception: "SecurityAlert: key {id} exposed", detail: "key {id} found in a public gist", fix: "Scope service API keys and rotate them on exposure", security: true},
}

// repo is a GitHub repository built as a local git repository.
type repo struct {
	name      string // acme/<name>
	lang      string
	team      string
	sources   []string // source files fixes touch
	tests     []string // existing test files
	files     map[string]string
	fixes     []*fix // in merge order, filled by the plan
	nextPR    int
	testGlobs []string
}

func (r *repo) url() string { return "https://github.com/" + orgName + "/" + r.name }

// fix is one squash-merged pull request that an incident links to.
type fix struct {
	repo       *repo
	pr         int
	summary    string
	withTests  bool
	at         int64 // merge time
	author     *person
	sha        string // filled after the repository is built
	sources    []string
	testFile   string
	newTest    bool
	incidentID string
}

func (f *fix) subject() string { return fmt.Sprintf("%s (#%d)", f.summary, f.pr) }
func (f *fix) prURL() string   { return fmt.Sprintf("%s/pull/%d", f.repo.url(), f.pr) }
func (f *fix) commitURL() string {
	return f.repo.url() + "/commit/" + f.sha
}

func newRepos() []*repo {
	return []*repo{
		{name: "checkout", lang: "go", team: "checkout",
			sources:   []string{"internal/cart/cart.go", "internal/payment/client.go", "internal/order/store.go", "cmd/checkout/main.go"},
			tests:     []string{"internal/cart/cart_test.go", "internal/payment/client_test.go", "internal/order/store_test.go"},
			testGlobs: []string{"*_test.go", "testdata/"}},
		{name: "payments", lang: "python", team: "payments",
			sources:   []string{"payments/api.py", "payments/billing.py", "payments/gateway.py", "payments/settings.py"},
			tests:     []string{"tests/test_api.py", "tests/test_billing.py", "tests/test_gateway.py"},
			testGlobs: []string{"tests/", "test_*.py", "*_test.py"}},
		{name: "platform", lang: "go", team: "platform",
			sources:   []string{"gateway/proxy.go", "auth/session.go", "search/index.go", "notify/worker.go", "dns/resolver.go"},
			tests:     []string{"gateway/proxy_test.go", "auth/session_test.go", "test/e2e/gateway_e2e_test.go"},
			testGlobs: []string{"*_test.go", "test/"}},
		{name: "storefront", lang: "typescript", team: "web",
			sources:   []string{"src/cart/CartPage.tsx", "src/api/client.ts", "src/bff/server.ts", "src/checkout/flow.ts"},
			tests:     []string{"src/cart/__tests__/CartPage.test.tsx", "src/api/client.test.ts", "src/bff/server.test.ts"},
			testGlobs: []string{"__tests__/", "*.test.ts", "*.test.tsx", "*.spec.ts"}},
		{name: "ledger", lang: "ruby", team: "ledger",
			sources:   []string{"lib/ledger/posting.rb", "lib/ledger/reconcile.rb", "lib/ledger/settlement.rb"},
			tests:     []string{"spec/ledger/posting_spec.rb", "spec/ledger/reconcile_spec.rb"},
			testGlobs: []string{"spec/", "*_spec.rb"}},
	}
}

func newServices(repos []*repo) []*service {
	by := map[string]*repo{}
	for _, r := range repos {
		by[r.name] = r
	}
	return []*service{
		{name: "checkout", aliases: []string{"checkout-api", "checkout", "checkout-svc"}, repo: by["checkout"], team: "checkout", weight: 3, provider: "Stripe"},
		{name: "cart", aliases: []string{"cart-service", "cart"}, repo: by["checkout"], team: "checkout", weight: 1.5, provider: "Redis Cloud"},
		{name: "payments", aliases: []string{"payments-api", "payments", "pay"}, repo: by["payments"], team: "payments", weight: 3, provider: "Adyen"},
		{name: "billing", aliases: []string{"billing-worker", "billing"}, repo: by["payments"], team: "payments", weight: 1.5, provider: "Avalara"},
		{name: "ledger", aliases: []string{"ledger", "ledger-db", "ledger-api"}, repo: by["ledger"], team: "ledger", weight: 1.2, provider: "Plaid"},
		{name: "auth", aliases: []string{"auth-service", "auth", "sso"}, repo: by["platform"], team: "platform", weight: 1.5, provider: "Okta", security: true},
		{name: "api-gateway", aliases: []string{"api-gateway", "gateway", "edge-proxy"}, repo: by["platform"], team: "platform", weight: 2, provider: "Cloudflare", security: true},
		{name: "search", aliases: []string{"search-api", "search", "es-cluster"}, repo: by["platform"], team: "platform", weight: 1.2, provider: "Elastic Cloud"},
		{name: "notifications", aliases: []string{"notifications", "notif-worker"}, repo: by["platform"], team: "platform", weight: 1, provider: "Twilio"},
		{name: "web", aliases: []string{"storefront", "web-frontend", "web"}, repo: by["storefront"], team: "web", weight: 1.5, provider: "Fastly"},
		{name: "mobile-bff", aliases: []string{"mobile-bff", "bff"}, repo: by["storefront"], team: "web", weight: 1, provider: "Firebase"},
	}
}

// person is a human member of the workspace.
type person struct {
	id, handle, first, last string
	title, team, tz         string
	avatar                  string
	color                   string
	deleted                 bool
	profile                 preencoded // user_profile as embedded in messages
}

func (p *person) realName() string { return p.first + " " + p.last }

var firstNames = []string{"Dana", "Priya", "Marcus", "Lena", "Tomás", "Aisha", "Kenji", "Sofia", "Noah", "Ingrid", "Ravi", "Chloé", "Mateo", "Yuki", "Owen", "Fatima", "Lucas", "Mei", "Elijah", "Zara", "Hugo", "Amara", "Ben", "Nadia", "Felix", "Grace", "Omar", "Julia", "Sven", "Leila", "Diego", "Hannah", "Arjun", "Maya", "Jonas", "Keisha", "Pavel", "Rosa", "Theo", "Imani", "Viktor", "Ana", "Caleb", "Sana", "Marco", "Elif", "Ryan", "Bea", "Kofi", "Ines", "Liam", "Tara", "Andrés", "Freya", "Samir", "Nora", "Ethan", "Zoe", "Malik", "Clara"}
var lastNames = []string{"Reyes", "Patel", "Johnson", "Fischer", "García", "Okafor", "Tanaka", "Rossi", "Kim", "Larsen", "Sharma", "Dubois", "Silva", "Sato", "Murphy", "Hassan", "Martin", "Chen", "Brooks", "Ali", "Lefèvre", "Nwosu", "Carter", "Ivanova", "Weber", "O'Neill", "Haddad", "Novak", "Berg", "Mansour", "Torres", "Schmidt", "Iyer", "Cohen", "Lindqvist", "Williams", "Kowalski", "Moreno", "Nguyen", "Mensah", "Petrov", "Costa", "Hughes", "Qureshi", "Bianchi", "Yilmaz", "Walsh", "Jansen", "Asante", "Ferreira", "Byrne", "Singh", "Ortega", "Nilsson", "Rahman", "Keller", "Park", "Adams", "Diallo", "Meyer"}

var teams = []struct {
	name  string
	size  int
	title string
}{
	{"sre", 10, "Site Reliability Engineer"},
	{"checkout", 8, "Software Engineer, Checkout"},
	{"payments", 8, "Software Engineer, Payments"},
	{"platform", 10, "Software Engineer, Platform"},
	{"web", 7, "Frontend Engineer"},
	{"ledger", 5, "Software Engineer, Ledger"},
	{"support", 5, "Customer Support Lead"},
	{"product", 5, "Product Manager"},
	{"leadership", 3, "Engineering Director"},
}

var timeZones = []string{"America/Los_Angeles", "America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "America/Chicago"}

func newPeople(r *rnd) []*person {
	var out []*person
	firsts := append([]string(nil), firstNames...)
	lasts := append([]string(nil), lastNames...)
	r.Shuffle(len(firsts), func(i, j int) { firsts[i], firsts[j] = firsts[j], firsts[i] })
	r.Shuffle(len(lasts), func(i, j int) { lasts[i], lasts[j] = lasts[j], lasts[i] })
	i := 0
	for _, t := range teams {
		for range t.size {
			p := &person{
				id: r.slackID('U'), first: firsts[i%len(firsts)], last: lasts[i%len(lasts)],
				title: t.title, team: t.name, tz: pick(r, timeZones),
				avatar: r.hex(12), color: r.hex(6),
			}
			p.handle = strings.ToLower(asciiFold(p.first) + "." + strings.ReplaceAll(asciiFold(p.last), "'", ""))
			out = append(out, p)
			i++
		}
	}
	// Two people left the company: their accounts are deactivated but their
	// old messages stay.
	out[len(out)-1].deleted = true
	out[len(out)-12].deleted = true
	for _, p := range out {
		p.profile = preencode(obj{
			{"avatar_hash", p.avatar},
			{"image_72", "https://avatars.slack-edge.com/2024-01-15/" + p.avatar + "_72.png"},
			{"first_name", p.first},
			{"real_name", p.realName()},
			{"display_name", p.first},
			{"team", teamID},
			{"name", p.handle},
			{"is_restricted", false},
			{"is_ultra_restricted", false},
		}, messageDepth)
	}
	return out
}

func asciiFold(s string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "è", "e", "ç", "c", "ö", "o", "ü", "u")
	return r.Replace(s)
}

// botKind says what a bot does.
type botKind int

const (
	botIncidentTool botKind = iota
	botAlert
	botOther
)

// bot is an installed app or incoming webhook.
type bot struct {
	name     string
	kind     botKind
	webhook  bool   // posts as subtype bot_message with username and icons
	username string // webhooks
	botID    string
	appID    string
	userID   string // app bots have a bot user; webhooks do not
	handle   string
	profile  preencoded // bot_profile as embedded in messages
	icons    obj
}

// bots, by a short key used in code.
type bots struct {
	dispatch, incidentio, rootly, firehydrant, response, hellper, pagerduty *bot
	datadog, grafana, alertmanager, sentry, cloudwatch, opsgenie, oncall    *bot
	shipit, github, polly                                                   *bot
	all                                                                     []*bot
}

func newBots(r *rnd) *bots {
	mk := func(name, handle string, kind botKind, webhook bool) *bot {
		b := &bot{name: name, handle: handle, kind: kind, webhook: webhook, botID: r.slackID('B'), appID: r.slackID('A')}
		if !webhook {
			b.userID = r.slackID('U')
		}
		icon := "https://avatars.slack-edge.com/2023-06-01/" + r.hex(10) + "_" + handle + "_48.png"
		b.icons = obj{{"image_36", strings.Replace(icon, "_48", "_36", 1)}, {"image_48", icon}, {"image_72", strings.Replace(icon, "_48", "_72", 1)}}
		if webhook {
			b.username = handle
			b.icons = obj{{"image_48", icon}}
		}
		b.profile = preencode(obj{{"id", b.botID}, {"deleted", false}, {"name", name}, {"updated", int64(1_690_000_000 + r.IntN(10_000_000))}, {"app_id", b.appID}, {"icons", b.icons}, {"team_id", teamID}}, messageDepth)
		return b
	}
	bs := &bots{
		dispatch:     mk("Dispatch", "dispatch", botIncidentTool, false),
		incidentio:   mk("incident.io", "incident", botIncidentTool, false),
		rootly:       mk("Rootly", "rootly", botIncidentTool, false),
		firehydrant:  mk("FireHydrant", "firehydrant", botIncidentTool, false),
		response:     mk("Response", "response", botIncidentTool, false),
		hellper:      mk("Hellper", "hellper", botIncidentTool, false),
		pagerduty:    mk("PagerDuty", "pagerduty", botAlert, false),
		datadog:      mk("Datadog", "datadog", botAlert, false),
		grafana:      mk("Grafana", "Grafana", botAlert, true),
		alertmanager: mk("Alertmanager", "alertmanager", botAlert, true),
		sentry:       mk("Sentry", "sentry", botAlert, false),
		cloudwatch:   mk("AWS Chatbot", "aws", botAlert, false),
		opsgenie:     mk("Opsgenie", "opsgenie", botAlert, false),
		oncall:       mk("Grafana OnCall", "grafana_oncall", botAlert, false),
		shipit:       mk("Shipit", "shipit", botOther, true),
		github:       mk("GitHub", "github", botOther, false),
		polly:        mk("Polly", "polly", botOther, false),
	}
	bs.all = []*bot{bs.dispatch, bs.incidentio, bs.rootly, bs.firehydrant, bs.response, bs.hellper, bs.pagerduty, bs.datadog, bs.grafana, bs.alertmanager, bs.sentry, bs.cloudwatch, bs.opsgenie, bs.oncall, bs.shipit, bs.github, bs.polly}
	return bs
}

// alertBots are the bots that can detect an incident, with how often each
// is the first signal.
func (bs *bots) alertBots() []*bot {
	return []*bot{bs.datadog, bs.grafana, bs.alertmanager, bs.sentry, bs.cloudwatch, bs.opsgenie, bs.oncall}
}

// catalog is the whole workspace model.
type catalog struct {
	// phrases are the signal phrase banks the incidents are written with:
	// the tuning set, or the held-aside set (Options.HeldAside).
	phrases  *phraseBanks
	services []*service
	repos    []*repo
	people   []*person
	bots     *bots
	byTeam   map[string][]*person
	deploys  string // mrkdwn reference to #deploys, for chatter
	shared   string // the shared #incidents channel's name
}

func newCatalog(r *rnd) *catalog {
	c := &catalog{repos: newRepos()}
	c.services = newServices(c.repos)
	c.people = newPeople(r)
	c.bots = newBots(r)
	c.byTeam = map[string][]*person{}
	for _, p := range c.people {
		if !p.deleted {
			c.byTeam[p.team] = append(c.byTeam[p.team], p)
		}
	}
	return c
}

// active returns the people who can still post.
func (c *catalog) active() []*person {
	var out []*person
	for _, p := range c.people {
		if !p.deleted {
			out = append(out, p)
		}
	}
	return out
}

// Package config loads aftermath's one YAML configuration file.
//
// The file is merged over the defaults embedded in the binary
// (defaults.yaml): mappings merge key by key, lists of named rules merge by
// name, and other lists replace the default. Loading validates everything at
// once and reports each problem with the file, line and key. Secrets never
// live here: the Slack token comes from the environment or a token file.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-dev/aftermath/internal/redact"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// DefaultsName is how errors and `config show` name the built-in defaults.
const DefaultsName = "built-in defaults"

// Config is the effective configuration.
type Config struct {
	Timezone    string    `yaml:"timezone"`
	MemoryLimit string    `yaml:"memory_limit"`
	Channels    Channels  `yaml:"channels"`
	Export      Export    `yaml:"export"`
	Ingest      Ingest    `yaml:"ingest"`
	Slack       Slack     `yaml:"slack"`
	Incidents   Incidents `yaml:"incidents"`
	Repos       []Repo    `yaml:"repos"`
	Recognisers []Rule    `yaml:"recognisers"`
	Query       Query     `yaml:"query"`
	Run         Run       `yaml:"run"`
	Publish     Publish   `yaml:"publish"`
	Privacy     Privacy   `yaml:"privacy"`
	Report      Report    `yaml:"report"`

	// Source names the file merged over the defaults, or DefaultsName.
	Source string `yaml:"-"`
	// Dir is the folder of Source; relative repo paths resolve against it.
	Dir string `yaml:"-"`
	// Location is Timezone, loaded.
	Location *time.Location `yaml:"-"`
	// Lines maps each dotted key set in Source to its line there; keys
	// not in it come from the built-in defaults.
	Lines map[string]int `yaml:"-"`
}

// Channels selects the conversations ingest keeps.
type Channels struct {
	Patterns []string `yaml:"patterns"`
	Shared   []string `yaml:"shared"`
	Include  []string `yaml:"include"`
	Exclude  []string `yaml:"exclude"`

	compiled []*regexp.Regexp
}

// Export tunes export ingest.
type Export struct {
	BatchMB int `yaml:"batch_mb"`
}

// Ingest bounds what one input may cost, on both ingest paths. An input
// past a bound is skipped and named (exit 3), never loaded.
type Ingest struct {
	MaxEntryMB   int `yaml:"max_entry_mb"`
	MaxTotalMB   int `yaml:"max_total_mb"`
	MaxRatio     int `yaml:"max_ratio"`
	MaxMessageKB int `yaml:"max_message_kb"`
	MaxJSONDepth int `yaml:"max_json_depth"`
}

// Query bounds analysts' SQL: aftermath query and every command that runs
// user SQL (see queries.Open).
type Query struct {
	Timeout     Duration `yaml:"timeout"`
	MemoryLimit string   `yaml:"memory_limit"`
	Threads     int      `yaml:"threads"`
	MaxSQLMB    int      `yaml:"max_sql_mb"`
}

// Slack configures the Web API ingest.
type Slack struct {
	APIURL         string         `yaml:"api_url"`
	WorkspaceURL   string         `yaml:"workspace_url"`
	Lookback       Duration       `yaml:"lookback"`
	Join           bool           `yaml:"join"`
	RatePerMinute  map[string]int `yaml:"rate_per_minute"`
	PageSize       map[string]int `yaml:"page_size"`
	MaxRetries     int            `yaml:"max_retries"`
	MaxBackoff     Duration       `yaml:"max_backoff"`
	RequestTimeout Duration       `yaml:"request_timeout"`
}

// Incidents configures how transform reads incidents.
type Incidents struct {
	AlertBots            []string            `yaml:"alert_bots"`
	IncidentBots         []string            `yaml:"incident_bots"`
	Severities           map[string][]string `yaml:"severities"`
	Services             []Service           `yaml:"services"`
	ResolveTargets       map[string]Duration `yaml:"resolve_targets"`
	PostmortemDue        Duration            `yaml:"postmortem_due"`
	PostmortemSeverities []string            `yaml:"postmortem_severities"`
	RecurrenceWindow     Duration            `yaml:"recurrence_window"`
	TestGlobs            []string            `yaml:"test_globs"`

	// How transform reads bots' and people's words (issue 8).
	// ArchiveResolves names the incident bots that close an incident only
	// by archiving its channel (Netflix Dispatch): there, the archive is the
	// resolution.
	ArchiveResolves []string `yaml:"archive_resolves"`
	// BotSeverities maps, per incident or alert bot (matched like
	// incident_bots), the bot's own severity words to SEV0-SEV4; a bot's
	// post is read with its table before the shared severities.
	BotSeverities map[string]map[string]string `yaml:"bot_severities"`
	// OtherTimes are RE2 patterns of sentences about another time or
	// another incident ("when we rolled back in March"): a person's
	// lifecycle words in such a sentence set nothing.
	OtherTimes []string `yaml:"other_times"`
	// Bystanders are RE2 patterns of a person's message that is not a
	// response to the incident ("same here", "is anyone looking at this?"):
	// with no explicit acknowledgement, the first reply that is not one
	// of these is the acknowledgement.
	Bystanders []string `yaml:"bystanders"`
}

// Report tunes the weekly report's statistics and presentation.
type Report struct {
	MinN               int                `yaml:"min_n"`
	TargetShare        map[string]float64 `yaml:"target_share"`
	BaselineWeeks      int                `yaml:"baseline_weeks"`
	TrendWeeks         int                `yaml:"trend_weeks"`
	BootstrapResamples int                `yaml:"bootstrap_resamples"`
	Confidence         float64            `yaml:"confidence"`
	WorkingHours       string             `yaml:"working_hours"`
	Title              string             `yaml:"title"`
}

// Run configures the nightly job, `aftermath run`: which steps run and
// where its records go.
type Run struct {
	Ingest      string `yaml:"ingest"`     // slack, export or none
	ExportDir   string `yaml:"export_dir"` // drop folder for ingest: export
	Transform   bool   `yaml:"transform"`
	Report      bool   `yaml:"report"`
	Publish     bool   `yaml:"publish"`
	SummaryFile string `yaml:"summary_file"`
	MetricsFile string `yaml:"metrics_file"`
}

// Run ingest sources.
var RunIngest = []string{"slack", "export", "none"}

// Publish says where outputs go.
type Publish struct {
	Snapshot string `yaml:"snapshot"` // "" is beside the warehouse
	Keep     int    `yaml:"keep"`
	Reports  string `yaml:"reports"`
}

// Privacy says what the published snapshot leaves out.
type Privacy struct {
	RedactText        bool   `yaml:"redact_text"`
	RedactMode        string `yaml:"redact_mode"` // hash or drop
	PseudonymizeUsers bool   `yaml:"pseudonymize_users"`
}

// Path resolves p, a path from the configuration, against the folder of
// the file that set it (the working directory for the defaults).
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" || IsObjectURL(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// SnapshotPath is where the analysts' snapshot of the warehouse at dbPath
// is published: publish.snapshot, or NAME.snapshot.duckdb beside it.
//
// When publish.snapshot is an object-store URL the snapshot is built at the
// default local path and uploaded from there.
func (c *Config) SnapshotPath(dbPath string) string {
	if c.Publish.Snapshot != "" && !IsObjectURL(c.Publish.Snapshot) {
		return c.Path(c.Publish.Snapshot)
	}
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".snapshot.duckdb"
}

// ObjectSchemes are the object stores publish.reports and publish.snapshot
// may name instead of a local path.
var ObjectSchemes = []string{"s3", "gs", "azblob"}

// IsObjectURL reports whether p is an object-store URL (s3://bucket/…).
func IsObjectURL(p string) bool {
	u, err := url.Parse(p)
	return err == nil && slices.Contains(ObjectSchemes, u.Scheme) && u.Host != ""
}

// Service is one entry of the service catalog.
type Service struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
}

// Repo maps a repository URL to a local clone.
type Repo struct {
	URL  string `yaml:"url"`
	Path string `yaml:"path"`
}

// Rule is one recogniser: which messages it reads and what it signals.
type Rule struct {
	Name     string   `yaml:"name"`
	Enabled  *bool    `yaml:"enabled,omitempty"`
	Events   []string `yaml:"events"`
	From     string   `yaml:"from"`
	Subtypes []string `yaml:"subtypes,omitempty"`
	Keywords []string `yaml:"keywords,omitempty"`
	Pattern  string   `yaml:"pattern"`
	Unless   string   `yaml:"unless,omitempty"`
	// UnlessSentence, matched against the sentence that holds the match
	// only, rejects it ("not resolved yet", "resolved?").
	UnlessSentence string `yaml:"unless_sentence,omitempty"`
	// Requires, matched against the whole message, must also match: a
	// resolution said while monitoring ("fixed; we'll keep monitoring").
	Requires string   `yaml:"requires,omitempty"`
	Within   Duration `yaml:"within,omitempty"`
}

// On reports whether the rule is enabled (the default).
func (r Rule) On() bool { return r.Enabled == nil || *r.Enabled }

// Events a rule may signal, and author classes it may read.
var (
	RuleEvents = []string{"declared", "detected", "acknowledged", "investigating", "mitigated", "resolved", "closed",
		"reopened", "impact_start", "severity", "service", "title", "postmortem", "exclude", "regression_claim", "alert_recovered",
		"retrospective", "impact_report", "impact_question", "resolved_watch"}
	ValueEvents = []string{"impact_start", "severity", "service", "title", "postmortem", "exclude"}
	RuleFrom    = []string{"any", "human", "bot", "alert", "incident_bot", "system"}
	Severities  = []string{"SEV0", "SEV1", "SEV2", "SEV3", "SEV4"}
)

// Methods whose rates and page sizes can be configured.
var (
	RateMethods = []string{"conversations.list", "users.list", "conversations.history", "conversations.replies", "conversations.info", "conversations.join"}
	PageMethods = []string{"conversations.list", "users.list", "conversations.history", "conversations.replies"}
)

// Patterns returns the compiled channel name patterns.
func (c *Channels) Compiled() []*regexp.Regexp { return c.compiled }

// Error is a problem in a configuration file, located by line and key.
type Error struct {
	File string // file name, or DefaultsName
	Line int    // 1-based, 0 when unknown
	Key  string // dotted path, e.g. channels.patterns[2]
	Msg  string
}

// Error quotes what the file says, so it passes through redact: a Slack
// token or webhook URL written under the wrong key is not repeated.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return redact.String(b.String())
}

// Errors is every problem found in one load.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return "invalid configuration:\n  " + strings.Join(msgs, "\n  ")
}

// IsConfigError reports whether err is a configuration problem (exit code 2).
func IsConfigError(err error) bool {
	var e *Error
	var es Errors
	return errors.As(err, &e) || errors.As(err, &es)
}

// Default returns the built-in configuration.
func Default() (*Config, error) { return Parse("", nil) }

// MaxFileBytes bounds a configuration file: Load reads no more, so a huge
// file or a device such as /dev/zero fails at once instead of filling
// memory. The built-in defaults are about 15 KiB.
const MaxFileBytes = 1 << 20

// Load reads the file at path and merges it over the defaults. An empty path
// means the defaults alone.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read configuration: %v", errors.Unwrap(err))}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read configuration: %v", errors.Unwrap(err))}
	}
	if len(data) > MaxFileBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than the %d MiB a configuration file may be; is it the right file?", MaxFileBytes>>20)}
	}
	return Parse(path, data)
}

// Parse merges data, named name in errors, over the defaults and validates
// the result. A nil data means the defaults alone.
func Parse(name string, data []byte) (*Config, error) {
	base, err := parseNode(DefaultsName, defaultsYAML)
	if err != nil {
		return nil, err
	}
	lines := map[string]int{}
	source := DefaultsName
	var typeErrs Errors
	if data != nil && len(bytes.TrimSpace(data)) > 0 {
		user, err := parseNode(name, data)
		if err != nil {
			return nil, err
		}
		if user.Kind != yaml.MappingNode {
			return nil, &Error{File: name, Line: user.Line, Msg: "the configuration must be a mapping of keys to values"}
		}
		checkKeys(user, reflect.TypeOf(Config{}), "", name, &typeErrs)
		recordLines(user, "", lines)
		merge(base, user)
		source = name
	}
	var cfg Config
	if err := base.Decode(&cfg); err != nil {
		return nil, sortErrors(append(typeErrs, decodeError(source, err).(Errors)...))
	}
	cfg.Source = source
	if source != DefaultsName {
		if abs, err := filepath.Abs(name); err == nil {
			cfg.Dir = filepath.Dir(abs)
		}
	}
	errs := cfg.validate(func(key string) (string, int) {
		if l, ok := lines[key]; ok {
			return name, l
		}
		return DefaultsName, 0
	})
	if all := append(typeErrs, errs...); len(all) > 0 {
		return nil, sortErrors(all)
	}
	cfg.Lines = lines
	return &cfg, nil
}

// sortErrors orders problems by file, then line; problems of the defaults
// (line 0) last.
func sortErrors(errs Errors) Errors {
	slices.SortStableFunc(errs, func(a, b *Error) int {
		la, lb := a.Line, b.Line
		if la == 0 {
			la = 1 << 30
		}
		if lb == 0 {
			lb = 1 << 30
		}
		return la - lb
	})
	return errs
}

func parseNode(name string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: name, Line: yamlErrLine(err), Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	return doc.Content[0], nil
}

var (
	yamlLine    = regexp.MustCompile(`line (\d+)`)
	memoryLimit = regexp.MustCompile(`^(?i)\d+(\.\d+)?\s*(kb|mb|gb|tb|kib|mib|gib|tib)$`)
)

func yamlErrLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	return 0
}

func decodeError(source string, err error) error {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var errs Errors
	for _, msg := range msgs {
		e := &Error{File: source, Line: yamlErrLine(errors.New(msg)), Msg: msg}
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
			e.Msg = msg[i+2:]
		}
		errs = append(errs, e)
	}
	return errs
}

// merge folds src into dst: mappings key by key, sequences of mappings that
// carry a "name" key entry by entry, anything else replaced by src.
func merge(dst, src *yaml.Node) {
	if dst.Kind == yaml.MappingNode && src.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(src.Content); i += 2 {
			k, v := src.Content[i], src.Content[i+1]
			if j := mappingIndex(dst, k.Value); j >= 0 {
				merge(dst.Content[j+1], v)
				continue
			}
			dst.Content = append(dst.Content, k, v)
		}
		return
	}
	if dst.Kind == yaml.SequenceNode && src.Kind == yaml.SequenceNode && namedSeq(dst) && namedSeq(src) {
		for _, item := range src.Content {
			name := item.Content[mappingIndex(item, "name")+1].Value
			replaced := false
			for j, old := range dst.Content {
				if old.Content[mappingIndex(old, "name")+1].Value == name {
					merge(dst.Content[j], item)
					replaced = true
					break
				}
			}
			if !replaced {
				dst.Content = append(dst.Content, item)
			}
		}
		return
	}
	*dst = *src
}

func mappingIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

func namedSeq(n *yaml.Node) bool {
	if len(n.Content) == 0 {
		return false
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode || mappingIndex(item, "name") < 0 {
			return false
		}
	}
	return true
}

// recordLines maps each dotted key path of the user's file to its line.
func recordLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := join(path, n.Content[i].Value)
			lines[p] = n.Content[i].Line
			recordLines(n.Content[i+1], p, lines)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = item.Line
			recordLines(item, p, lines)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// checkKeys reports keys of n that t has no field for and values of the
// wrong type, each with its key and line, and removes them from n, so the
// rest still decodes and validates and every problem is reported at once.
// It returns false when n itself has the wrong type (the caller removes it).
func checkKeys(n *yaml.Node, t reflect.Type, path, file string, errs *Errors) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(format string, args ...any) bool {
		*errs = append(*errs, &Error{File: file, Line: n.Line, Key: path, Msg: fmt.Sprintf(format, args...)})
		return false
	}
	if n.Kind == yaml.AliasNode {
		return true
	}
	isNull := n.Kind == yaml.ScalarNode && n.Tag == "!!null"
	switch {
	case t == reflect.TypeOf(Duration(0)):
		if n.Kind != yaml.ScalarNode {
			return bad("must be a duration such as 7d, 36h or 90s")
		}
		if _, err := ParseDuration(n.Value); err != nil {
			return bad("%v", err)
		}
	case t.Kind() == reflect.Struct:
		if isNull {
			return true
		}
		if n.Kind != yaml.MappingNode {
			return bad("must be a mapping of keys to values, not %s", describe(n))
		}
		fields := yamlFields(t)
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{File: file, Line: k.Line, Key: p, Msg: "unknown key" + suggest(k.Value, fields)})
				continue
			}
			if checkKeys(v, f.Type, p, file, errs) {
				kept = append(kept, k, v)
			}
		}
		n.Content = kept
	case t.Kind() == reflect.Slice:
		if isNull {
			return true
		}
		if n.Kind != yaml.SequenceNode {
			return bad("must be a list, not %s", describe(n))
		}
		kept := n.Content[:0]
		for i, item := range n.Content {
			if checkKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), file, errs) {
				kept = append(kept, item)
			}
		}
		n.Content = kept
	case t.Kind() == reflect.Map:
		if isNull {
			return true
		}
		if n.Kind != yaml.MappingNode {
			return bad("must be a mapping, not %s", describe(n))
		}
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if checkKeys(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), file, errs) {
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
		}
		n.Content = kept
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return bad("must be true or false, not %s", describe(n))
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return bad("must be a whole number, not %s", describe(n))
		}
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			return bad("must be a single value, not %s", describe(n))
		}
	}
	return true
}

// describe names a YAML value for an error message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		out[tag] = f
	}
	return out
}

func suggest(key string, fields map[string]reflect.StructField) string {
	best, bestDist := "", 3
	for name := range fields {
		if d := editDistance(strings.ToLower(key), name); d < bestDist || d == bestDist && name < best {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

type locator func(key string) (file string, line int)

func (c *Config) validate(at locator) Errors {
	var errs Errors
	bad := func(key, format string, args ...any) {
		file, line := at(key)
		errs = append(errs, &Error{File: file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "" {
		bad("timezone", "unknown time zone %q (want an IANA name such as Europe/London)", c.Timezone)
	}
	c.Location = loc
	if !memoryLimit.MatchString(c.MemoryLimit) {
		bad("memory_limit", "%q is not a size such as 1GB or 512MB", c.MemoryLimit)
	}

	c.Channels.compiled = nil
	if len(c.Channels.Patterns) == 0 && len(c.Channels.Shared) == 0 && len(c.Channels.Include) == 0 {
		bad("channels", "selects no channels: set channels.patterns, channels.shared or channels.include")
	}
	for i, p := range c.Channels.Patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			bad(fmt.Sprintf("channels.patterns[%d]", i), "invalid regular expression %q: %v", p, regexpReason(err))
			continue
		}
		c.Channels.compiled = append(c.Channels.compiled, re)
	}
	for _, list := range []struct {
		key   string
		names []string
	}{{"channels.shared", c.Channels.Shared}, {"channels.include", c.Channels.Include}, {"channels.exclude", c.Channels.Exclude}} {
		for i, n := range list.names {
			if n == "" || strings.HasPrefix(n, "#") || strings.ContainsAny(n, " \t") {
				bad(fmt.Sprintf("%s[%d]", list.key, i), "%q is not a channel name or ID (write names without #)", n)
			}
		}
	}

	if c.Export.BatchMB < 1 || c.Export.BatchMB > 4096 {
		bad("export.batch_mb", "must be between 1 and 4096, not %d", c.Export.BatchMB)
	}

	for _, b := range []struct {
		key       string
		v, lo, hi int
	}{
		{"ingest.max_entry_mb", c.Ingest.MaxEntryMB, 1, 1 << 20},
		{"ingest.max_total_mb", c.Ingest.MaxTotalMB, 1, 1 << 30},
		{"ingest.max_ratio", c.Ingest.MaxRatio, 2, 1 << 30},
		{"ingest.max_message_kb", c.Ingest.MaxMessageKB, 1, 1 << 20},
		{"ingest.max_json_depth", c.Ingest.MaxJSONDepth, 8, 10000},
	} {
		if b.v < b.lo || b.v > b.hi {
			bad(b.key, "must be between %d and %d, not %d", b.lo, b.hi, b.v)
		}
	}

	u, err := url.Parse(c.Slack.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("slack.api_url", "%q is not an http(s) URL", c.Slack.APIURL)
	} else if !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/"
	}
	if c.Slack.WorkspaceURL != "" {
		if u, err := url.Parse(c.Slack.WorkspaceURL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("slack.workspace_url", "%q is not the workspace URL (e.g. https://acme.slack.com/)", c.Slack.WorkspaceURL)
		} else if !strings.HasSuffix(c.Slack.WorkspaceURL, "/") {
			c.Slack.WorkspaceURL += "/"
		}
	}
	if c.Slack.Lookback < 0 {
		bad("slack.lookback", "must not be negative")
	}
	for m, v := range c.Slack.RatePerMinute {
		if !slices.Contains(RateMethods, m) {
			bad("slack.rate_per_minute."+m, "unknown method (known: %s)", strings.Join(RateMethods, ", "))
		} else if v < 1 {
			bad("slack.rate_per_minute."+m, "must be at least 1 request per minute, not %d", v)
		}
	}
	for m, v := range c.Slack.PageSize {
		if !slices.Contains(PageMethods, m) {
			bad("slack.page_size."+m, "unknown method (known: %s)", strings.Join(PageMethods, ", "))
		} else if v < 1 || v > 1000 {
			bad("slack.page_size."+m, "must be between 1 and 1000, not %d", v)
		}
	}
	if c.Slack.MaxRetries < 0 || c.Slack.MaxRetries > 100 {
		bad("slack.max_retries", "must be between 0 and 100, not %d", c.Slack.MaxRetries)
	}
	if c.Slack.MaxBackoff <= 0 {
		bad("slack.max_backoff", "must be positive")
	}
	if c.Slack.RequestTimeout <= 0 {
		bad("slack.request_timeout", "must be positive")
	}
	if c.Query.Timeout < 0 {
		bad("query.timeout", "must not be negative (0 means no timeout)")
	}
	if !memoryLimit.MatchString(c.Query.MemoryLimit) {
		bad("query.memory_limit", "%q is not a size such as 2GB or 512MB", c.Query.MemoryLimit)
	}
	if c.Query.Threads < 1 || c.Query.Threads > 256 {
		bad("query.threads", "must be between 1 and 256, not %d", c.Query.Threads)
	}
	if c.Query.MaxSQLMB < 1 || c.Query.MaxSQLMB > 1024 {
		bad("query.max_sql_mb", "must be between 1 and 1024, not %d", c.Query.MaxSQLMB)
	}
	c.validateIncidents(bad)
	if !slices.Contains(RunIngest, c.Run.Ingest) {
		bad("run.ingest", "must be one of %s, not %q", strings.Join(RunIngest, ", "), c.Run.Ingest)
	} else if c.Run.Ingest == "export" && c.Run.ExportDir == "" {
		bad("run.export_dir", "run.ingest is export: name the folder exports are dropped in")
	}
	for key, p := range map[string]string{"publish.snapshot": c.Publish.Snapshot, "publish.reports": c.Publish.Reports} {
		if strings.Contains(p, "://") && !IsObjectURL(p) {
			bad(key, "%q: a folder, or an object-store URL (%s://bucket/prefix)", p, strings.Join(ObjectSchemes, "://, "))
		}
	}
	if c.Publish.Keep < 1 || c.Publish.Keep > 1000 {
		bad("publish.keep", "must be between 1 and 1000, not %d", c.Publish.Keep)
	}
	if c.Privacy.RedactMode != "hash" && c.Privacy.RedactMode != "drop" {
		bad("privacy.redact_mode", "must be hash or drop, not %q", c.Privacy.RedactMode)
	}
	c.validateReport(bad)
	return errs
}

// regexpReason is what regexp says is wrong with a pattern. Its
// *syntax.Error wraps nothing, so errors.Unwrap gave nil ("<nil>" in the
// message); the code and the offending part are the reason.
func regexpReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
	}
	return err.Error()
}

var workingHours = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$`)

func (c *Config) validateReport(bad func(key, format string, args ...any)) {
	r := c.Report
	if r.MinN < 1 {
		bad("report.min_n", "must be at least 1, not %d", r.MinN)
	}
	for sev, v := range r.TargetShare {
		if !slices.Contains(Severities, sev) {
			bad("report.target_share."+sev, "unknown severity (use %s)", strings.Join(Severities, ", "))
		} else if v <= 0 || v > 1 {
			bad("report.target_share."+sev, "must be a share in (0, 1], not %g", v)
		}
	}
	if r.BaselineWeeks < 1 || r.BaselineWeeks > 104 {
		bad("report.baseline_weeks", "must be between 1 and 104, not %d", r.BaselineWeeks)
	}
	if r.TrendWeeks < 2 || r.TrendWeeks > 104 {
		bad("report.trend_weeks", "must be between 2 and 104, not %d", r.TrendWeeks)
	}
	if r.BootstrapResamples < 100 || r.BootstrapResamples > 100000 {
		bad("report.bootstrap_resamples", "must be between 100 and 100000, not %d", r.BootstrapResamples)
	}
	if r.Confidence <= 0.5 || r.Confidence >= 1 {
		bad("report.confidence", "must be between 0.5 and 1 (e.g. 0.95), not %g", r.Confidence)
	}
	if !workingHours.MatchString(r.WorkingHours) || r.WorkingHours[:5] >= r.WorkingHours[6:] {
		bad("report.working_hours", "%q is not a range of local times such as 09:00-18:00", r.WorkingHours)
	}
}

func (c *Config) validateIncidents(bad func(key, format string, args ...any)) {
	in := c.Incidents
	labels := map[string]string{}
	for sev, list := range in.Severities {
		if !slices.Contains(Severities, sev) {
			bad("incidents.severities."+sev, "unknown severity (use %s)", strings.Join(Severities, ", "))
		}
		for _, l := range list {
			k := NormLabel(l)
			if other, dup := labels[k]; dup && other != sev {
				bad("incidents.severities."+sev, "label %q also means %s", l, other)
			}
			labels[k] = sev
		}
	}
	for sev := range in.ResolveTargets {
		if !slices.Contains(Severities, sev) {
			bad("incidents.resolve_targets."+sev, "unknown severity (use %s)", strings.Join(Severities, ", "))
		}
	}
	for i, sev := range in.PostmortemSeverities {
		if !slices.Contains(Severities, sev) {
			bad(fmt.Sprintf("incidents.postmortem_severities[%d]", i), "unknown severity %q", sev)
		}
	}
	if in.RecurrenceWindow <= 0 {
		bad("incidents.recurrence_window", "must be positive")
	}
	seen := map[string]bool{}
	for i, s := range in.Services {
		key := fmt.Sprintf("incidents.services[%d]", i)
		if s.Name == "" {
			bad(key+".name", "every service needs a name")
		}
		if seen[s.Name] {
			bad(key+".name", "service %q is listed twice", s.Name)
		}
		seen[s.Name] = true
	}
	for bot, table := range in.BotSeverities {
		for label, sev := range table {
			if !slices.Contains(Severities, sev) {
				bad("incidents.bot_severities."+bot+"."+label, "unknown severity %q (use %s)", sev, strings.Join(Severities, ", "))
			}
		}
	}
	for i, p := range in.OtherTimes {
		if _, err := regexp.Compile(p); err != nil {
			bad(fmt.Sprintf("incidents.other_times[%d]", i), "invalid pattern: %v", err)
		}
	}
	for i, p := range in.Bystanders {
		if _, err := regexp.Compile(p); err != nil {
			bad(fmt.Sprintf("incidents.bystanders[%d]", i), "invalid pattern: %v", err)
		}
	}
	for i, g := range in.TestGlobs {
		if _, err := path.Match(strings.TrimSuffix(g, "/"), "x"); err != nil || g == "" {
			bad(fmt.Sprintf("incidents.test_globs[%d]", i), "invalid glob %q", g)
		}
	}
	for i, r := range c.Repos {
		key := fmt.Sprintf("repos[%d]", i)
		if u, err := url.Parse(r.URL); err != nil || u.Host == "" {
			bad(key+".url", "%q is not a repository URL (e.g. https://github.com/acme/checkout)", r.URL)
		}
		if r.Path == "" {
			bad(key+".path", "needs the path of a local clone")
		}
	}
	names := map[string]bool{}
	for i, r := range c.Recognisers {
		key := fmt.Sprintf("recognisers[%d]", i)
		if r.Name == "" {
			bad(key+".name", "every recogniser needs a name")
		} else if names[r.Name] {
			bad(key+".name", "recogniser %q is defined twice", r.Name)
		}
		names[r.Name] = true
		if !r.On() {
			continue
		}
		if len(r.Events) == 0 {
			bad(key+".events", "lists no events (known: %s)", strings.Join(RuleEvents, ", "))
		}
		needsValue := false
		for j, e := range r.Events {
			if !slices.Contains(RuleEvents, e) {
				bad(fmt.Sprintf("%s.events[%d]", key, j), "unknown event %q (known: %s)", e, strings.Join(RuleEvents, ", "))
			}
			needsValue = needsValue || slices.Contains(ValueEvents, e)
		}
		if !slices.Contains(RuleFrom, r.From) {
			bad(key+".from", "unknown author class %q (known: %s)", r.From, strings.Join(RuleFrom, ", "))
		}
		re, err := regexp.Compile(r.Pattern)
		switch {
		case err != nil:
			bad(key+".pattern", "invalid regular expression: %v", regexpReason(err))
		case r.Pattern == "":
			bad(key+".pattern", "is empty")
		case needsValue && !hasValueGroup(re):
			bad(key+".pattern", "%s needs a (?P<value>…) group", strings.Join(r.Events, ", "))
		}
		for _, x := range []struct{ key, expr string }{{".unless", r.Unless}, {".unless_sentence", r.UnlessSentence}, {".requires", r.Requires}} {
			if x.expr == "" {
				continue
			}
			if _, err := regexp.Compile(x.expr); err != nil {
				bad(key+x.key, "invalid regular expression: %v", regexpReason(err))
			}
		}
		for j, k := range r.Keywords {
			if k != strings.ToLower(k) || k == "" {
				bad(fmt.Sprintf("%s.keywords[%d]", key, j), "keywords are non-empty lowercase substrings, not %q", k)
			}
		}
	}
}

func hasValueGroup(re *regexp.Regexp) bool {
	for _, n := range re.SubexpNames() {
		if strings.HasPrefix(n, "value") {
			return true
		}
	}
	return false
}

// NormLabel normalises a severity label for lookup: lowercase, without
// spaces, dashes or underscores ("SEV-1", "sev 1" → "sev1").
func NormLabel(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// YAML renders the effective configuration.
func (c *Config) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

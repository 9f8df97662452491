package samplegen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // day files are cut on Los Angeles days whatever the host's zoneinfo
)

// Options configures a sample workspace.
type Options struct {
	Seed      int64
	Weeks     int       // history length, ending at End
	Incidents int       // real incidents; drills, maintenance and tests come on top (~5%)
	Scale     float64   // multiplies chatter volume (messages per incident and noise channels); 1 is realistic
	End       time.Time // the workspace's "now"
	Zip       bool      // also write DIR/export.zip
	// HeldAside writes people's lifecycle messages (declarations, acks,
	// mitigations, resolutions, status updates) from the held-aside phrase
	// banks, which the recognisers were not tuned on: accuracy measured on
	// them is not circular.
	HeldAside bool
}

// Summary reports what Generate wrote.
type Summary struct {
	Dir       string
	Channels  int   // channels in the export, public and private
	Private   int   // of which private (groups.json)
	Messages  int64 // messages in all day files
	Incidents int   // incidents in truth.json, excluded ones included
	Excluded  int   // drills, game days, maintenance, tests, cancelled
	Open      int   // real incidents not resolved at End
	Users     int   // people and bot users in users.json
	Repos     int
	Fixes     int   // fix commits across the repositories
	Files     int   // files written (export, truth, workspace, zip; not the repositories)
	Bytes     int64 // bytes in those files
}

// ErrNotEmpty is returned when the output directory holds an export or
// repositories that Generate did not write.
var ErrNotEmpty = errors.New("samplegen: output directory already holds an export not made by samplegen")

const generatorName = "aftermath samplegen 1"

// ErrOptions reports Options out of range.
var ErrOptions = errors.New("samplegen: invalid options")

func (o Options) validate() error {
	if err := o.check(); err != nil {
		return fmt.Errorf("%w: %v", ErrOptions, err)
	}
	return nil
}

func (o Options) check() error {
	switch {
	case o.Weeks < 1 || o.Weeks > 520:
		return fmt.Errorf("weeks must be between 1 and 520, got %d", o.Weeks)
	case o.Incidents < 0 || o.Incidents > 200_000:
		return fmt.Errorf("incidents must be between 0 and 200000, got %d", o.Incidents)
	case !(o.Scale > 0) || o.Scale > 10_000 || math.IsInf(o.Scale, 0):
		return fmt.Errorf("scale must be positive, got %v", o.Scale)
	case o.End.IsZero():
		return errors.New("End must be set")
	case o.End.Year() < 2000 || o.End.Year() > 2200:
		return fmt.Errorf("End %v is out of range", o.End)
	}
	return nil
}

// Generate writes a sample workspace into dir: export/ (a Slack workspace
// export), truth.json, workspace.json, repos/ and, if asked, export.zip.
// The same Options give byte-identical files. Outputs of an earlier run in
// dir are replaced.
func Generate(ctx context.Context, dir string, opts Options) (*Summary, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts.End = opts.End.UTC().Truncate(time.Second)
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		return nil, fmt.Errorf("samplegen: load time zone: %w", err)
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	p := newPlan(opts, la)

	for _, rp := range p.cat.repos {
		if err := buildRepo(ctx, filepath.Join(dir, "repos", rp.name), rp, p.start-45*usDay); err != nil {
			return nil, fmt.Errorf("samplegen: build repository %s: %w", rp.name, err)
		}
	}

	exportDir := filepath.Join(dir, "export")
	if err := os.MkdirAll(exportDir, 0o755); err != nil {
		return nil, err
	}
	results, err := generateChannels(ctx, p, exportDir)
	if err != nil {
		return nil, err
	}

	sum := &Summary{Dir: dir, Repos: len(p.cat.repos)}
	truth := &Truth{Generator: generatorName, Rules: truthRules, Options: TruthOptions{
		Seed: opts.Seed, Weeks: opts.Weeks, Incidents: opts.Incidents, Scale: opts.Scale,
		End: opts.End.Format(time.RFC3339), Zip: opts.Zip,
	}}
	var public, private []channelMeta
	for i, res := range results {
		ch := p.channels[i]
		sum.Messages += int64(res.messages)
		sum.Files += res.files
		sum.Bytes += res.bytes
		truth.Incidents = append(truth.Incidents, res.truths...)
		tc := TruthChannel{ID: ch.id, Name: ch.name, OldName: strPtr(ch.oldName), Kind: channelKindNames[ch.kind], Private: ch.private,
			Archived: res.meta.archived, Messages: res.messages, DayFiles: res.files, Incidents: []string{}}
		for _, t := range res.truths {
			tc.Incidents = append(tc.Incidents, t.ID)
		}
		truth.Channels = append(truth.Channels, tc)
		if ch.private {
			private = append(private, res.meta)
		} else {
			public = append(public, res.meta)
		}
	}
	truth.Messages = sum.Messages
	slices.SortFunc(truth.Incidents, func(a, b TruthIncident) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(truth.Channels, func(a, b TruthChannel) int { return cmp.Compare(a.Name, b.Name) })
	sum.Channels, sum.Private = len(p.channels), len(private)
	sum.Incidents = len(truth.Incidents)
	for _, t := range truth.Incidents {
		if t.Excluded {
			sum.Excluded++
		} else if t.ResolvedAt == nil {
			sum.Open++
		}
	}
	for _, rp := range p.cat.repos {
		sum.Fixes += len(rp.fixes)
	}

	type top struct {
		name  string
		write func(string) (int64, error)
	}
	installed := p.start/usSecond - 400*86400
	tops := []top{
		{"export/users.json", func(path string) (int64, error) { return writeUsers(path, p.cat, installed) }},
		{"export/channels.json", func(path string) (int64, error) { return writeChannels(path, public) }},
		{"export/groups.json", func(path string) (int64, error) { return writeChannels(path, private) }},
		{"export/integration_logs.json", func(path string) (int64, error) { return writeIntegrationLogs(path, p.cat, installed) }},
		{"truth.json", func(path string) (int64, error) { return writeJSONFile(path, truth) }},
		{"workspace.json", func(path string) (int64, error) { return writeJSONFile(path, newWorkspace(p)) }},
	}
	for _, t := range tops {
		n, err := t.write(filepath.Join(dir, t.name))
		if err != nil {
			return nil, fmt.Errorf("samplegen: write %s: %w", t.name, err)
		}
		sum.Files++
		sum.Bytes += n
	}
	sum.Users = len(p.cat.people) + 1
	for _, b := range p.cat.bots.all {
		if !b.webhook {
			sum.Users++
		}
	}
	if opts.Zip {
		n, err := writeZip(ctx, exportDir, filepath.Join(dir, "export.zip"), opts.End)
		if err != nil {
			return nil, fmt.Errorf("samplegen: write export.zip: %w", err)
		}
		sum.Files++
		sum.Bytes += n
	}
	return sum, nil
}

// prepareDir removes the outputs of an earlier run. It refuses to touch an
// export or repos folder that has no truth.json beside it.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("samplegen: %w", err)
	}
	_, err := os.Stat(filepath.Join(dir, "truth.json"))
	ours := err == nil
	for _, name := range []string{"export", "repos", "export.zip", "truth.json", "workspace.json"} {
		path := filepath.Join(dir, name)
		if _, err := os.Lstat(path); err != nil {
			continue
		}
		if !ours && (name == "export" || name == "repos" || name == "export.zip") {
			return fmt.Errorf("%w: %s", ErrNotEmpty, path)
		}
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("samplegen: %w", err)
		}
	}
	return nil
}

// channelResult is what one channel's generation reports.
type channelResult struct {
	meta     channelMeta
	truths   []TruthIncident
	messages int
	files    int
	bytes    int64
}

// generateChannels writes every channel folder, biggest first, on as many
// workers as there are CPUs. Each channel draws from its own random stream
// and writes its own files, so the output does not depend on scheduling.
func generateChannels(ctx context.Context, p *plan, exportDir string) ([]channelResult, error) {
	order := make([]int, len(p.channels))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return p.channels[b].estimate - p.channels[a].estimate })
	results := make([]channelResult, len(p.channels))
	errs := make([]error, len(p.channels))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(order) || ctx.Err() != nil {
					return
				}
				i := order[k]
				results[i], errs[i] = generateChannel(ctx, p, p.channels[i], exportDir)
				if errs[i] != nil {
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

func generateChannel(ctx context.Context, p *plan, ch *channelPlan, exportDir string) (channelResult, error) {
	r := newRnd(p.opts.Seed, "channel/"+ch.id)
	b := newBuilder(ch, p.cat, r, p.end)
	w := newDayWriter(filepath.Join(exportDir, ch.name), p.la, b.hash)
	res := channelResult{meta: channelMeta{plan: ch}}
	var err error
	if ch.kind == chanIncident {
		t, st := renderIncident(b, ch.incident)
		res.truths = append(res.truths, *t)
		res.meta.topic, res.meta.topicAt, res.meta.archived = st.topic, st.topicAt/usSecond, st.archived
		res.meta.topicBy = ch.creator
		res.meta.members = incidentMembers(b)
		err = b.flush(math.MaxInt64, w)
	} else {
		err = streamChannel(ctx, p, b, w, func(inc *incident) error {
			t, _ := renderIncident(b, inc)
			res.truths = append(res.truths, *t)
			return nil
		})
		res.meta.members = channelMembers(p, ch)
	}
	if cerr := w.closeFile(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("samplegen: channel %s: %w", ch.name, err)
	}
	res.messages, res.files, res.bytes = w.messages, w.files, w.bytes
	return res, nil
}

// incidentMembers lists everyone who posted in or joined the channel.
func incidentMembers(b *builder) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range b.msgs {
		id := m.authorID()
		if id != "" && id != "USLACKBOT" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func channelMembers(p *plan, ch *channelPlan) []string {
	var out []string
	for _, q := range p.cat.active() {
		out = append(out, q.id)
	}
	bs := p.cat.bots
	switch ch.noise {
	case noiseShared:
		for _, b := range []*bot{bs.pagerduty, bs.incidentio, bs.datadog, bs.sentry, bs.cloudwatch, bs.opsgenie} {
			out = append(out, b.userID)
		}
	case noiseAlerts:
		out = append(out, bs.datadog.userID, bs.sentry.userID, bs.cloudwatch.userID)
	}
	slices.Sort(out)
	return out
}

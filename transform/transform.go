package transform

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// Options configure Run.
type Options struct {
	// Now is the clock; its value at the start is the as-of instant open
	// incidents are measured to.
	Now func() time.Time
	Log *slog.Logger
	// MessagesPerQuery bounds how many messages are read at once (whole
	// channels, so a larger channel is read alone), and so the memory a
	// transform needs however large the warehouse grows.
	MessagesPerQuery int
	// Progress, if set, is told how many of the messages to read have been
	// read, after each slice (for a progress bar).
	Progress func(done, total int64)
	// Committed, if set, is told at the milestones of the one transaction
	// that replaces the derived tables: "begin", each table written,
	// "commit" (a test hook: see docs/faults.md).
	Committed func(what string)
}

// Summary is what a transform found.
type Summary struct {
	RunID     int64
	Messages  int64
	Incidents int
	Resolved  int
	Open      int
	Excluded  int
	Problems  int
	// ConfigHash is the SHA-256 of the effective configuration; when it
	// differs from the last run's, ConfigChanged says so, naming both
	// configuration sources.
	ConfigHash    string
	ConfigChanged string
}

// Run rebuilds the derived layer from the raw tables, replacing it in one
// transaction. It reads as the stages, each in its own file: units
// (units.go), signals (signals.go, run as messages stream by), timelines
// (timelines.go), enrichment (enrichment.go) and write (write.go).
func Run(ctx context.Context, db *warehouse.DB, cfg *config.Config, opts Options) (_ *Summary, err error) {
	startedAt := opts.Now()
	if opts.MessagesPerQuery <= 0 {
		opts.MessagesPerQuery = 50_000
	}
	cls, err := newClassifier(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	restore, err := warehouse.CapMemory(ctx, conn, memoryLimit, cfg.MemoryLimit)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := restore(); rerr != nil && err == nil {
			err = rerr
		}
	}()

	// 1–3. Units, read slice by slice; their messages classified into
	// signals; each unit assembled into its incident's timeline.
	chans, err := loadChannels(ctx, conn, cfg)
	if err != nil {
		return nil, err
	}
	b := newBuild(cls, newAssembler(cfg, startedAt), chans, startedAt)
	b.patterns = cfg.Channels.Compiled()
	b.progress = opts.Progress
	b.now = opts.Now
	b.committed = opts.Committed
	if err := b.readUnits(ctx, conn, opts.MessagesPerQuery); err != nil {
		return nil, err
	}
	b.dropAnnouncements()
	opts.Log.Debug("transform: units read, classified and assembled", "messages", b.messages,
		"read", b.stages.read.Round(time.Millisecond), "waited", b.stages.wait.Round(time.Millisecond),
		"classify", b.stages.classify.Round(time.Millisecond), "assemble", b.stages.assemble.Round(time.Millisecond), "elapsed", opts.Now().Sub(startedAt).Round(time.Millisecond))

	// 4. Enrichment: regression tests, recurrences, statuses, data quality.
	if err := checkFixes(ctx, b.incidents, cfg, opts.Log); err != nil {
		return nil, err
	}
	opts.Log.Debug("transform: fixes checked", "elapsed", opts.Now().Sub(startedAt).Round(time.Millisecond))
	finish(b.incidents, cfg, b.asm.catalog, startedAt)
	opts.Log.Debug("transform: enriched", "elapsed", opts.Now().Sub(startedAt).Round(time.Millisecond))

	// 5. Write, saying when the configuration differs from the last run's.
	sum := summarise(b)
	if sum.ConfigHash, err = configHash(cfg); err != nil {
		return nil, err
	}
	prevRun, prevSource, prevHash, ok, err := previousConfig(ctx, conn)
	if err != nil {
		return nil, err
	}
	if ok && prevHash != sum.ConfigHash {
		sum.ConfigChanged = fmt.Sprintf("the configuration differs from the last transform's (run %d): that run used %s (sha256 %.12s), this one uses %s (sha256 %.12s); every derived number may change",
			prevRun, prevSource, prevHash, cfg.Source, sum.ConfigHash)
		opts.Log.Warn(sum.ConfigChanged)
	}
	sum.RunID, err = write(ctx, conn, b, cfg, startedAt, opts.Now, sum)
	if err != nil {
		return nil, err
	}
	opts.Log.Info("transform done", "incidents", sum.Incidents, "resolved", sum.Resolved, "open", sum.Open,
		"excluded", sum.Excluded, "problems", sum.Problems, "messages", sum.Messages, "elapsed", opts.Now().Sub(startedAt).Round(time.Millisecond))
	return sum, nil
}

// memoryLimit caps DuckDB's memory while transform runs (the configured
// memory_limit, default 1GB, is put back after). Transform only reads
// channels a slice at a time, sorts a slice and appends the derived rows:
// with the configured 1GB DuckDB's buffer pool filled with the messages
// table as the warehouse grew (784 MiB peak RSS at 1.02M messages,
// 1,338 MiB at 2.02M), and with long incidents (8 channels of 124k
// messages, each read as one slice) the process peaked at 1.1-1.2 GiB,
// about half of it the Go heap. Capped at 256 MiB (measured, 2026-12-07,
// single runs at load 12): 938 MiB and 622 MiB at 1M messages, the same
// CPU time; 384 MiB left the long-incident shape at 1,073 MiB.
const memoryLimit = 256 << 20

// summarise counts what the run found.
func summarise(b *build) *Summary {
	sum := &Summary{Messages: b.messages, Incidents: len(b.incidents)}
	for _, inc := range b.incidents {
		switch {
		case inc.excluded != "":
			sum.Excluded++
		case inc.events["resolved"] != nil:
			sum.Resolved++
		default:
			sum.Open++
		}
		sum.Problems += len(inc.quality)
	}
	sum.Problems += len(b.notIncidents)
	return sum
}

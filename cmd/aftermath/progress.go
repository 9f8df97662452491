package main

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is one progress bar with an ETA on stderr, for ingest export,
// ingest slack and transform, drawn by github.com/schollz/progressbar/v3
// (one library for the whole tool: it computes the rate and ETA, throttles
// redraws and fits the terminal). It exists only on a terminal: a nil
// *progress does nothing, so callers need not check. Log records go
// through Write, which clears the bar, writes and redraws.
type progress struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

// newProgress starts a bar described by desc. bytes says the counts are
// bytes (shown as MB); else they are items.
func newProgress(d *deps, desc string, bytes bool) *progress {
	return newProgressEvery(d, desc, bytes, 100*time.Millisecond)
}

// newProgressEvery is newProgress redrawing at most every throttle (the
// library reads the wall clock for it and for the ETA; tests pass 0).
func newProgressEvery(d *deps, desc string, bytes bool, throttle time.Duration) *progress {
	if !d.stderrTTY {
		return nil
	}
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(d.stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(bytes),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(throttle),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth(),
		progressbar.OptionUseANSICodes(true),
	)
	return &progress{w: d.stderr, bar: bar}
}

// set moves the bar to done of total (total ≤ 0: unknown), optionally
// with a new description.
func (p *progress) set(done, total int64, desc string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if total > 0 && total != p.bar.GetMax64() {
		p.bar.ChangeMax64(total)
	}
	if desc != "" {
		p.bar.Describe(desc)
	}
	p.bar.Set64(done)
}

// Write lets a log record through the bar.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar.Clear()
	n, err := p.w.Write(b)
	p.bar.RenderBlank()
	return n, err
}

// finish removes the bar.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar.Exit()
}

// logger is the logger to use while the bar shows: d's, through the bar.
func (p *progress) logger(d *deps) *slog.Logger {
	if p == nil {
		return d.log
	}
	return newLogger(d, p)
}

package main

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// progress is one progress line on stderr, for ingest export, ingest slack
// and transform: a description, the share done as a bar, the count, and
// [elapsed:ETA] and the rate, all taken from the deps' clock (d.now), so a
// test with a fake clock sees exact figures. (schollz/progressbar drew
// this line before; it reads the wall clock and takes no clock, and the
// line is small enough to draw here.) It exists only on a terminal: a nil
// *progress does nothing, so callers need not check. Log records go
// through Write, which clears the line, writes and redraws.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	width int // columns of the terminal; 0 when unknown
	every time.Duration
	bytes bool

	desc        string
	done, total int64
	start, last time.Time // when the line started and was last drawn
	line        string    // what is on screen, "" when nothing
}

// newProgress starts a line described by desc. bytes says the counts are
// bytes (shown as kB, MB, …); else they are items.
func newProgress(d *deps, desc string, bytes bool) *progress {
	return newProgressEvery(d, desc, bytes, 100*time.Millisecond)
}

// newProgressEvery is newProgress redrawing at most every throttle of the
// deps' clock (tests pass 0).
func newProgressEvery(d *deps, desc string, bytes bool, throttle time.Duration) *progress {
	if !d.stderrTTY {
		return nil
	}
	return &progress{w: d.stderr, now: d.now, width: terminalWidth(d.stderr), every: throttle, bytes: bytes,
		desc: desc, start: d.now()}
}

// set moves the line to done of total (total ≤ 0: unknown), optionally
// with a new description. It reads the clock once.
func (p *progress) set(done, total int64, desc string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if desc != "" {
		p.desc = desc
	}
	now := p.now()
	if p.line != "" && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.draw(p.render(now.Sub(p.start)))
}

// render is the line after elapsed: "desc  75% |███   | (3/4) [6s:2s] 0.5/s".
func (p *progress) render(elapsed time.Duration) string {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed.Seconds()
	}
	count, speed := p.amount(p.done), fmt.Sprintf("%.1f/s", rate)
	if p.bytes {
		speed = humanBytes(int64(rate)) + "/s"
	}
	clock := "[" + wholeSeconds(elapsed)
	if p.total > 0 {
		count += "/" + p.amount(p.total)
		eta := "?" // nothing done yet, or no time passed
		if rate > 0 {
			eta = wholeSeconds(time.Duration(float64(max(p.total-p.done, 0)) / rate * float64(time.Second)))
		}
		clock += ":" + eta
	}
	clock += "]"
	tail := " (" + count + ") " + clock + " " + speed
	if p.total <= 0 {
		return p.desc + tail
	}
	share := min(max(float64(p.done)/float64(p.total), 0), 1)
	head := fmt.Sprintf("%s %3.0f%% ", p.desc, 100*share)
	// The bar takes what the terminal leaves, 10 to 40 columns; none
	// when the terminal is too narrow.
	bar := 20
	if p.width > 0 {
		bar = min(40, p.width-1-utf8.RuneCountInString(head+tail)-2)
	}
	if bar < 10 {
		return head + strings.TrimPrefix(tail, " ")
	}
	filled := int(share * float64(bar))
	return head + "|" + strings.Repeat("█", filled) + strings.Repeat(" ", bar-filled) + "|" + tail
}

// amount is n as the line counts: items, or bytes in SI units.
func (p *progress) amount(n int64) string {
	if p.bytes {
		return humanBytes(n)
	}
	return strconv.FormatInt(n, 10)
}

// draw replaces the line on screen, cut to the terminal's width so that it
// never wraps (a wrapped line cannot be redrawn in place).
func (p *progress) draw(line string) {
	if p.width > 0 && utf8.RuneCountInString(line) > p.width-1 {
		line = string([]rune(line)[:p.width-1])
	}
	fmt.Fprint(p.w, "\r"+line+"\x1b[K")
	p.line = line
}

// clear removes the line from the screen.
func (p *progress) clear() {
	if p.line != "" {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// Write lets a log record through the line.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	n, err := p.w.Write(b)
	if p.line != "" {
		fmt.Fprint(p.w, p.line+"\x1b[K")
	}
	return n, err
}

// finish removes the line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	p.line = ""
}

// logger is the logger to use while the line shows: d's, through the line.
func (p *progress) logger(d *deps) *slog.Logger {
	if p == nil {
		return d.log
	}
	return newLogger(d, p)
}

// wholeSeconds is d cut to whole seconds: "0s", "42s", "1m5s".
func wholeSeconds(d time.Duration) string {
	return d.Truncate(time.Second).String()
}

// humanBytes is n bytes in SI units: "512 B", "12.3 kB", "4.0 MB".
func humanBytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1000, "kB"
	for _, next := range []string{"MB", "GB", "TB"} {
		if v < 1000 {
			break
		}
		v, unit = v/1000, next
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

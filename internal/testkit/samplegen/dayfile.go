package samplegen

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// dayWriter streams one channel's messages, in ts order, into day files
// cut on America/Los_Angeles days, as Slack's exporter does. Each file is a
// JSON array; the encoder's buffer is the only buffer.
type dayWriter struct {
	dir      string
	loc      *time.Location
	chanHash uint64
	f        *os.File
	e        enc
	dayEnd   int64
	lastTS   int64

	files    int
	bytes    int64
	messages int
}

const flushAt = 256 << 10

func newDayWriter(dir string, loc *time.Location, chanHash uint64) *dayWriter {
	return &dayWriter{dir: dir, loc: loc, chanHash: chanHash, e: enc{b: make([]byte, 0, flushAt+64<<10)}}
}

func (w *dayWriter) write(m *message) error {
	if m.ts <= w.lastTS && w.messages > 0 {
		return fmt.Errorf("message %d out of order after %d", m.ts, w.lastTS)
	}
	w.lastTS = m.ts
	if w.f == nil || m.ts >= w.dayEnd {
		if err := w.closeFile(); err != nil {
			return err
		}
		if err := w.openDay(m.ts); err != nil {
			return err
		}
	}
	encodeMessage(&w.e, m, w.chanHash)
	w.messages++
	if len(w.e.b) >= flushAt {
		return w.drain()
	}
	return nil
}

func (w *dayWriter) openDay(ts int64) error {
	lt := time.UnixMicro(ts).In(w.loc)
	y, mo, d := lt.Date()
	w.dayEnd = time.Date(y, mo, d+1, 0, 0, 0, 0, w.loc).UnixMicro()
	if w.files == 0 {
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.Create(filepath.Join(w.dir, lt.Format("2006-01-02")+".json"))
	if err != nil {
		return err
	}
	w.f = f
	w.files++
	w.e.b = append(w.e.b[:0], '[')
	w.e.stack = append(w.e.stack[:0], false)
	return nil
}

func (w *dayWriter) drain() error {
	n, err := w.f.Write(w.e.b)
	w.bytes += int64(n)
	w.e.b = w.e.b[:0]
	return err
}

func (w *dayWriter) closeFile() error {
	if w.f == nil {
		return nil
	}
	w.e.close(']')
	err := w.drain()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	return err
}

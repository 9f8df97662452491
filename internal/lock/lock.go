//go:build unix

// Package lock keeps two aftermath writers off one warehouse.
//
// The lock is an flock(2) on a file beside the database (warehouse.duckdb.lock).
// The kernel releases it when its holder exits, however it exits, so a lock
// left by a killed process is never "stale": the next writer simply gets it.
// The file also holds a small JSON record of the holder (PID, host, command,
// since when), which a refused writer prints, and which tells the next holder
// that the previous one did not release cleanly.
package lock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// ErrHeld reports that another process holds the lock.
var ErrHeld = errors.New("another aftermath command is writing this warehouse")

// Holder says who holds a lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// HeldError is ErrHeld with the holder's record, when it could be read.
type HeldError struct {
	Path   string
	Holder *Holder
}

func (e *HeldError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("%v (lock %s; holder unknown)", ErrHeld, e.Path)
	}
	h := e.Holder
	return fmt.Sprintf("%v: pid %d on %s, running %q since %s (lock %s)",
		ErrHeld, h.PID, h.Host, h.Command, h.Since.UTC().Format(time.RFC3339), e.Path)
}

func (e *HeldError) Unwrap() error { return ErrHeld }

// Lock is a held lock.
type Lock struct {
	f    *os.File
	path string
	// Abandoned is the record a previous holder left without releasing
	// (it was killed or crashed), or nil.
	Abandoned *Holder
}

// PathFor is the lock file of the database at dbPath.
func PathFor(dbPath string) string { return dbPath + ".lock" }

// Acquire takes the lock of the database at dbPath without waiting: it
// returns a *HeldError at once when another process holds it.
func Acquire(dbPath string, h Holder) (*Lock, error) {
	path := PathFor(dbPath)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &HeldError{Path: path, Holder: readHolder(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	l := &Lock{f: f, path: path, Abandoned: readHolder(path)}
	if h.Since.IsZero() {
		h.Since = time.Now()
	}
	h.Since = h.Since.UTC()
	data, _ := json.Marshal(h)
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(data, '\n'), 0)
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			l.Release()
			return nil, fmt.Errorf("lock %s: write holder: %w", path, err)
		}
	}
	return l, nil
}

// Release clears the holder record and releases the lock. Releasing twice
// is a no-op.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	errT := l.f.Truncate(0)
	errU := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	errC := l.f.Close()
	l.f = nil
	if err := errors.Join(errT, errU, errC); err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	return nil
}

// readHolder reads the record in the lock file, or nil when it is empty or
// not yet fully written.
func readHolder(path string) *Holder {
	data, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		return nil
	}
	var h Holder
	if json.Unmarshal(data, &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}

// Current describes this process as a lock holder running command.
func Current(command string, now time.Time) Holder {
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Host: host, Command: command, Since: now}
}

// Check returns a *HeldError when another process holds the lock of the
// database at dbPath, and nil when nobody does. It takes nothing: a writer
// may start right after it returns (DuckDB's own file lock then refuses
// one of the two).
func Check(dbPath string) error {
	path := PathFor(dbPath)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return &HeldError{Path: path, Holder: readHolder(path)}
		}
		return fmt.Errorf("lock %s: %w", path, err)
	}
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

// commitFDEnv names an open file descriptor that the fault-injection
// harness passes in: each writing stage then reports every batch or
// transaction it has durably stored, and every milestone of a one-statement
// write, as one line on it, so the harness can kill the process right after
// a chosen one (docs/faults.md). On a pipe the lines are only written; on a
// socket the process then waits for one byte of acknowledgement, so that a
// kill sent instead of it lands exactly there, before anything more is
// written. A test hook: unset in production, where the stages' Committed
// hooks stay nil.
const commitFDEnv = "AFTERMATH_COMMIT_FD"

// commitHook returns the stages' Committed hook writing to the descriptor
// $AFTERMATH_COMMIT_FD names, or nil when it is unset. A value that is not
// an open descriptor is a usage error, never silently ignored.
func commitHook(getenv func(string) string) (func(what string), error) {
	v := getenv(commitFDEnv)
	if v == "" {
		return nil, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, usagef("$%s=%q: want the number of an open file descriptor above 2", commitFDEnv, v)
	}
	f := os.NewFile(uintptr(fd), commitFDEnv)
	if _, err := f.Stat(); err != nil {
		return nil, usagef("$%s=%d: %v", commitFDEnv, fd, err)
	}
	var mu sync.Mutex
	ack := make([]byte, 1)
	return func(what string) {
		mu.Lock()
		defer mu.Unlock()
		// One write per line, unbuffered: the line is out before the stage
		// goes on. A reader that went away must not stop the stage (the
		// hook only observes), nor a descriptor that cannot be read (a
		// pipe): errors are ignored.
		if _, err := fmt.Fprintln(f, what); err == nil {
			f.Read(ack)
		}
	}, nil
}

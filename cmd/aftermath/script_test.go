package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// The kill test re-runs this binary as aftermath itself.
	if os.Getenv("AFTERMATH_TEST_MAIN") == "1" {
		d := newDeps(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		if at := os.Getenv("AFTERMATH_TEST_CLOCK"); at != "" {
			d.now = testClock(at)
		}
		os.Exit(mainDeps(d, os.Args[1:]))
	}
	testscript.Main(m, map[string]func(){
		"aftermath": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)) },
	})
}

// testClock is a clock that starts at the instant at (RFC 3339) when the
// process starts and runs at the real pace: tests that compare a clean run
// with a killed run's rerun, minutes apart, see the same "now" give or
// take the seconds each run takes (the week reported, how long an open
// incident has been open), while waits that need time to pass still end.
func testClock(at string) func() time.Time {
	t0, err := time.Parse(time.RFC3339, at)
	if err != nil {
		panic("AFTERMATH_TEST_CLOCK: " + err.Error())
	}
	start := time.Now()
	return func() time.Time { return t0.Add(time.Since(start)) }
}

// childEnv is the environment of this binary run as aftermath by the kill,
// fault and disk-full tests, on top of the test's own: no warehouse or
// configuration from the user's environment, and the test clock.
var childEnv = []string{"AFTERMATH_TEST_MAIN=1", "AFTERMATH_DB=", "AFTERMATH_CONFIG=", "AFTERMATH_TEST_CLOCK=2026-12-02T12:00:00Z"}

// TestScripts runs testdata/script/*.txtar: what a user types, and what
// they see.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams("testdata/script"))
}

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return abs
}

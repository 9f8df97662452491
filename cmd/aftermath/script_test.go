package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aftermath-dev/aftermath/internal/lock"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

func TestMain(m *testing.M) {
	// The kill test re-runs this binary as aftermath itself.
	if os.Getenv("AFTERMATH_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	testscript.Main(m, map[string]func(){
		"aftermath": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)) },
	})
}

// TestScripts runs testdata/script/*.txtar: what a user types, and what
// they see.
func TestScripts(t *testing.T) {
	held := map[string]*warehouse.DB{}
	locks := map[string]*lock.Lock{}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("AFTERMATH_DB", "")
			e.Setenv("AFTERMATH_CONFIG", "")
			e.Setenv("SLACK_TOKEN", "")
			e.Setenv("FIXTURE", mustAbs("../../ingest/testdata/export"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// code N ARGS... runs aftermath ARGS and checks its exit code is N.
			"code": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: code N aftermath-args...")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				got := 0
				if err := ts.Exec("aftermath", args[1:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("run aftermath: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("aftermath %s exited %d; want %d", strings.Join(args[1:], " "), got, want)
				}
			},
			// holddb FILE opens the warehouse for writing in this process,
			// so another process cannot; releasedb FILE closes it.
			"holddb": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				db, err := warehouse.Open(context.Background(), path, warehouse.Options{})
				ts.Check(err)
				held[path] = db
			},
			// holdlock FILE takes the writers' lock of the warehouse as a
			// pretend "aftermath run"; releaselock FILE lets it go.
			"holdlock": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				l, err := lock.Acquire(path, lock.Current("aftermath run", time.Now()))
				ts.Check(err)
				locks[path] = l
			},
			"releaselock": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				ts.Check(locks[path].Release())
				delete(locks, path)
			},
			"releasedb": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				ts.Check(held[path].Close())
				delete(held, path)
			},
		},
	})
}

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return abs
}

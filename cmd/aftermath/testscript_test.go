package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aftermath-dev/aftermath/internal/lock"
	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// scriptParams are the environment and commands every testscript suite
// shares (TestScripts, TestBadInputs): a clean environment, $FIXTURE (the
// ingest fixture export) and these commands:
//
//	code N ARGS...       run aftermath ARGS and check its exit code is N
//	holddb FILE          open the warehouse for writing in this process
//	releasedb FILE       close it again
//	holdlock FILE        take the writers' lock of the warehouse as a
//	                     pretend "aftermath run"
//	releaselock FILE     let it go
//	genbad KIND OUT      generate a big or binary bad input (see genbad)
//	slackfake DIR [KIND:METHOD:CHANNEL:AFTER ...]
//	                     serve the export in DIR as a fake Slack Web API,
//	                     with the faults given (slackfake.FaultKind names,
//	                     e.g. ok_empty:conversations.history:C0INC1:2);
//	                     sets $SLACK_URL and $SLACK_TOKEN for the script
func scriptParams(dir string) testscript.Params {
	var mu sync.Mutex
	held := map[string]*warehouse.DB{}
	locks := map[string]*lock.Lock{}
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("AFTERMATH_DB", "")
			e.Setenv("AFTERMATH_CONFIG", "")
			e.Setenv("SLACK_TOKEN", "")
			e.Setenv("FIXTURE", mustAbs("../../ingest/testdata/export"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
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
			"holddb": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				db, err := warehouse.Open(context.Background(), path, warehouse.Options{Migrations: migrations.FS})
				ts.Check(err)
				mu.Lock()
				held[path] = db
				mu.Unlock()
			},
			"releasedb": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				mu.Lock()
				db := held[path]
				delete(held, path)
				mu.Unlock()
				ts.Check(db.Close())
			},
			"holdlock": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				l, err := lock.Acquire(path, lock.Current("aftermath run", time.Now()))
				ts.Check(err)
				mu.Lock()
				locks[path] = l
				mu.Unlock()
			},
			"releaselock": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				mu.Lock()
				l := locks[path]
				delete(locks, path)
				mu.Unlock()
				ts.Check(l.Release())
			},
			"genbad": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: genbad KIND OUT")
				}
				ts.Check(genbad(args[0], ts.MkAbs(args[1]), ts.Getenv("FIXTURE")))
			},
			"slackfake": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 1 {
					ts.Fatalf("usage: slackfake DIR [KIND:METHOD:CHANNEL:AFTER ...]")
				}
				ws, err := slackfake.LoadExport(ts.MkAbs(args[0]))
				ts.Check(err)
				opts := []slackfake.Option{slackfake.WithCanaryToken(canaryToken)}
				for _, a := range args[1:] {
					f, err := parseScriptFault(a)
					ts.Check(err)
					opts = append(opts, slackfake.WithFault(f))
				}
				srv := slackfake.New(ws, opts...)
				url, stop, err := srv.Start("127.0.0.1:0")
				ts.Check(err)
				ts.Defer(stop)
				ts.Setenv("SLACK_URL", url)
				ts.Setenv("SLACK_TOKEN", canaryToken)
			},
		},
	}
}

// parseScriptFault reads a slackfake script fault: KIND:METHOD:CHANNEL:AFTER,
// KIND a slackfake.FaultKind's name, METHOD and CHANNEL empty for any.
func parseScriptFault(s string) (slackfake.Fault, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return slackfake.Fault{}, fmt.Errorf("fault %q: want KIND:METHOD:CHANNEL:AFTER", s)
	}
	after, err := strconv.Atoi(parts[3])
	if err != nil {
		return slackfake.Fault{}, fmt.Errorf("fault %q: AFTER: %v", s, err)
	}
	for k := slackfake.FaultKind(1); k.String() != "unknown"; k++ {
		if k.String() == parts[0] {
			return slackfake.Fault{Kind: k, Method: parts[1], Channel: parts[2], After: after}, nil
		}
	}
	return slackfake.Fault{}, fmt.Errorf("fault %q: unknown kind %q", s, parts[0])
}

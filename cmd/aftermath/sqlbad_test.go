package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestBadSQLInputs runs the analysts'-SQL cases of the bad-input corpus,
// testdata/bad/sql_*.txtar, with the commands of TestScripts. (The whole
// corpus runs in TestBadInputs once that lands; until then this proves the
// sql_ cases on their own.)
func TestBadSQLInputs(t *testing.T) {
	files, err := filepath.Glob("../../testdata/bad/sql_*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("found %d sql_ cases in testdata/bad; want at least 30", len(files))
	}
	testscript.Run(t, testscript.Params{
		Files:               files,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("AFTERMATH_DB", "")
			e.Setenv("AFTERMATH_CONFIG", "")
			e.Setenv("SLACK_TOKEN", "")
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
		},
	})
}

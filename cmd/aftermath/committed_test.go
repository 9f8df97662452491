package main

import (
	"bufio"
	"os"
	"strconv"
	"syscall"
	"testing"
)

// $AFTERMATH_COMMIT_FD unset gives no hook; a value that is not an open
// descriptor is a usage error (exit 2), never silently ignored; on a pipe
// the hook writes one line per event and does not wait for an answer.
func TestCommitHook(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == commitFDEnv {
				return v
			}
			return ""
		}
	}
	if hook, err := commitHook(env("")); hook != nil || err != nil {
		t.Errorf("unset: hook %v, err %v; want neither", hook != nil, err)
	}
	for _, bad := range []string{"three", "1", "987654"} {
		if _, err := commitHook(env(bad)); exitCode(err) != exitUsage {
			t.Errorf("$%s=%s: err %v (exit %d); want a usage error", commitFDEnv, bad, err, exitCode(err))
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fd, err := syscall.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	hook, err := commitHook(env(strconv.Itoa(fd)))
	if err != nil || hook == nil {
		t.Fatalf("a pipe: hook %v, err %v", hook != nil, err)
	}
	hook("transform: begin")
	hook("transform: commit")
	sc := bufio.NewScanner(r)
	for _, want := range []string{"transform: begin", "transform: commit"} {
		if !sc.Scan() || sc.Text() != want {
			t.Errorf("read %q; want %q", sc.Text(), want)
		}
	}
}

//go:build unix

package lock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAcquireRefusesSecondHolder(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.duckdb")
	since := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	l, err := Acquire(db, Holder{PID: 4242, Host: "cron-1", Command: "aftermath run", Since: since})
	if err != nil {
		t.Fatal(err)
	}
	// A second open file description conflicts even within one process.
	_, err = Acquire(db, Current("aftermath transform", time.Now()))
	var he *HeldError
	if !errors.As(err, &he) || !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire = %v; want a HeldError", err)
	}
	for _, want := range []string{"pid 4242", "cron-1", `"aftermath run"`, "2026-12-06T03:00:00Z"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(db, Current("aftermath transform", time.Now()))
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if l2.Abandoned != nil {
		t.Errorf("Abandoned = %+v after a clean release; want nil", l2.Abandoned)
	}
	l2.Release()
}

// A holder killed with SIGKILL leaves its record but not its lock: the next
// writer takes over and learns who left it.
func TestAcquireTakesOverFromKilledProcess(t *testing.T) {
	if os.Getenv("LOCK_HOLD") != "" {
		l, err := Acquire(os.Getenv("LOCK_HOLD"), Current("aftermath run", time.Now()))
		if err != nil {
			os.Exit(1)
		}
		_ = l
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Hour)
		return
	}
	db := filepath.Join(t.TempDir(), "w.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcquireTakesOverFromKilledProcess$")
	cmd.Env = append(os.Environ(), "LOCK_HOLD="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("child did not take the lock: %q %v", buf, err)
	}
	if _, err := Acquire(db, Current("aftermath run", time.Now())); !errors.Is(err, ErrHeld) {
		t.Fatalf("Acquire while child holds = %v; want ErrHeld", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(db, Current("aftermath run", time.Now()))
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer l.Release()
	if l.Abandoned == nil || l.Abandoned.PID != cmd.Process.Pid {
		t.Errorf("Abandoned = %+v; want the killed child's pid %d", l.Abandoned, cmd.Process.Pid)
	}
}

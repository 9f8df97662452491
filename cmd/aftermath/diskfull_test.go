package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
)

// fullDiskScript runs in a new user and mount namespace: it mounts a tmpfs
// of $SIZE KiB on $MNT, copies $BASE into it, runs the command ("$@")
// there, and copies what it left to $OUT, its output and exit code beside.
const fullDiskScript = `set -e
mount -t tmpfs -o size=${SIZE}k aftermath-full "$MNT"
cp -a "$BASE/." "$MNT/"
set +e
"$@" >"$OUT.log" 2>&1
echo $? >"$OUT.code"
cp -a "$MNT/." "$OUT/"
`

// fullDisk says how a test filled the disk: a real small file system, or,
// where this system lets no unprivileged process mount one, a limit on the
// size of any one file (RLIMIT_FSIZE), whose writes fail with EFBIG ("File
// too large") instead of ENOSPC.
type fullDisk struct {
	code int
	log  string
	// fileLimit: the command ran under RLIMIT_FSIZE, not on a small tmpfs.
	fileLimit bool
}

// inFullDisk runs aftermath args (which name files under mnt) with the
// contents of base on a tmpfs of size bytes at mnt, and returns the exit
// code and output; what the command left is copied to out. Where no
// unprivileged tmpfs can be mounted, it runs them in mnt on the ordinary
// disk with no file allowed to grow past the room the tmpfs would leave
// (size minus base's size).
func inFullDisk(t *testing.T, mode string, base, mnt, out string, size int64, env []string, args ...string) fullDisk {
	t.Helper()
	for _, d := range []string{mnt, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", fullDiskScript, "sh", os.Args[0]}, args...)...)
	cmd.Env = append(append(os.Environ(), childEnv...),
		"SIZE="+strconv.FormatInt(size>>10, 10), "MNT="+mnt, "BASE="+base, "OUT="+out)
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	fileLimit := mode == "fsize"
	if !fileLimit {
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Logf("no unprivileged tmpfs here (user+mount namespace: %v %s); limiting file size instead", err, b)
			fileLimit = true
		}
	}
	if fileLimit {
		prlimit, err := exec.LookPath("prlimit")
		if err != nil {
			t.Skipf("neither a small tmpfs nor prlimit (util-linux) to limit file size: %v", err)
		}
		copyTree(t, base, mnt)
		// No file may grow past the room the tmpfs would leave: the write
		// ahead log, where a command's writes go first, fails as on a full
		// disk.
		limit := size - treeBytes(t, base)
		run := exec.Command(prlimit, append([]string{"--fsize=" + strconv.FormatInt(limit, 10), "--", os.Args[0]}, args...)...)
		run.Env = append(os.Environ(), childEnv...)
		run.Env = append(run.Env, env...)
		b, err := run.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			if code < 0 {
				b = append(b, "\n(test: the command died: "+ee.ProcessState.String()+")"...)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(out)
		copyTree(t, mnt, out)
		return fullDisk{code: code, log: string(b), fileLimit: true}
	}
	code, err := os.ReadFile(out + ".code")
	if err != nil {
		t.Fatal(err)
	}
	log, _ := os.ReadFile(out + ".log")
	n, _ := strconv.Atoi(strings.TrimSpace(string(code)))
	return fullDisk{code: n, log: string(log)}
}

// treeBytes is the space the files under dir take (hard links once).
func treeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	seen := map[uint64]bool{}
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if !seen[st.Ino] {
			seen[st.Ino] = true
			n += (fi.Size() + 4095) &^ 4095
		}
		return nil
	})
	return n
}

// A disk that fills up during a write fails the command loudly (exit 1,
// the error naming the file and saying the disk is full), never passes for
// bad input (exit 3, files or channels "skipped": the defect this test was
// written for), leaves the previous snapshot and reports as they were and
// the warehouse with whole batches only, and a rerun with space ends equal
// to a clean run.
func TestDiskFullDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs commands on a small tmpfs")
	}
	testDiskFull(t, os.Getenv("AFTERMATH_DISKFULL_MODE"))
}

// The same with a file size limit (ulimit -f) instead of a full disk: the
// write fails with EFBIG, and SIGXFSZ must not kill the process unheard.
func TestFileSizeLimitDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs commands under a file size limit")
	}
	testDiskFull(t, "fsize")
}

// testDiskFull runs the full-disk cases on a small tmpfs or, with mode
// "fsize" or where no tmpfs can be mounted, under a file size limit.
func testDiskFull(t *testing.T, mode string) {
	fd := newFaultData(t)
	ws, err := slackfake.LoadExport(fd.export)
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := slackfake.New(ws, slackfake.WithCanaryToken(canaryToken)).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	// The previous state: incident channels ingested, transformed (which
	// publishes the snapshot), a report written.
	base := fd.baseDir(t, "diskfull", "", []string{"ingest", "export", fd.export, "--no-publish"},
		[]string{"transform"}, []string{"report", "--week", "2026-W47", "--out", "DIR/reports"})
	baseSize := treeBytes(t, base)
	prev := stateOf(t, base)
	_, prevCounts := content(t, filepath.Join(base, "w.duckdb"))

	for _, tc := range []struct {
		name string
		// room is the free space on the tmpfs beyond a copy of base.
		room int64
		env  []string
		args func(dir string) []string
		// stored: the command's own write fits; only the snapshot copy
		// after it does not.
		stored bool
	}{
		{name: "ingest export, warehouse", room: 640 << 10, args: func(dir string) []string {
			return dbArgs(dir, "ingest", "export", fd.export, "--all-channels")
		}},
		{name: "ingest export, snapshot", room: 3584 << 10, stored: true, args: func(dir string) []string {
			return dbArgs(dir, "ingest", "export", fd.export, "--all-channels")
		}},
		{name: "ingest slack, warehouse", room: 640 << 10, env: []string{"SLACK_TOKEN=" + canaryToken}, args: func(dir string) []string {
			return dbArgs(dir, "ingest", "slack", "--api-url", url, "--all-channels")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stored && mode == "fsize" {
				t.Skip("a limit on one file's size cannot let the warehouse grow and stop its copy")
			}
			cleanDir := filepath.Join(t.TempDir(), "clean")
			copyTree(t, base, cleanDir)
			clean := runReporting(t, tc.env, 0, tc.args(cleanDir)...)
			if clean.code != 0 {
				t.Fatalf("clean run: exit %d\n%s", clean.code, clean.out)
			}
			want := stateOf(t, cleanDir)
			_, wantCounts := content(t, filepath.Join(cleanDir, "w.duckdb"))

			mnt, out := filepath.Join(t.TempDir(), "mnt"), filepath.Join(t.TempDir(), "out")
			full := inFullDisk(t, mode, base, mnt, out, baseSize+tc.room, tc.env, tc.args(mnt)...)
			code, log := full.code, full.log
			if full.fileLimit && tc.stored {
				t.Skip("no small tmpfs here, and a limit on one file's size cannot let the warehouse grow and stop its copy")
			}
			t.Logf("on the full disk (file size limit: %v): exit %d: %s", full.fileLimit, code, lastLine(log))
			if code != exitFailure {
				t.Errorf("on a full disk the command exited %d; want %d (failure)\n%s", code, exitFailure, log)
			}
			diskErr := "No space left on device"
			if full.fileLimit {
				diskErr = "File too large"
			}
			if !strings.Contains(log, diskErr) || !strings.Contains(log, mnt+"/") {
				t.Errorf("the error does not say the disk is full (%q) and which file:\n%s", diskErr, log)
			}
			if strings.Contains(log, "partial") || strings.Contains(log, "skipped file") {
				t.Errorf("a full disk was reported as skipped input:\n%s", log)
			}
			got := stateOf(t, out)
			if tc.stored {
				if diff := cmp.Diff(want.Tables, got.Tables); diff != "" {
					t.Errorf("the ingest fitted, only the snapshot did not, yet the warehouse differs from a clean run's (-clean +got):\n%s", diff)
				}
			} else {
				// Batches committed before the disk filled stay; the one
				// being written is gone whole: every channel holds what it
				// held before or all its messages, never part.
				_, gotCounts := content(t, filepath.Join(out, "w.duckdb"))
				for id, n := range gotCounts {
					if n != prevCounts[id] && n != wantCounts[id] {
						t.Errorf("channel %s holds %d messages: neither the %d it held before nor its %d; a batch was half written", id, n, prevCounts[id], wantCounts[id])
					}
				}
			}
			if diff := cmp.Diff(prev.Snapshot, got.Snapshot); diff != "" {
				t.Errorf("after the failed write the snapshot is not the previous one (-previous +got):\n%s", diff)
			}
			if diff := cmp.Diff(prev.Reports, got.Reports); diff != "" {
				t.Errorf("after the failed write the reports changed (-previous +got):\n%s", diff)
			}

			// With space again (the same files, on the ordinary disk).
			rerun := runReporting(t, tc.env, 0, tc.args(out)...)
			if rerun.code != 0 {
				t.Fatalf("rerun with space: exit %d\n%s", rerun.code, rerun.out)
			}
			if diff := cmp.Diff(want, stateOf(t, out)); diff != "" {
				t.Errorf("the rerun with space differs from a clean run (-clean +rerun):\n%s", diff)
			}
		})
	}
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Package bench measures commands as separate processes: wall time and
// peak resident memory (from the kernel's rusage), over several runs, with
// medians. `aftermath dev bench` uses it; see docs/benchmarks.md.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Sample is one run of a command.
type Sample struct {
	Wall   time.Duration
	CPU    time.Duration // user + system time: less sensitive than Wall to a busy machine
	MaxRSS int64         // bytes
}

// Run runs argv once and measures it. Output goes to the returned buffers.
//
// Peak memory is the child's own high-water mark (VmHWM), read from /proc
// while it runs, where Linux has it. The rusage maximum is not used there:
// Go starts children with vfork, and Linux carries the parent's high-water
// mark into the child's ru_maxrss at exec, so after the parent had grown
// (generating or reshaping a workspace), every child measured as large.
func Run(ctx context.Context, env []string, argv ...string) (Sample, []byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Sample{}, nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	hwm := make(chan int64, 1)
	done := make(chan struct{})
	go func() { hwm <- watchHWM(cmd.Process.Pid, done) }()
	err := cmd.Wait()
	close(done)
	s := Sample{Wall: time.Since(start), MaxRSS: <-hwm}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			if s.MaxRSS == 0 {
				s.MaxRSS = ru.Maxrss * 1024 // Linux reports KiB
			}
			s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	if err != nil {
		return s, out.Bytes(), fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, lastLines(out.String(), 5))
	}
	return s, out.Bytes(), nil
}

// watchHWM polls the process's VmHWM (peak resident set of its own memory,
// reset at exec) until done is closed, and returns the highest seen in
// bytes, or 0 where /proc has none.
func watchHWM(pid int, done <-chan struct{}) int64 {
	path := fmt.Sprintf("/proc/%d/status", pid)
	var peak int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					var kb int64
					if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb); err == nil {
						peak = max(peak, kb*1024)
					}
				}
			}
		}
		select {
		case <-done:
			return peak
		case <-tick.C:
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Median returns the median of the samples' wall times and peak memory,
// each taken on its own.
func Median(samples []Sample) Sample {
	if len(samples) == 0 {
		return Sample{}
	}
	walls := make([]time.Duration, len(samples))
	cpus := make([]time.Duration, len(samples))
	rss := make([]int64, len(samples))
	for i, s := range samples {
		walls[i], cpus[i], rss[i] = s.Wall, s.CPU, s.MaxRSS
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(cpus, func(i, j int) bool { return cpus[i] < cpus[j] })
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	m := len(samples) / 2
	if len(samples)%2 == 1 {
		return Sample{Wall: walls[m], CPU: cpus[m], MaxRSS: rss[m]}
	}
	return Sample{Wall: (walls[m-1] + walls[m]) / 2, CPU: (cpus[m-1] + cpus[m]) / 2, MaxRSS: (rss[m-1] + rss[m]) / 2}
}

// MiB formats bytes as mebibytes.
func MiB(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Seconds formats a duration in seconds with two decimals.
func Seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

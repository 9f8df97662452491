// Package bench measures commands as separate processes: wall time and
// peak resident memory (from the kernel's rusage), over several runs, with
// medians. `aftermath dev bench` uses it; see docs/benchmarks.md.
package bench

import (
	"bytes"
	"context"
	"fmt"
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
func Run(ctx context.Context, env []string, argv ...string) (Sample, []byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	s := Sample{Wall: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.MaxRSS = ru.Maxrss * 1024 // Linux reports KiB
			s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	if err != nil {
		return s, out.Bytes(), fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, lastLines(out.String(), 5))
	}
	return s, out.Bytes(), nil
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

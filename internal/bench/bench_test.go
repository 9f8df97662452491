package bench

import (
	"context"
	"os"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []Sample
		want Sample
	}{
		{[]Sample{{3, 6, 30}, {1, 2, 10}, {2, 4, 20}}, Sample{2, 4, 20}},
		{[]Sample{{4, 1, 10}, {1, 4, 40}, {2, 2, 20}, {3, 3, 30}}, Sample{2, 2, 25}},
		{nil, Sample{}},
	} {
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v; want %v", tc.in, got, tc.want)
		}
	}
}

func TestRunMeasuresAChild(t *testing.T) {
	s, _, err := Run(context.Background(), os.Environ(), "sh", "-c", "head -c 50000000 /dev/zero | tail -c 1 >/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	if s.Wall <= 0 || s.MaxRSS <= 0 {
		t.Errorf("Run() = %+v; want a positive wall time and peak memory", s)
	}
	if _, _, err := Run(context.Background(), os.Environ(), "sh", "-c", "echo boom; exit 3"); err == nil {
		t.Error("Run of a failing command returned no error")
	}
}

// A child's peak is its own: after the measuring process grew (generating
// or reshaping a workspace in dev bench), rusage's ru_maxrss carried that
// peak into every child (vfork, then exec), so a 0.2 s report measured as
// 770 MiB. A small child must measure small after the parent holds 512 MiB.
func TestRunPeakIsTheChilds(t *testing.T) {
	ballast := make([]byte, 512<<20)
	for i := range ballast {
		if i%4096 == 0 {
			ballast[i] = 1
		}
	}
	s, _, err := Run(context.Background(), os.Environ(), "sh", "-c", "sleep 0.2")
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxRSS > 64<<20 {
		t.Errorf("a shell sleeping measured %d MiB; want its own few MiB, not the parent's %d MiB", s.MaxRSS>>20, len(ballast)>>20)
	}
	// And a child that does grow is seen growing: the shell holds 100 MB.
	s, _, err = Run(context.Background(), os.Environ(), "sh", "-c", `x=$(head -c 100000000 /dev/zero | tr '\0' a); sleep 0.1`)
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxRSS < 90<<20 {
		t.Errorf("a shell holding 100 MB measured %d MiB", s.MaxRSS>>20)
	}
	ballast[0]++
}

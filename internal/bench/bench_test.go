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
		{[]Sample{{Wall: 3, CPU: 6, MaxRSS: 30}, {Wall: 1, CPU: 2, MaxRSS: 10}, {Wall: 2, CPU: 9, MaxRSS: 20}}, Sample{Wall: 2, CPU: 6, MaxRSS: 20}},
		{[]Sample{{Wall: 4, MaxRSS: 10}, {Wall: 1, MaxRSS: 40}, {Wall: 2, MaxRSS: 20}, {Wall: 3, MaxRSS: 30}}, Sample{Wall: 2, MaxRSS: 25}},
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
	if s.Wall <= 0 || s.MaxRSS <= 0 || s.CPU <= 0 {
		t.Errorf("Run() = %+v; want a positive wall time and peak memory", s)
	}
	if _, _, err := Run(context.Background(), os.Environ(), "sh", "-c", "echo boom; exit 3"); err == nil {
		t.Error("Run of a failing command returned no error")
	}
}

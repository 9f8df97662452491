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

package samplegen

import (
	"context"
	"testing"
)

// BenchmarkGenerate measures whole workspaces. "realistic" is the scale-1
// workspace of 500 incidents over 26 weeks (~100k messages); "1M" is the
// same at scale 11, just over a million messages and 1.5 GB of JSON.
//
//	go test -run '^$' -bench Generate -benchtime 1x ./internal/testkit/samplegen/
func BenchmarkGenerate(b *testing.B) {
	for _, bc := range []struct {
		name  string
		scale float64
	}{{"realistic", 1}, {"1M", 11}} {
		b.Run(bc.name, func(b *testing.B) {
			opts := Options{Seed: 1, Weeks: 26, Incidents: 500, Scale: bc.scale, End: testEnd}
			var sum *Summary
			for b.Loop() {
				var err error
				if sum, err = Generate(context.Background(), b.TempDir(), opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sum.Messages), "messages")
			b.ReportMetric(float64(sum.Messages)*float64(b.N)/b.Elapsed().Seconds(), "messages/s")
			b.SetBytes(sum.Bytes)
		})
	}
}

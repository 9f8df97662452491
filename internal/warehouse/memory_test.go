package warehouse

import "testing"

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"953.6 MiB", 999922073, true},
		{"1.5 GiB", 3 << 29, true},
		{"512.0 KiB", 512 << 10, true},
		{"0 bytes", 0, true},
		{"lots", 0, false},
		{"3 parsecs", 0, false},
	} {
		got, ok := ParseSize(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

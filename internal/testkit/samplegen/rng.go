package samplegen

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Times inside the generator are int64 microseconds since the Unix epoch:
// Slack's ts has microsecond resolution, and integer arithmetic keeps every
// run byte-identical.
const (
	usSecond int64 = 1_000_000
	usMinute       = 60 * usSecond
	usHour         = 60 * usMinute
	usDay          = 24 * usHour
)

// rnd wraps a seeded PCG with the draws the generator needs.
type rnd struct{ *rand.Rand }

// newRnd returns a stream that depends only on the seed and the key, so a
// channel generated on any worker draws the same numbers.
func newRnd(seed int64, key string) *rnd {
	return &rnd{rand.New(rand.NewPCG(uint64(seed), hashString(key)))}
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// mix64 is splitmix64's finaliser: a cheap, well-spread hash of one word.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (r *rnd) chance(p float64) bool { return r.Float64() < p }

// between returns a uniform int64 in [lo, hi].
func (r *rnd) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.Int64N(hi-lo+1)
}

// lognormal returns a duration whose median is median and whose log has
// standard deviation sigma.
func (r *rnd) lognormal(median int64, sigma float64) int64 {
	return int64(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

// poisson draws a Poisson count; large means use the normal approximation.
func (r *rnd) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 40 {
		n := int(math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64()))
		return max(n, 0)
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func pick[T any](r *rnd, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks an index with probability proportional to its weight.
func (r *rnd) weighted(ws []float64) int {
	var sum float64
	for _, w := range ws {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerHex   = "0123456789abcdef"
	base62     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	// Kubernetes' safe alphabet for generated name suffixes.
	kubeAlphabet = "bcdfghjklmnpqrstvwxz2456789"
)

func (r *rnd) str(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// slackID returns an ID in Slack's shape: a type letter and ten characters.
func (r *rnd) slackID(prefix byte) string { return string(prefix) + r.str(upperAlnum, 10) }

func (r *rnd) hex(n int) string { return r.str(lowerHex, n) }

// uuidFrom formats two words as a version-4 UUID.
func uuidFrom(a, b uint64) string {
	const hx = lowerHex
	var out [36]byte
	a = a&^(0xf<<12) | 0x4<<12
	b = b&^(0x3<<62) | 0x2<<62
	words := [2]uint64{a, b}
	j := 0
	for i := range 32 {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			out[j] = '-'
			j++
		}
		w := words[i/16]
		shift := uint(60 - 4*(i%16))
		out[j] = hx[(w>>shift)&0xf]
		j++
	}
	return string(out[:])
}

func (r *rnd) uuid() string { return uuidFrom(r.Uint64(), r.Uint64()) }

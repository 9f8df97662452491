package slackfake

import "maps"

// Stats counts what the server has seen since it started or was Reset.
type Stats struct {
	// Calls is requests received per method, rejected ones included.
	Calls map[string]int
	// RateLimited is 429s sent per method.
	RateLimited map[string]int
	// Faults is faults injected per kind (FaultKind.String()).
	Faults map[string]int
	// HistoryCalls and RepliesCalls are conversations.history and
	// conversations.replies requests per channel argument.
	HistoryCalls map[string]int
	RepliesCalls map[string]int
	// CanaryEchoes is responses whose body contained the canary token.
	CanaryEchoes int
}

func newStats() Stats {
	return Stats{
		Calls:        map[string]int{},
		RateLimited:  map[string]int{},
		Faults:       map[string]int{},
		HistoryCalls: map[string]int{},
		RepliesCalls: map[string]int{},
	}
}

func (s *Server) countCall(q *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls[q.method]++
	switch q.method {
	case "conversations.history":
		s.stats.HistoryCalls[q.get("channel")]++
	case "conversations.replies":
		s.stats.RepliesCalls[q.get("channel")]++
	}
}

// Calls returns requests received per method.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.stats.Calls)
}

// Stats returns a copy of every counter.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Calls:        maps.Clone(s.stats.Calls),
		RateLimited:  maps.Clone(s.stats.RateLimited),
		Faults:       maps.Clone(s.stats.Faults),
		HistoryCalls: maps.Clone(s.stats.HistoryCalls),
		RepliesCalls: maps.Clone(s.stats.RepliesCalls),
		CanaryEchoes: s.stats.CanaryEchoes,
	}
}

// Reset zeroes every counter. Rate-limit windows, faults and the workspace
// are left as they are.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = newStats()
}

package slackfake

import (
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// FaultKind is a kind of failure the server can inject.
type FaultKind int

const (
	// FaultServerError answers Fault.Status (500, 502 or 503; 503 by
	// default) with an HTML body, as Slack's edge does.
	FaultServerError FaultKind = iota + 1
	// FaultSlow delays the response by Fault.Delay on the server's clock (a
	// FakeClock must be advanced), or on wall time with Fault.RealTime, then
	// answers normally.
	FaultSlow
	// FaultTruncate answers HTTP 200 with the first half of the real body.
	FaultTruncate
	// FaultReset hijacks the connection and closes it with a TCP reset,
	// sending nothing.
	FaultReset
	// FaultInvalidAuth answers invalid_auth, as after the token is revoked.
	FaultInvalidAuth
	// FaultChannelNotFound answers channel_not_found, as after the channel
	// is deleted; with After: N it strikes from the (N+1)th page.
	FaultChannelNotFound
	// FaultMissingScope answers missing_scope with the method's needed
	// scope and the token's others as provided.
	FaultMissingScope
	// FaultHTMLPage answers HTTP 200 with an HTML page instead of JSON, as
	// a captive portal or a misrouted proxy does.
	FaultHTMLPage
	// FaultOKEmpty answers HTTP 200 with {"ok":true} and nothing else: no
	// messages, members or channels, no has_more, no cursor.
	FaultOKEmpty
)

func (k FaultKind) String() string {
	switch k {
	case FaultServerError:
		return "server_error"
	case FaultSlow:
		return "slow"
	case FaultTruncate:
		return "truncate"
	case FaultReset:
		return "reset"
	case FaultInvalidAuth:
		return "invalid_auth"
	case FaultChannelNotFound:
		return "channel_not_found"
	case FaultMissingScope:
		return "missing_scope"
	case FaultHTMLPage:
		return "html_page"
	case FaultOKEmpty:
		return "ok_empty"
	}
	return "unknown"
}

// Fault is an injected failure. Requests that match Method and Channel are
// counted; the first After of them pass, then the fault strikes at most
// Count times (0: every later match), each with Probability (0 or 1:
// always; otherwise drawn from the server's seeded source). Faults are
// checked after authentication and rate limiting, in the order injected;
// one fault at most strikes a request.
type Fault struct {
	Kind        FaultKind
	Method      string // "" for every method
	Channel     string // "" for every channel (matches the channel argument)
	After       int
	Count       int
	Probability float64
	Status      int           // FaultServerError
	Delay       time.Duration // FaultSlow
	RealTime    bool          // FaultSlow: wait on wall time, not the server clock
}

type faultState struct {
	Fault
	id     int
	seen   int
	struck int
}

// WithFault injects a fault from the start.
func WithFault(f Fault) Option {
	return func(s *Server) { s.injectFault(f) }
}

// InjectFault adds a fault at run time and returns its ID for RemoveFault.
func (s *Server) InjectFault(f Fault) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injectFault(f)
}

func (s *Server) injectFault(f Fault) int {
	s.nextFaultID++
	s.faults = append(s.faults, &faultState{Fault: f, id: s.nextFaultID})
	return s.nextFaultID
}

// RemoveFault removes one fault.
func (s *Server) RemoveFault(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.faults[:0]
	for _, f := range s.faults {
		if f.id != id {
			kept = append(kept, f)
		}
	}
	s.faults = kept
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// pickFault returns the fault that strikes this request, if any, and counts it.
func (s *Server) pickFault(q *request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	channel := q.get("channel")
	for _, f := range s.faults {
		if (f.Method != "" && f.Method != q.method) || (f.Channel != "" && f.Channel != channel) {
			continue
		}
		f.seen++
		if f.seen <= f.After || (f.Count > 0 && f.struck >= f.Count) {
			continue
		}
		if p := f.Probability; p > 0 && p < 1 && s.rng.Float64() >= p {
			continue
		}
		f.struck++
		s.stats.Faults[f.Kind.String()]++
		ff := f.Fault
		return &ff
	}
	return nil
}

// applyFault acts out f. done reports that rep (nil: write nothing) is the
// answer; otherwise the call proceeds normally.
func (s *Server) applyFault(w http.ResponseWriter, q *request, f *Fault) (rep *reply, done bool) {
	switch f.Kind {
	case FaultServerError:
		status := f.Status
		if status < 500 || status > 599 {
			status = http.StatusServiceUnavailable
		}
		text := http.StatusText(status)
		return &reply{
			status: status,
			header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			body:   []byte("<html><head><title>" + text + "</title></head><body><h1>" + text + "</h1></body></html>\n"),
		}, true
	case FaultSlow:
		var wake <-chan time.Time
		if f.RealTime {
			t := time.NewTimer(f.Delay)
			defer t.Stop()
			wake = t.C
		} else {
			s.mu.Lock()
			clock := s.clock
			s.mu.Unlock()
			wake = clock.After(f.Delay)
		}
		select {
		case <-wake:
			return nil, false
		case <-q.ctx.Done():
			return nil, true
		}
	case FaultTruncate:
		return nil, false // the handler runs; serve cuts its body
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // close with RST, not FIN
				}
				_ = conn.Close()
				return nil, true
			}
		}
		// HTTP/2 cannot be hijacked: abort the response instead.
		panic(http.ErrAbortHandler)
	case FaultInvalidAuth:
		rep := errReply("invalid_auth")
		return &rep, true
	case FaultChannelNotFound:
		rep := errReply("channel_not_found")
		return &rep, true
	case FaultMissingScope:
		needed := s.neededScopes(q)
		if len(needed) == 0 {
			needed = []string{"channels:read"}
		}
		s.mu.Lock()
		var provided []string
		for _, sc := range s.scopes {
			if !slices.Contains(needed, sc) {
				provided = append(provided, sc)
			}
		}
		s.mu.Unlock()
		rep := missingScope(needed, provided)
		return &rep, true
	case FaultHTMLPage:
		return &reply{
			status: http.StatusOK,
			header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			body:   []byte("<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Sign in to continue</form></body></html>\n"),
		}, true
	case FaultOKEmpty:
		return &reply{
			status: http.StatusOK,
			header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			body:   []byte(`{"ok":true}`),
		}, true
	}
	return nil, false
}

func missingScope(needed, provided []string) reply {
	return errReply("missing_scope",
		field{"needed", jsonValue(strings.Join(needed, ","))},
		field{"provided", jsonValue(strings.Join(provided, ","))})
}

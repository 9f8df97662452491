package slackfake

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Server is the fake Slack Web API. It is an http.Handler; every setter is
// safe to call while it serves.
type Server struct {
	ws *Workspace

	mu          sync.Mutex
	clock       Clock
	tokens      map[string]bool // accepted tokens; empty accepts any token
	canary      string
	scopes      []string
	memberAll   bool            // default membership of the bot
	member      map[string]bool // per-channel overrides
	repeatThrd  bool            // repeat a thread's parent on later replies pages
	paging      map[string]pageConfig
	limits      map[string]*window
	retryAfter  bool
	faults      []*faultState
	nextFaultID int
	rng         *rand.Rand
	stats       Stats
	logger      *slog.Logger
	files       fileStore // uploads and posted messages (files.go)
}

// Option configures a Server at construction; most have a setter of the
// same effect for use at run time.
type Option func(*Server)

// DefaultScopes are the bot scopes the fake grants unless WithScopes says
// otherwise: everything aftermath's ingest needs.
var DefaultScopes = []string{
	"channels:history", "channels:join", "channels:read",
	"groups:history", "groups:read", "users:read",
	"chat:write", "files:write",
}

// New returns a server over ws. By default it accepts any non-empty token,
// grants DefaultScopes, makes the bot a member of every channel, has no rate
// limits and no faults, and pages with Slack's documented defaults.
func New(ws *Workspace, opts ...Option) *Server {
	s := &Server{
		ws:         ws,
		clock:      SystemClock(),
		tokens:     map[string]bool{},
		scopes:     append([]string(nil), DefaultScopes...),
		memberAll:  true,
		member:     map[string]bool{},
		paging:     defaultPaging(),
		limits:     map[string]*window{},
		retryAfter: true,
		rng:        rand.New(rand.NewPCG(1, 1)),
		stats:      newStats(),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Workspace returns the served workspace, for mutations between runs.
func (s *Server) Workspace() *Workspace { return s.ws }

// WithClock sets the clock of the rate limiter and of slow faults.
func WithClock(c Clock) Option { return func(s *Server) { s.clock = c } }

// WithToken restricts the accepted tokens to these; others get invalid_auth.
func WithToken(tokens ...string) Option {
	return func(s *Server) {
		for _, t := range tokens {
			s.tokens[t] = true
		}
	}
}

// WithCanaryToken accepts tok (restricting tokens as WithToken does) and
// counts, in Stats.CanaryEchoes, every response body that contains it. The
// fake itself never echoes a token: responses, errors and log lines carry
// none, so a canary found in aftermath's outputs leaked on aftermath's side.
func WithCanaryToken(tok string) Option {
	return func(s *Server) {
		s.tokens[tok] = true
		s.canary = tok
	}
}

// WithScopes sets the scopes the token has; methods needing another one
// answer missing_scope.
func WithScopes(scopes ...string) Option {
	return func(s *Server) { s.scopes = append([]string(nil), scopes...) }
}

// SetScopes changes the token's scopes at run time.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = append([]string(nil), scopes...)
}

// WithMemberOf makes the bot a member of only these channels (of none when
// called with no IDs). Public channels can then be joined.
func WithMemberOf(channelIDs ...string) Option {
	return func(s *Server) {
		s.memberAll = false
		s.member = map[string]bool{}
		for _, id := range channelIDs {
			s.member[id] = true
		}
	}
}

// SetMember makes the bot a member of a channel, or not.
func (s *Server) SetMember(channelID string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.member[channelID] = member
}

func (s *Server) isMember(channelID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.member[channelID]; ok {
		return m
	}
	return s.memberAll
}

// WithRepeatThreadParent makes conversations.replies repeat the thread's
// parent at the top of every page, not only the first (observed in the
// wild; clients must de-duplicate by ts).
func WithRepeatThreadParent() Option { return func(s *Server) { s.repeatThrd = true } }

// SetRepeatThreadParent switches parent repetition at run time.
func (s *Server) SetRepeatThreadParent(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repeatThrd = on
}

// WithSeed seeds the random source of probabilistic faults.
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rng = rand.New(rand.NewPCG(seed, seed^0x5eed)) }
}

// WithLogger logs one line per request (method, status, channel_id,
// elapsed); never a token or a message.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// request is one API call.
type request struct {
	method string
	params url.Values
	token  string
	ctx    context.Context
	host   string // the Host the client reached, for URLs the fake hands out
}

func (q *request) get(name string) string { return strings.TrimSpace(q.params.Get(name)) }

// reply is what the server answers.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// handler serves one API method.
type handler func(s *Server, q *request) reply

var handlers = map[string]handler{
	"auth.test":             (*Server).authTest,
	"conversations.list":    (*Server).conversationsList,
	"conversations.info":    (*Server).conversationsInfo,
	"conversations.join":    (*Server).conversationsJoin,
	"conversations.history": (*Server).conversationsHistory,
	"conversations.replies": (*Server).conversationsReplies,
	"users.list":            (*Server).usersList,
}

// ServeHTTP answers /<method> and /api/<method>, with arguments in the query
// string or a form-encoded body, and the token in "Authorization: Bearer" or
// the token argument.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if strings.HasPrefix(r.URL.Path, uploadPath) {
		s.serveUpload(w, r)
		return
	}
	method := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"), "api/")
	var rep *reply
	if err := r.ParseForm(); err != nil {
		e := errReply("invalid_form_data")
		rep = &e
	} else {
		rep = s.serve(w, &request{method: method, params: r.Form, token: tokenOf(r), ctx: r.Context(), host: r.Host})
	}
	status := 0 // connection dropped
	if rep != nil {
		status = rep.status
		s.write(w, *rep)
	}
	if s.logger != nil {
		s.logger.Info("slack request", "method", method, "status", status,
			"channel_id", r.Form.Get("channel"), "elapsed", time.Since(start))
	}
}

func tokenOf(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
	}
	return r.Form.Get("token")
}

// serve runs one call through authentication, rate limiting, fault injection
// and scope checks, then its handler. It returns nil when there is nothing
// to write (connection reset, or the client went away).
func (s *Server) serve(w http.ResponseWriter, q *request) *reply {
	s.countCall(q)
	h, ok := handlers[q.method]
	if !ok {
		rep := errReply("unknown_method", field{"req_method", jsonValue(q.method)})
		return &rep
	}
	if rep := s.authenticate(q); rep != nil {
		return rep
	}
	if rep := s.rateLimit(q); rep != nil {
		return rep
	}
	f := s.pickFault(q)
	if f != nil {
		rep, done := s.applyFault(w, q, f)
		if done {
			return rep
		}
	}
	if rep := s.checkScope(q); rep != nil {
		return rep
	}
	rep := h(s, q)
	if f != nil && f.Kind == FaultTruncate {
		rep.body = rep.body[:len(rep.body)/2]
	}
	return &rep
}

func (s *Server) write(w http.ResponseWriter, rep reply) {
	for k, vs := range rep.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	s.mu.Lock()
	if s.canary != "" && bytes.Contains(rep.body, []byte(s.canary)) {
		s.stats.CanaryEchoes++
	}
	s.mu.Unlock()
	status := rep.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(rep.body)
}

// okReply is {"ok":true, fields...}.
func okReply(fields ...field) reply {
	o := append(object{{"ok", jsonValue(true)}}, fields...)
	return reply{status: http.StatusOK, body: o.bytes()}
}

// errReply is Slack's error shape: HTTP 200 {"ok":false,"error":code,...}.
func errReply(code string, fields ...field) reply {
	o := append(object{{"ok", jsonValue(false)}, {"error", jsonValue(code)}}, fields...)
	return reply{status: http.StatusOK, body: o.bytes()}
}

// missingArg is Slack's answer to a call without a required argument.
func missingArg(name string) reply {
	return errReply("invalid_arguments", field{"response_metadata", object{
		{"messages", jsonValue([]string{"[ERROR] missing required field: " + name})},
	}.bytes()})
}

// Start serves on addr (for example "127.0.0.1:0") in the background and
// returns the base URL to give slack.OptionAPIURL (it ends with "/") and a
// function that stops the server.
func (s *Server) Start(addr string) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && s.logger != nil {
			s.logger.Error("slack fake server stopped", "err", err)
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if hs.Shutdown(ctx) != nil {
				_ = hs.Close()
			}
			<-done
		})
	}
	return "http://" + net.JoinHostPort(host, port) + "/", stop, nil
}

package slackfake

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Cursors are opaque base64 strings shaped like Slack's own
// ("next_ts:1512085861000543", "team:C061FA5PB", "user:U061NFTT2"). They name
// the first item of the next page rather than an offset, so messages added
// or deleted between pages neither repeat nor skip the others.
const (
	cursorTS      = "next_ts" // conversations.history, conversations.replies
	cursorChannel = "team"    // conversations.list
	cursorUser    = "user"    // users.list
)

func encodeCursor(kind, val string) string {
	return base64.StdEncoding.EncodeToString([]byte(kind + ":" + val))
}

// decodeCursor returns the value of a cursor of the given kind.
func decodeCursor(cursor, kind string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(cursor)
	if err != nil {
		return "", false
	}
	k, v, ok := strings.Cut(string(b), ":")
	if !ok || k != kind || v == "" {
		return "", false
	}
	return v, true
}

// decodeTSCursor returns the ts key a next_ts cursor points at.
func decodeTSCursor(cursor string) (int64, bool) {
	v, ok := decodeCursor(cursor, cursorTS)
	if !ok {
		return 0, false
	}
	k, err := strconv.ParseInt(v, 10, 64)
	return k, err == nil && k >= 0
}

// pageConfig is how one method pages.
type pageConfig struct {
	def, max int
	// short makes pages before the last one shorter than the limit.
	short bool
}

// Paginated methods, with Slack's documented default and maximum limits.
func defaultPaging() map[string]pageConfig {
	return map[string]pageConfig{
		"conversations.list":    {def: 100, max: 999},
		"conversations.history": {def: 100, max: 999},
		"conversations.replies": {def: 1000, max: 1000},
		"users.list":            {def: 200, max: 1000},
	}
}

// paginatedMethods are the methods that take limit and cursor.
var paginatedMethods = []string{"conversations.list", "conversations.history", "conversations.replies", "users.list"}

// WithMaxPageSize caps the page size of a method: a larger limit is
// silently lowered, as Slack does (15 for conversations.history and
// .replies of non-Marketplace apps). The default limit is lowered too.
func WithMaxPageSize(method string, n int) Option {
	return func(s *Server) { s.setMaxPageSize(method, n) }
}

// SetMaxPageSize is WithMaxPageSize at run time.
func (s *Server) SetMaxPageSize(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setMaxPageSize(method, n)
}

func (s *Server) setMaxPageSize(method string, n int) {
	pc, ok := s.paging[method]
	if !ok || n <= 0 {
		return
	}
	pc.max = n
	pc.def = min(pc.def, n)
	s.paging[method] = pc
}

// WithShortPages makes the methods (every paginated method when none is
// named) return pages shorter than the limit before the end, so that only
// an empty next_cursor ends a listing.
func WithShortPages(methods ...string) Option {
	return func(s *Server) {
		if len(methods) == 0 {
			methods = paginatedMethods
		}
		for _, m := range methods {
			s.setShortPages(m, true)
		}
	}
}

// SetShortPages switches short pages for a method at run time.
func (s *Server) SetShortPages(method string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setShortPages(method, on)
}

func (s *Server) setShortPages(method string, on bool) {
	if pc, ok := s.paging[method]; ok {
		pc.short = on
		s.paging[method] = pc
	}
}

// WithNonMarketplaceApp applies the limits Slack set in 2025 for
// commercially distributed apps outside the Marketplace:
// conversations.history and conversations.replies at 1 request a minute,
// with at most 15 items a page.
func WithNonMarketplaceApp() Option {
	return func(s *Server) {
		for _, m := range []string{"conversations.history", "conversations.replies"} {
			s.setMaxPageSize(m, 15)
			s.setRateLimit(m, 1)
		}
	}
}

// pageLimit reads the limit argument: absent or 0 means the method's
// default; it is capped at the method's maximum.
func (s *Server) pageLimit(q *request) (limit int, short bool, rep *reply) {
	s.mu.Lock()
	pc := s.paging[q.method]
	s.mu.Unlock()
	limit = pc.def
	if v := q.get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			e := errReply("invalid_limit")
			return 0, false, &e
		}
		if n > 0 {
			limit = n
		}
	}
	return min(limit, pc.max), pc.short, nil
}

// pageTake is how many of avail remaining items a page holds. Short pages
// hold about half the limit while more remain.
func pageTake(limit, avail int, short bool) int {
	n := min(limit, avail)
	if short && avail > 1 {
		n = min(n, max(1, limit/2))
	}
	return max(n, 0)
}

// nextCursorField is response_metadata with the next cursor ("" at the end).
func nextCursorField(next string) field {
	return field{"response_metadata", object{{"next_cursor", jsonValue(next)}}.bytes()}
}

package slackfake

import (
	"encoding/json"
	"sort"
)

// usersList answers users.list: members sorted by ID, each served as its
// users.json entry, paged by limit and cursor.
func (s *Server) usersList(q *request) reply {
	limit, short, rep := s.pageLimit(q)
	if rep != nil {
		return *rep
	}
	from := ""
	if c := q.get("cursor"); c != "" {
		id, ok := decodeCursor(c, cursorUser)
		if !ok {
			return errReply("invalid_cursor")
		}
		from = id
	}
	s.ws.mu.RLock()
	ids := s.ws.userIDs()
	start := sort.SearchStrings(ids, from)
	n := pageTake(limit, len(ids)-start, short)
	page := make([]json.RawMessage, 0, n)
	for _, id := range ids[start : start+n] {
		page = append(page, s.ws.users[id])
	}
	next := ""
	if start+n < len(ids) {
		next = encodeCursor(cursorUser, ids[start+n])
	}
	s.ws.mu.RUnlock()
	s.mu.Lock()
	now := s.clock.Now().Unix()
	s.mu.Unlock()
	return okReply(
		field{"members", rawArray(page)},
		field{"cache_ts", jsonValue(now)},
		nextCursorField(next),
	)
}

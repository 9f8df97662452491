package slackfake

import (
	"slices"
	"strings"
)

// authenticate answers not_authed without a token and invalid_auth for a
// token the server does not accept. The token is never echoed.
func (s *Server) authenticate(q *request) *reply {
	if q.token == "" {
		rep := errReply("not_authed")
		return &rep
	}
	s.mu.Lock()
	ok := len(s.tokens) == 0 || s.tokens[q.token]
	s.mu.Unlock()
	if !ok {
		rep := errReply("invalid_auth")
		return &rep
	}
	return nil
}

// neededScopes are the bot scopes the call needs.
func (s *Server) neededScopes(q *request) []string {
	switch q.method {
	case "conversations.list":
		var need []string
		for _, t := range listTypes(q) {
			switch t {
			case "public_channel":
				need = append(need, "channels:read")
			case "private_channel":
				need = append(need, "groups:read")
			case "mpim":
				need = append(need, "mpim:read")
			case "im":
				need = append(need, "im:read")
			}
		}
		return need
	case "conversations.history", "conversations.replies":
		if s.channelPrivate(q.get("channel")) {
			return []string{"groups:history"}
		}
		return []string{"channels:history"}
	case "conversations.info":
		if s.channelPrivate(q.get("channel")) {
			return []string{"groups:read"}
		}
		return []string{"channels:read"}
	case "conversations.join":
		return []string{"channels:join"}
	case "users.list":
		return []string{"users:read"}
	case "chat.postMessage":
		return []string{"chat:write"}
	case "files.getUploadURLExternal", "files.completeUploadExternal":
		return []string{"files:write"}
	}
	return nil
}

func (s *Server) channelPrivate(id string) bool {
	ch, ok := s.ws.Channel(id)
	return ok && ch.Private
}

// checkScope answers missing_scope, with needed and provided, when the token
// lacks a scope the call needs.
func (s *Server) checkScope(q *request) *reply {
	needed := s.neededScopes(q)
	s.mu.Lock()
	scopes := slices.Clone(s.scopes)
	s.mu.Unlock()
	var missing []string
	for _, n := range needed {
		if !slices.Contains(scopes, n) {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rep := missingScope(missing, scopes)
	return &rep
}

// listTypes reads conversations.list's types argument (default
// public_channel).
func listTypes(q *request) []string {
	v := q.get("types")
	if v == "" {
		return []string{"public_channel"}
	}
	var out []string
	for t := range strings.SplitSeq(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// authTest answers auth.test with the bot's identity.
func (s *Server) authTest(*request) reply {
	team, bot := s.ws.Team(), s.ws.Bot()
	return okReply(
		field{"url", jsonValue("https://" + team.Domain + ".slack.com/")},
		field{"team", jsonValue(team.Name)},
		field{"user", jsonValue(bot.Name)},
		field{"team_id", jsonValue(team.ID)},
		field{"user_id", jsonValue(bot.UserID)},
		field{"bot_id", jsonValue(bot.BotID)},
		field{"is_enterprise_install", jsonValue(false)},
	)
}

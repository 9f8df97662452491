// Package slackfake is a fake Slack Web API for tests and `make demo`.
//
// It serves a Workspace (loaded from a workspace export with LoadExport, or
// built in code with NewWorkspace and its Add methods) over HTTP, speaking
// Slack's own JSON so that slack-go (slack.OptionAPIURL(srv.URL+"/")) and a
// raw decoder both work against it:
//
//	auth.test, conversations.list, conversations.info, conversations.join,
//	conversations.history, conversations.replies, users.list
//
// Arguments come form-encoded in a POST body or in the query string; the
// token comes in "Authorization: Bearer" or the token argument.
//
// # Invariants
//
//   - Messages are served as their original JSON, compacted, never
//     re-marshalled through a struct: the bytes an API ingest stores equal
//     those an export ingest stores. The one exception is a thread parent's
//     reply metadata (thread_ts, reply_count, reply_users_count,
//     latest_reply, reply_users), which is patched in place, other members
//     untouched, when the export lacks it or a mutation changes the thread.
//   - conversations.history returns top-level messages (thread parents and
//     tombstones included) and thread_broadcast replies, newest first;
//     conversations.replies returns the parent then every reply in ts order.
//   - oldest/latest are exclusive unless inclusive is set, as Slack
//     documents; pages follow opaque base64 cursors that name the next item,
//     so mutations between pages neither repeat nor skip messages.
//   - Errors have Slack's shape: HTTP 200 {"ok":false,"error":"…"}, except
//     ratelimited (HTTP 429, with Retry-After unless switched off) and
//     injected 5xx faults. No response, error or log line carries a token.
//
// # Switches
//
// Everything a test may want to change is an Option at construction and,
// mostly, a Server method at run time, safe to call while serving: rate
// limits per method on an injectable Clock (FakeClock for tests), page-size
// caps and short pages, bot membership, scopes, faults (Fault: 5xx, slow,
// truncated body, connection reset, invalid_auth, channel_not_found,
// missing_scope; by method and channel, after N requests, a count or a
// seeded probability) and counters (Stats, Calls, Reset). Workspace methods
// (AddMessage, AddReply, EditMessage, DeleteMessage, ArchiveChannel,
// AddChannel, DeleteChannel, AddUser) change the data between or during
// runs.
package slackfake

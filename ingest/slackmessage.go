package ingest

import (
	"encoding/json"
	"strings"
)

// What the Web API ingest reads of one message object: only the fields
// that route it (its ts, its thread, whether replies moved). The merge
// (merge.sql) reads the rest from the raw JSON.

// slackMessage is a message object with the fields ingest routes on.
type slackMessage struct {
	raw          json.RawMessage
	ts, threadTS string
	latestReply  string
	replyCount   int64
}

// isParent reports a thread parent with replies to fetch.
func (m slackMessage) isParent() bool {
	if m.threadTS != m.ts {
		return false
	}
	if m.latestReply != "" {
		return m.latestReply != "0000000000.000000"
	}
	return m.replyCount > 0
}

// parseSlackMessage reads the routing fields of one message object, or
// says what is wrong with it.
func parseSlackMessage(raw json.RawMessage) (slackMessage, string) {
	if !json.Valid(raw) {
		return slackMessage{}, "not valid JSON"
	}
	if !isObject(raw) {
		return slackMessage{}, "not a JSON object"
	}
	var h struct {
		TS          json.RawMessage `json:"ts"`
		ThreadTS    json.RawMessage `json:"thread_ts"`
		LatestReply json.RawMessage `json:"latest_reply"`
		ReplyCount  json.RawMessage `json:"reply_count"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return slackMessage{}, "not a JSON object"
	}
	m := slackMessage{raw: raw}
	if json.Unmarshal(h.TS, &m.ts) != nil || !strings.Contains(m.ts, ".") {
		return slackMessage{}, "ts is missing or not a Slack timestamp string"
	}
	if _, ok := tsKey(m.ts); !ok {
		return slackMessage{}, "ts is missing or not a Slack timestamp string"
	}
	// The merge checks the other fields' types; here they only route.
	if json.Unmarshal(h.ThreadTS, &m.threadTS) != nil {
		m.threadTS = ""
	}
	if json.Unmarshal(h.LatestReply, &m.latestReply) != nil {
		m.latestReply = ""
	}
	if _, ok := tsKey(m.latestReply); !ok {
		m.latestReply = ""
	}
	_ = json.Unmarshal(h.ReplyCount, &m.replyCount)
	return m, ""
}

// isObject reports a JSON value that is an object.
func isObject(raw json.RawMessage) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '{'
	}
	return false
}

// plural is noun for one, else its English plural (entry → entries).
func plural(n int64, noun string) string {
	switch {
	case n == 1:
		return noun
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey"):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

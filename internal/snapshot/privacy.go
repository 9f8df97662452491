package snapshot

import "fmt"

// Privacy says what a snapshot leaves out.
type Privacy struct {
	// RedactText keeps message text out: message text, the message, user
	// and channel JSON, channel topics and purposes, timeline evidence.
	RedactText bool
	// Drop stores NULL (or '' where the column may not be NULL) instead of
	// the text's SHA-256.
	Drop bool
	// PseudonymizeUsers replaces user IDs and names with stable pseudonyms.
	PseudonymizeUsers bool
}

// On reports whether p changes anything.
func (p Privacy) On() bool { return p.RedactText || p.PseudonymizeUsers }

// keyTable holds the pseudonym key in the working warehouse; it is never
// copied into a snapshot.
const keyTable = "snapshot_key"

// replacements is the Replace map for p: "table.column" → SQL expression
// over the column. live is the working database's name, for the key.
func (p Privacy) replacements(live string) map[string]string {
	out := map[string]string{}
	if p.RedactText {
		text := func(col string) string {
			if p.Drop {
				return "NULL"
			}
			return "sha256(" + quoteIdent(col) + ")"
		}
		for _, tc := range [][2]string{
			{"messages", "text"}, {"channels", "topic"}, {"channels", "purpose"},
			{"incident_events", "evidence"}, {"incident_signals", "evidence"},
		} {
			out[tc[0]+"."+tc[1]] = text(tc[1])
		}
		for _, t := range []string{"messages", "channels", "users"} {
			out[t+".raw"] = `'{}'::JSON`
		}
		// Signal values are pieces of message text, but for the
		// normalised severity and service; the chosen title stays in
		// incidents.title.
		out["incident_signals.value"] = "CASE WHEN kind IN ('severity', 'service') THEN value ELSE " + text("value") + " END"
	}
	if p.PseudonymizeUsers {
		key := fmt.Sprintf("(SELECT key FROM %s.main.%s)", quoteIdent(live), keyTable)
		pseudo := func(col string) string {
			c := quoteIdent(col)
			return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE 'user-' || left(sha256(%s || %s), 12) END", c, key, c)
		}
		for _, tc := range [][2]string{
			{"users", "user_id"}, {"messages", "user_id"}, {"messages", "parent_user_id"}, {"messages", "edited_by"},
			{"channels", "creator_id"}, {"incident_participants", "user_id"},
		} {
			out[tc[0]+"."+tc[1]] = pseudo(tc[1])
		}
		// A person's names become their ID's pseudonym.
		for _, c := range []string{"name", "real_name", "display_name"} {
			out["users."+c] = pseudo("user_id")
		}
		out["incident_participants.name"] = pseudo("user_id")
		// A bot's name stays; a person's posting name goes.
		out["messages.username"] = `CASE WHEN bot_id IS NOT NULL THEN username END`
		for _, t := range []string{"messages", "users"} {
			out[t+".raw"] = `'{}'::JSON`
		}
	}
	return out
}

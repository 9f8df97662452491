package ingest

// listField is the list each paginated method's answer carries. Slack
// always sends it, empty at the end: an answer with ok:true and no list at
// all is incomplete (a proxy, a broken deploy), and taking it for the end
// of the list would mark a channel complete with most of its history never
// fetched.
var listField = map[string]string{
	"conversations.history": "messages",
	"conversations.replies": "messages",
	"conversations.list":    "channels",
	"users.list":            "members",
}

// missingList names the list field that method's answer env lacks, or "".
func missingList(method string, env *envelope) string {
	field, ok := listField[method]
	if !ok {
		return ""
	}
	switch field {
	case "messages":
		if env.Messages != nil {
			return ""
		}
	case "channels":
		if env.Channels != nil {
			return ""
		}
	case "members":
		if env.Members != nil {
			return ""
		}
	}
	return field
}

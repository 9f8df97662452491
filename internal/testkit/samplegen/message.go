package samplegen

import "strings"

// message is one Slack message as the export holds it. Common fields are
// typed; rarer fields go to extra in the order they are written.
type message struct {
	ts       int64
	subtype  string
	person   *person // human author
	bot      *bot    // bot author (app bot or webhook)
	userID   string  // author of system subtypes when not a person (a bot user, USLACKBOT)
	text     string
	blocks   []obj // explicit blocks; human messages get a rich_text block from text
	noBlocks bool  // a human message without blocks (older clients, slash command echoes)
	attach   []obj
	files    []*fileObj
	file     *fileObj // legacy file_share
	edited   *edit
	reacts   []reaction
	extra    obj

	// Threads: a reply points at its parent; a parent lists its replies.
	parent   *message
	replies  []*message
	hidden   bool // tombstone
	rootCopy bool // thread_broadcast: write the parent as "root"
}

type edit struct {
	user string
	ts   int64
}

type reaction struct {
	name  string
	users []string
}

// fileObj is an uploaded file. Its URLs carry the ?t=xoxe- token that real
// exports add and ingest must strip.
type fileObj struct {
	id, name, title, mime, ftype, pretty string
	user                                 string
	created                              int64 // seconds
	size                                 int64
	token                                string
	image                                bool
}

func (m *message) threadTS() int64 {
	switch {
	case m.parent != nil:
		return m.parent.ts
	case len(m.replies) > 0:
		return m.ts
	}
	return 0
}

// authorID is the user field of the message, if any.
func (m *message) authorID() string {
	switch {
	case m.person != nil:
		return m.person.id
	case m.bot != nil:
		return m.bot.userID
	}
	return m.userID
}

// isHuman reports whether a person typed the message (not a system event).
func (m *message) isHuman() bool {
	return m.person != nil && (m.subtype == "" || m.subtype == "thread_broadcast")
}

// encodeMessage writes m as one element of a day file's array.
func encodeMessage(e *enc, m *message, chanHash uint64) {
	e.item()
	e.open('{')
	switch {
	case m.subtype == "tombstone":
		encodeTombstone(e, m)
	case m.person != nil && (m.subtype == "" || m.subtype == "thread_broadcast"):
		encodeHuman(e, m, chanHash)
	case m.bot != nil && m.bot.webhook:
		encodeWebhook(e, m)
	case m.bot != nil && m.subtype == "":
		encodeAppBot(e, m)
	default:
		encodeSystem(e, m)
	}
	e.close('}')
}

func encodeHuman(e *enc, m *message, chanHash uint64) {
	p := m.person
	e.str("user", p.id)
	e.str("type", "message")
	if m.subtype != "" {
		e.str("subtype", m.subtype)
	}
	e.ts("ts", m.ts)
	h := mix64(uint64(m.ts) ^ chanHash)
	e.str("client_msg_id", uuidFrom(h, mix64(h)))
	e.str("text", m.text)
	e.str("team", teamID)
	e.str("user_team", teamID)
	e.str("source_team", teamID)
	e.fieldPre("user_profile", p.profile)
	if m.edited != nil {
		encodeEdited(e, m.edited)
	}
	encodeThreadFields(e, m)
	if len(m.files) > 0 {
		encodeFiles(e, m.files)
		e.boolean("upload", false)
		e.boolean("display_as_bot", false)
	}
	if !m.noBlocks {
		e.openArr("blocks")
		if m.blocks != nil {
			for _, b := range m.blocks {
				e.item()
				e.value(b)
			}
		} else if m.text != "" {
			encodeRichText(e, m.text, h)
		}
		e.close(']')
	}
	if m.rootCopy && m.parent != nil {
		e.openObj("root")
		encodeRoot(e, m.parent)
		e.close('}')
	}
	encodeReactions(e, m.reacts)
	encodeExtra(e, m.extra)
}

func encodeAppBot(e *enc, m *message) {
	b := m.bot
	e.str("bot_id", b.botID)
	e.str("type", "message")
	e.str("text", m.text)
	e.str("user", b.userID)
	e.ts("ts", m.ts)
	e.str("app_id", b.appID)
	if m.edited != nil {
		encodeEdited(e, m.edited)
	}
	if m.blocks != nil {
		e.field("blocks", m.blocks)
	}
	if m.attach != nil {
		e.field("attachments", m.attach)
	}
	e.str("team", teamID)
	e.fieldPre("bot_profile", b.profile)
	encodeThreadFields(e, m)
	encodeReactions(e, m.reacts)
	encodeExtra(e, m.extra)
}

func encodeWebhook(e *enc, m *message) {
	b := m.bot
	e.str("type", "message")
	e.str("subtype", "bot_message")
	e.str("text", m.text)
	e.ts("ts", m.ts)
	e.str("username", b.username)
	e.field("icons", b.icons)
	e.str("bot_id", b.botID)
	if m.edited != nil {
		encodeEdited(e, m.edited)
	}
	if m.blocks != nil {
		e.field("blocks", m.blocks)
	}
	if m.attach != nil {
		e.field("attachments", m.attach)
	}
	encodeThreadFields(e, m)
	encodeReactions(e, m.reacts)
	encodeExtra(e, m.extra)
}

// encodeSystem writes channel events (join, topic, archive, ...) and the
// rare subtypes, whoever caused them.
func encodeSystem(e *enc, m *message) {
	if id := m.authorID(); id != "" {
		e.str("user", id)
	}
	e.str("type", "message")
	e.str("subtype", m.subtype)
	e.ts("ts", m.ts)
	if m.bot != nil {
		e.str("bot_id", m.bot.botID)
	}
	e.str("text", m.text)
	if m.file != nil {
		e.openObj("file")
		encodeFileFields(e, m.file)
		e.close('}')
	}
	if m.edited != nil {
		encodeEdited(e, m.edited)
	}
	if m.attach != nil {
		e.field("attachments", m.attach)
	}
	encodeThreadFields(e, m)
	encodeReactions(e, m.reacts)
	encodeExtra(e, m.extra)
}

func encodeTombstone(e *enc, m *message) {
	e.str("user", "USLACKBOT")
	e.str("type", "message")
	e.str("subtype", "tombstone")
	e.str("text", "This message was deleted.")
	e.ts("ts", m.ts)
	e.boolean("hidden", true)
	encodeThreadFields(e, m)
}

func encodeEdited(e *enc, ed *edit) {
	e.openObj("edited")
	e.str("user", ed.user)
	e.ts("ts", ed.ts)
	e.close('}')
}

func encodeThreadFields(e *enc, m *message) {
	switch {
	case m.parent != nil:
		e.ts("thread_ts", m.parent.ts)
		e.str("parent_user_id", m.parent.authorOrSlackbot())
	case len(m.replies) > 0:
		e.ts("thread_ts", m.ts)
		e.num("reply_count", int64(len(m.replies)))
		users := replyUsers(m)
		e.num("reply_users_count", int64(len(users)))
		e.ts("latest_reply", m.replies[len(m.replies)-1].ts)
		e.strs("reply_users", users)
		e.boolean("is_locked", false)
		e.boolean("subscribed", false)
	}
}

func (m *message) authorOrSlackbot() string {
	if m.subtype == "tombstone" {
		return "USLACKBOT"
	}
	if id := m.authorID(); id != "" {
		return id
	}
	if m.bot != nil {
		return m.bot.botID
	}
	return "USLACKBOT"
}

// replyUsers lists the distinct repliers in order of their first reply.
func replyUsers(m *message) []string {
	users := make([]string, 0, 4)
	for _, r := range m.replies {
		id := r.authorOrSlackbot()
		found := false
		for _, u := range users {
			if u == id {
				found = true
				break
			}
		}
		if !found {
			users = append(users, id)
		}
	}
	return users
}

// encodeRoot writes the parent of a thread_broadcast, as Slack embeds it.
func encodeRoot(e *enc, p *message) {
	if p.person != nil {
		e.str("user", p.person.id)
	} else if id := p.authorID(); id != "" {
		e.str("user", id)
	}
	e.str("type", "message")
	if p.bot != nil {
		e.str("bot_id", p.bot.botID)
		if p.bot.webhook {
			e.str("subtype", "bot_message")
		}
	}
	e.ts("ts", p.ts)
	e.str("text", p.text)
	encodeThreadFields(e, p)
}

func encodeReactions(e *enc, rs []reaction) {
	if len(rs) == 0 {
		return
	}
	e.openArr("reactions")
	for _, r := range rs {
		e.elemObj()
		e.str("name", r.name)
		e.strs("users", r.users)
		e.num("count", int64(len(r.users)))
		e.close('}')
	}
	e.close(']')
}

func encodeExtra(e *enc, x obj) {
	for _, f := range x {
		e.field(f.k, f.v)
	}
}

func encodeFiles(e *enc, fs []*fileObj) {
	e.openArr("files")
	for _, f := range fs {
		e.elemObj()
		encodeFileFields(e, f)
		e.close('}')
	}
	e.close(']')
}

func encodeFileFields(e *enc, f *fileObj) {
	base := "https://files.slack.com/files-pri/" + teamID + "-" + f.id + "/"
	tok := "?t=" + f.token
	e.str("id", f.id)
	e.num("created", f.created)
	e.num("timestamp", f.created)
	e.str("name", f.name)
	e.str("title", f.title)
	e.str("mimetype", f.mime)
	e.str("filetype", f.ftype)
	e.str("pretty_type", f.pretty)
	e.str("user", f.user)
	e.str("user_team", teamID)
	e.boolean("editable", false)
	e.num("size", f.size)
	e.str("mode", "hosted")
	e.boolean("is_external", false)
	e.str("external_type", "")
	e.boolean("is_public", true)
	e.boolean("public_url_shared", false)
	e.boolean("display_as_bot", false)
	e.str("username", "")
	e.str("url_private", base+f.name+tok)
	e.str("url_private_download", base+"download/"+f.name+tok)
	if f.image {
		e.str("media_display_type", "unknown")
		e.str("thumb_64", base+strings.TrimSuffix(f.name, ".png")+"_64.png"+tok)
		e.str("thumb_360", base+strings.TrimSuffix(f.name, ".png")+"_360.png"+tok)
		e.num("thumb_360_w", 360)
		e.num("thumb_360_h", 203)
		e.num("original_w", 1912)
		e.num("original_h", 1078)
	}
	e.str("permalink", "https://"+teamDomain+".slack.com/files/"+f.user+"/"+f.id+"/"+f.name+tok)
	e.str("permalink_public", "https://slack-files.com/"+teamID+"-"+f.id+"-"+f.token[len(f.token)-10:])
	e.boolean("is_starred", false)
	e.boolean("has_rich_preview", false)
	e.str("file_access", "visible")
}

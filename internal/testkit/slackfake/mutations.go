package slackfake

import (
	"encoding/json"
	"fmt"
)

// These methods build a workspace in code and change it between (or during)
// runs. Every change is visible to the next API call. Threads stay
// consistent: adding, editing or deleting a reply recomputes its parent's
// thread_ts, reply_count, reply_users_count, latest_reply and reply_users.

// AddChannel adds a channel. Raw, when set, is its channels.json entry.
func (w *Workspace) AddChannel(ch Channel) error {
	if ch.ID == "" || ch.Name == "" {
		return fmt.Errorf("add channel: %w: id and name are required", ErrInvalid)
	}
	if len(ch.Raw) > 0 {
		c, err := compact(ch.Raw)
		if err != nil {
			return fmt.Errorf("add channel %s: %w", ch.ID, err)
		}
		ch.Raw = c
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.convs[ch.ID]; ok {
		return fmt.Errorf("add channel %s: %w", ch.ID, ErrExists)
	}
	c := newConversation(ch)
	c.pins = pinCount(ch.Raw)
	w.convs[ch.ID] = c
	return nil
}

// DeleteChannel removes a channel and its messages: every later call naming
// it gets channel_not_found.
func (w *Workspace) DeleteChannel(id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.convs[id]; !ok {
		return fmt.Errorf("delete channel %s: %w", id, ErrNoChannel)
	}
	delete(w.convs, id)
	return nil
}

// ArchiveChannel marks a channel archived. Slack also posts a
// channel_archive message; add one with AddMessage if a test needs it.
func (w *Workspace) ArchiveChannel(id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.convs[id]
	if !ok {
		return fmt.Errorf("archive channel %s: %w", id, ErrNoChannel)
	}
	c.info.Archived = true
	return nil
}

// AddUser adds a user. With u.Raw set, that JSON is served verbatim.
func (w *Workspace) AddUser(u User) error {
	raw := u.Raw
	if len(raw) == 0 {
		w.mu.RLock()
		team := w.team.ID
		w.mu.RUnlock()
		raw = object{
			{"id", jsonValue(u.ID)},
			{"team_id", jsonValue(team)},
			{"name", jsonValue(u.Name)},
			{"deleted", jsonValue(u.Deleted)},
			{"real_name", jsonValue(u.RealName)},
			{"is_bot", jsonValue(u.IsBot)},
			{"is_app_user", jsonValue(false)},
			{"profile", object{
				{"real_name", jsonValue(u.RealName)},
				{"display_name", jsonValue(u.Name)},
			}.bytes()},
		}.bytes()
	}
	e, err := userFromRaw(raw)
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.ID, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.users[e.id]; ok {
		return fmt.Errorf("add user %s: %w", e.id, ErrExists)
	}
	w.users[e.id] = e.raw
	return nil
}

// AddMessage adds a message (top-level, reply or broadcast, according to its
// ts and thread_ts) to a channel. A reply's parent must exist; its reply
// metadata is updated.
func (w *Workspace) AddMessage(channelID string, raw json.RawMessage) error {
	m, err := newMessage(raw)
	if err != nil {
		return fmt.Errorf("add message to %s: %w", channelID, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.addLocked(channelID, m)
}

func (w *Workspace) addLocked(channelID string, m *message) error {
	c, ok := w.convs[channelID]
	if !ok {
		return fmt.Errorf("add message %s to %s: %w", m.ts, channelID, ErrNoChannel)
	}
	if _, dup := c.byTS[m.ts]; dup {
		return fmt.Errorf("add message %s to %s: %w", m.ts, channelID, ErrExists)
	}
	if m.isReply() {
		if p, ok := c.byTS[m.threadTS]; !ok || p.isReply() {
			return fmt.Errorf("add reply %s to %s: parent %s: %w", m.ts, channelID, m.threadTS, ErrNoMessage)
		}
	}
	c.add(m)
	switch {
	case m.isReply():
		return c.refreshThread(m.threadTS)
	case len(c.threads[m.ts]) > 0:
		return c.refreshThread(m.ts)
	}
	return nil
}

// AddReply adds raw as a reply to the thread of parentTS, setting its
// thread_ts (and parent_user_id, when the parent has a user) if absent.
func (w *Workspace) AddReply(channelID, parentTS string, raw json.RawMessage) error {
	o, err := parseObject(raw)
	if err != nil {
		return fmt.Errorf("add reply to %s in %s: %w: %v", parentTS, channelID, ErrInvalid, err)
	}
	if tt, ok := o.get("thread_ts"); ok && string(tt) != string(jsonValue(parentTS)) {
		return fmt.Errorf("add reply to %s in %s: %w: thread_ts %s", parentTS, channelID, ErrInvalid, tt)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.convs[channelID]; ok {
		if p, ok := c.byTS[parentTS]; ok && p.user != "" {
			o.setDefault("parent_user_id", jsonValue(p.user))
		}
	}
	o.setDefault("thread_ts", jsonValue(parentTS))
	m, err := newMessage(o.bytes())
	if err != nil {
		return fmt.Errorf("add reply to %s in %s: %w", parentTS, channelID, err)
	}
	if !m.isReply() {
		return fmt.Errorf("add reply to %s in %s: %w: reply ts equals parent ts", parentTS, channelID, ErrInvalid)
	}
	return w.addLocked(channelID, m)
}

// EditMessage replaces the message with ts by raw, which must carry the same
// ts and thread_ts (an edit in Slack changes text, blocks, attachments and
// adds edited{user,ts}; it never moves a message). A parent keeps its reply
// metadata up to date.
func (w *Workspace) EditMessage(channelID, ts string, raw json.RawMessage) error {
	m, err := newMessage(raw)
	if err != nil {
		return fmt.Errorf("edit message %s in %s: %w", ts, channelID, err)
	}
	if m.ts != ts {
		return fmt.Errorf("edit message %s in %s: %w: ts %s", ts, channelID, ErrInvalid, m.ts)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.convs[channelID]
	if !ok {
		return fmt.Errorf("edit message %s in %s: %w", ts, channelID, ErrNoChannel)
	}
	old, ok := c.byTS[ts]
	if !ok {
		return fmt.Errorf("edit message %s in %s: %w", ts, channelID, ErrNoMessage)
	}
	if old.isReply() != m.isReply() || (old.isReply() && old.threadTS != m.threadTS) {
		return fmt.Errorf("edit message %s in %s: %w: thread_ts changed", ts, channelID, ErrInvalid)
	}
	c.remove(old)
	c.add(m)
	switch {
	case m.isReply():
		return c.refreshThread(m.threadTS)
	case len(c.threads[ts]) > 0:
		return c.refreshThread(ts)
	}
	return nil
}

// DeleteMessage deletes a message as Slack does: a parent with replies
// becomes a tombstone (subtype tombstone, hidden, its replies kept); any
// other message disappears. Deleting a tombstone's last reply removes the
// tombstone.
func (w *Workspace) DeleteMessage(channelID, ts string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.convs[channelID]
	if !ok {
		return fmt.Errorf("delete message %s in %s: %w", ts, channelID, ErrNoChannel)
	}
	m, ok := c.byTS[ts]
	if !ok {
		return fmt.Errorf("delete message %s in %s: %w", ts, channelID, ErrNoMessage)
	}
	c.remove(m)
	if m.isReply() {
		return c.refreshThread(m.threadTS)
	}
	if len(c.threads[ts]) == 0 {
		return nil
	}
	tomb, err := newMessage(object{
		{"type", jsonValue("message")},
		{"subtype", jsonValue("tombstone")},
		{"text", jsonValue("This message was deleted.")},
		{"user", jsonValue("USLACKBOT")},
		{"hidden", jsonValue(true)},
		{"ts", jsonValue(ts)},
		{"thread_ts", jsonValue(ts)},
	}.bytes())
	if err != nil {
		return err
	}
	c.add(tomb)
	return c.refreshThread(ts)
}

// NewMessage returns the JSON of a plain message posted by user, for
// building workspaces in tests.
func NewMessage(ts, user, text string) json.RawMessage {
	return object{
		{"type", jsonValue("message")},
		{"user", jsonValue(user)},
		{"text", jsonValue(text)},
		{"ts", jsonValue(ts)},
	}.bytes()
}

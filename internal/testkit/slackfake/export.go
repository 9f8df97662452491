package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// exportChannel is the part of a channels.json or groups.json entry the fake
// reads; the whole entry is kept as Channel.Raw.
type exportChannel struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Created    flexInt     `json:"created"`
	Creator    string      `json:"creator"`
	IsArchived bool        `json:"is_archived"`
	IsGeneral  bool        `json:"is_general"`
	Members    []string    `json:"members"`
	Topic      exportTopic `json:"topic"`
	Purpose    exportTopic `json:"purpose"`
}

type exportTopic struct {
	Value string `json:"value"`
}

// flexInt reads a number written either as a JSON number or a string.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*n = flexInt(v)
	return nil
}

// LoadExport reads a Slack workspace export directory: channels.json
// (public channels, required), groups.json (private channels), users.json,
// and one folder per channel, named after it, of YYYY-MM-DD.json day files,
// each a JSON array of messages. Each message is kept as its original
// compacted JSON. Parents that lack reply_count or latest_reply get them
// computed from the replies present. dms.json, mpims.json and other files
// are ignored.
func LoadExport(dir string) (*Workspace, error) {
	ws := NewWorkspace()
	lists := []struct {
		file     string
		private  bool
		required bool
	}{
		{"channels.json", false, true},
		{"groups.json", true, false},
	}
	for _, l := range lists {
		entries, err := readArray(filepath.Join(dir, l.file))
		if errors.Is(err, fs.ErrNotExist) && !l.required {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load export: %w", err)
		}
		for i, raw := range entries {
			ch, err := channelFromExport(raw, l.private)
			if err != nil {
				return nil, fmt.Errorf("load export: %s entry %d: %w", l.file, i, err)
			}
			if _, dup := ws.convs[ch.ID]; dup {
				return nil, fmt.Errorf("load export: %s: channel %s: %w", l.file, ch.ID, ErrExists)
			}
			c := newConversation(ch)
			c.pins = pinCount(ch.Raw)
			ws.convs[ch.ID] = c
			if err := loadChannelDir(c, dir); err != nil {
				return nil, fmt.Errorf("load export: %w", err)
			}
		}
	}
	users, err := readArray(filepath.Join(dir, "users.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load export: %w", err)
	}
	teamFound := false
	for i, raw := range users {
		u, err := userFromRaw(raw)
		if err != nil {
			return nil, fmt.Errorf("load export: users.json entry %d: %w", i, err)
		}
		ws.users[u.id] = u.raw
		if !teamFound && u.teamID != "" { // exports name the team only here
			ws.team.ID, teamFound = u.teamID, true
		}
	}
	for _, c := range ws.convs {
		sortMessages(c.history)
		for _, rs := range c.threads {
			sortMessages(rs)
		}
		for threadTS := range c.threads {
			if p, ok := c.byTS[threadTS]; ok && (!p.hasReplyMeta || p.threadTS == "") {
				if err := c.refreshThread(threadTS); err != nil {
					return nil, fmt.Errorf("load export: channel %s: %w", c.info.Name, err)
				}
			}
		}
	}
	return ws, nil
}

// pinCount counts the pins listed in a channel's export entry.
func pinCount(raw json.RawMessage) int {
	var e struct {
		Pins []json.RawMessage `json:"pins"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &e) != nil {
		return 0
	}
	return len(e.Pins)
}

func channelFromExport(raw json.RawMessage, private bool) (Channel, error) {
	var e exportChannel
	if err := json.Unmarshal(raw, &e); err != nil {
		return Channel{}, err
	}
	if e.ID == "" || e.Name == "" {
		return Channel{}, errors.New("channel without id or name")
	}
	return Channel{
		ID:       e.ID,
		Name:     e.Name,
		Private:  private,
		Archived: e.IsArchived,
		General:  e.IsGeneral,
		Created:  int64(e.Created),
		Creator:  e.Creator,
		Topic:    e.Topic.Value,
		Purpose:  e.Purpose.Value,
		Members:  e.Members,
		Raw:      raw,
	}, nil
}

// loadChannelDir reads the channel's day files. The folder is named after
// the channel; exports that name folders by ID are also accepted.
func loadChannelDir(c *conversation, dir string) error {
	folder := filepath.Join(dir, c.info.Name)
	files, err := os.ReadDir(folder)
	if errors.Is(err, fs.ErrNotExist) {
		folder = filepath.Join(dir, c.info.ID)
		files, err = os.ReadDir(folder)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a channel without activity has no folder
	}
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		if !f.IsDir() && strings.HasSuffix(f.Name(), ".json") {
			names = append(names, f.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(folder, name)
		msgs, err := readArray(path)
		if err != nil {
			return err
		}
		for i, raw := range msgs {
			m, err := newMessage(raw)
			if err != nil {
				return fmt.Errorf("%s: message %d: %w", path, i, err)
			}
			if old, dup := c.byTS[m.ts]; dup { // the later copy wins
				c.remove(old)
			}
			c.byTS[m.ts] = m
			if m.inHistory() {
				c.history = append(c.history, m)
			}
			if m.isReply() {
				c.threads[m.threadTS] = append(c.threads[m.threadTS], m)
			}
		}
	}
	return nil
}

// readArray reads a file holding one JSON array.
func readArray(path string) ([]json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&items); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return items, nil
}

// userEntry is a user's served JSON plus the IDs the fake needs.
type userEntry struct {
	id     string
	teamID string
	raw    json.RawMessage
}

func userFromRaw(raw json.RawMessage) (userEntry, error) {
	c, err := compact(raw)
	if err != nil {
		return userEntry{}, err
	}
	var u struct {
		ID     string `json:"id"`
		TeamID string `json:"team_id"`
	}
	if err := json.Unmarshal(c, &u); err != nil {
		return userEntry{}, err
	}
	if u.ID == "" {
		return userEntry{}, errors.New("user without id")
	}
	return userEntry{id: u.ID, teamID: u.TeamID, raw: c}, nil
}

package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Shapes lists the export shapes Reshape makes, besides the generator's
// own ("default"):
//   - few-channels: every channel's messages moved into 8 channels, so
//     each day file holds the whole day of dozens of channels (huge days);
//   - blocks: every message without Block Kit blocks given a payload of
//     about 1.5 KB (a rich_text block repeating its text, a section with
//     fields, and an actions block), the shape of bot and workflow posts;
//   - many-channels: every channel cut into channels of about 100
//     messages (a thread stays whole), named <channel>-p<n>, so the
//     export holds about 10,000 small channels a million messages, the
//     shape of a workspace with a channel per incident and thousands of
//     small incidents;
//   - long-threads: in every channel, each week's ordinary messages
//     become replies in one thread under the week's first one, the shape
//     of a shared channel where each incident is one long thread.
var Shapes = []string{"default", "few-channels", "blocks", "many-channels", "long-threads"}

// fewChannels is how many channels the few-channels shape keeps.
const fewChannels = 8

// Reshape writes to dst a copy of the Slack export in src with the same
// messages in another shape (see Shapes). dst must not exist.
func Reshape(src, dst, shape string) error {
	folders, err := channelFolders(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	tops, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range tops {
		top := e.Name()
		if e.IsDir() || (shape == "few-channels" || shape == "many-channels") && (top == "channels.json" || top == "groups.json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, top))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, top), b, 0o644); err != nil {
			return err
		}
	}
	switch shape {
	case "few-channels":
		return mergeChannels(src, dst, folders)
	case "blocks":
		return addBlocks(src, dst, folders)
	case "many-channels":
		return splitChannels(src, dst, folders)
	case "long-threads":
		return threadWeeks(src, dst, folders)
	}
	return fmt.Errorf("unknown export shape %q (known: %s)", shape, strings.Join(Shapes, ", "))
}

// channelFolders lists an export's channel folders.
func channelFolders(src string) ([]string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func readDay(path string) ([]json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(b, &msgs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return msgs, nil
}

func writeDay(path string, msgs []json.RawMessage) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(msgs)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// mergeChannels writes channel folder i's day files into channel i mod 8.
// A message keeps its ts; two channels' messages with the same ts in one
// merged channel would be one message, so such a clash gets the next free
// microsecond.
func mergeChannels(src, dst string, folders []string) error {
	var chans []map[string]any
	for g := range fewChannels {
		name := fmt.Sprintf("big-%d", g)
		chans = append(chans, map[string]any{"id": fmt.Sprintf("CBIG%07d", g), "name": name, "created": 1700000000,
			"creator": "", "is_archived": false, "is_general": g == 0, "members": []string{},
			"topic": map[string]any{"value": "", "creator": "", "last_set": 0}, "purpose": map[string]any{"value": "", "creator": "", "last_set": 0}})
		days := map[string][]json.RawMessage{}
		seen := map[string]bool{}
		for i := g; i < len(folders); i += fewChannels {
			files, err := filepath.Glob(filepath.Join(src, folders[i], "*.json"))
			if err != nil {
				return err
			}
			for _, f := range files {
				msgs, err := readDay(f)
				if err != nil {
					return err
				}
				for _, m := range msgs {
					days[filepath.Base(f)] = append(days[filepath.Base(f)], uniqueTS(m, seen))
				}
			}
		}
		for day, msgs := range days {
			if err := writeDay(filepath.Join(dst, name, day), msgs); err != nil {
				return err
			}
		}
	}
	b, err := json.MarshalIndent(chans, "", "    ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, "channels.json"), b, 0o644)
}

// uniqueTS returns m, with its ts moved to the next unused microsecond when
// seen already holds it.
func uniqueTS(m json.RawMessage, seen map[string]bool) json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(m, &obj) != nil {
		return m
	}
	var ts string
	if json.Unmarshal(obj["ts"], &ts) != nil {
		return m
	}
	if !seen[ts] {
		seen[ts] = true
		return m
	}
	var sec, us int64
	fmt.Sscanf(ts, "%d.%d", &sec, &us)
	for seen[ts] {
		us++
		ts = fmt.Sprintf("%d.%06d", sec+us/1000000, us%1000000)
	}
	seen[ts] = true
	obj["ts"], _ = json.Marshal(ts)
	out, _ := json.Marshal(obj)
	return out
}

// addBlocks gives every message without blocks a Block Kit payload built
// from its text. The block types and fields follow Slack's Block Kit
// reference (https://api.slack.com/reference/block-kit/blocks: rich_text,
// section with mrkdwn text and fields, actions with buttons).
func addBlocks(src, dst string, folders []string) error {
	for _, folder := range folders {
		files, err := filepath.Glob(filepath.Join(src, folder, "*.json"))
		if err != nil {
			return err
		}
		for _, f := range files {
			msgs, err := readDay(f)
			if err != nil {
				return err
			}
			for i, m := range msgs {
				var obj map[string]json.RawMessage
				if json.Unmarshal(m, &obj) != nil || obj["blocks"] != nil {
					continue
				}
				var text, ts string
				json.Unmarshal(obj["text"], &text)
				json.Unmarshal(obj["ts"], &ts)
				obj["blocks"], _ = json.Marshal(blocksFor(text, ts))
				msgs[i], _ = json.Marshal(obj)
			}
			if err := writeDay(filepath.Join(dst, folder, filepath.Base(f)), msgs); err != nil {
				return err
			}
		}
	}
	return nil
}

func blocksFor(text, ts string) []any {
	id := strings.ReplaceAll(ts, ".", "")
	mrkdwn := func(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }
	plain := func(s string) map[string]any { return map[string]any{"type": "plain_text", "text": s, "emoji": true} }
	return []any{
		map[string]any{"type": "rich_text", "block_id": "rt" + id, "elements": []any{
			map[string]any{"type": "rich_text_section", "elements": []any{
				map[string]any{"type": "text", "text": text},
				map[string]any{"type": "link", "url": "https://status.example.com/incidents/" + id, "text": "status page"},
			}},
		}},
		map[string]any{"type": "section", "block_id": "s" + id, "text": mrkdwn(text), "fields": []any{
			mrkdwn("*Severity*\nSEV2"), mrkdwn("*Service*\ncheckout-api"),
			mrkdwn("*Commander*\n<@U0123ABCD>"), mrkdwn("*Started*\n<!date^" + strings.Split(ts, ".")[0] + "^{date_short_pretty} {time}|then>"),
		}},
		map[string]any{"type": "actions", "block_id": "a" + id, "elements": []any{
			map[string]any{"type": "button", "text": plain("Acknowledge"), "action_id": "ack", "value": ts, "style": "primary"},
			map[string]any{"type": "button", "text": plain("Escalate"), "action_id": "escalate", "value": ts, "style": "danger"},
			map[string]any{"type": "button", "text": plain("Runbook"), "action_id": "runbook", "url": "https://runbooks.example.com/checkout-api"},
		}},
	}
}

// week is the index of the 7-day period holding a Slack ts (periods
// counted from the Unix epoch, in UTC).
func week(ts string) int64 {
	var sec int64
	fmt.Sscanf(ts, "%d", &sec)
	return sec / (7 * 86400)
}

// dayFile is the export's day file name for a Slack ts.
func dayFile(ts string) string {
	var sec int64
	fmt.Sscanf(ts, "%d", &sec)
	return time.Unix(sec, 0).UTC().Format("2006-01-02") + ".json"
}

// channelMessages reads every message of a channel folder, decoded.
func channelMessages(dir string) ([]map[string]json.RawMessage, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []map[string]json.RawMessage
	for _, f := range files {
		msgs, err := readDay(f)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(m, &obj); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out = append(out, obj)
		}
	}
	return out, nil
}

func str(obj map[string]json.RawMessage, key string) string {
	var s string
	json.Unmarshal(obj[key], &s)
	return s
}

// writeDays writes msgs into the day files of their ts under dir.
func writeDays(dir string, msgs []map[string]json.RawMessage) error {
	days := map[string][]json.RawMessage{}
	for _, obj := range msgs {
		b, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		day := dayFile(str(obj, "ts"))
		days[day] = append(days[day], b)
	}
	for day, ms := range days {
		if err := writeDay(filepath.Join(dir, day), ms); err != nil {
			return err
		}
	}
	return nil
}

// smallChannel is about how many messages a channel of the many-channels
// shape holds.
const smallChannel = 100

// splitChannels writes each channel's messages, ordered by their
// thread's parent, into channels of smallChannel messages or a little
// more (a thread is never cut), with channels.json (and groups.json, for
// private channels) listing every new channel as a copy of its original's
// entry.
func splitChannels(src, dst string, folders []string) error {
	for _, list := range []string{"channels.json", "groups.json"} {
		b, err := os.ReadFile(filepath.Join(src, list))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		var chans []map[string]any
		if err := json.Unmarshal(b, &chans); err != nil {
			return fmt.Errorf("%s: %w", list, err)
		}
		var out []map[string]any
		for _, c := range chans {
			name, _ := c["name"].(string)
			id, _ := c["id"].(string)
			if !slices.Contains(folders, name) {
				continue
			}
			msgs, err := channelMessages(filepath.Join(src, name))
			if err != nil {
				return err
			}
			root := func(m map[string]json.RawMessage) string {
				if r := str(m, "thread_ts"); r != "" {
					return r
				}
				return str(m, "ts")
			}
			sort.SliceStable(msgs, func(i, j int) bool {
				ri, rj := root(msgs[i]), root(msgs[j])
				return ri < rj || ri == rj && str(msgs[i], "ts") < str(msgs[j], "ts")
			})
			for part, from := 1, 0; from < len(msgs); part++ {
				to := min(from+smallChannel, len(msgs))
				for to < len(msgs) && root(msgs[to]) == root(msgs[to-1]) {
					to++
				}
				nc := maps.Clone(c)
				nc["name"] = fmt.Sprintf("%s-p%d", name, part)
				nc["id"] = fmt.Sprintf("%sP%d", id, part)
				out = append(out, nc)
				if err := writeDays(filepath.Join(dst, nc["name"].(string)), msgs[from:to]); err != nil {
					return err
				}
				from = to
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i]["name"].(string) < out[j]["name"].(string) })
		b, err = json.MarshalIndent(out, "", "    ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, list), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// threadWeeks makes, in every channel, each week's ordinary messages
// (no subtype, or a bot's) replies to the week's first one. Replies lose
// their own thread fields; the parent gets reply_count, reply_users,
// reply_users_count and latest_reply as Slack sets them.
func threadWeeks(src, dst string, folders []string) error {
	threadable := func(m map[string]json.RawMessage) bool {
		st := str(m, "subtype")
		return st == "" || st == "bot_message"
	}
	for _, folder := range folders {
		msgs, err := channelMessages(filepath.Join(src, folder))
		if err != nil {
			return err
		}
		sort.SliceStable(msgs, func(i, j int) bool { return str(msgs[i], "ts") < str(msgs[j], "ts") })
		roots := map[int64]map[string]json.RawMessage{}
		type thread struct {
			count  int
			latest string
			users  []string
		}
		threads := map[int64]*thread{}
		for _, m := range msgs {
			if !threadable(m) {
				continue
			}
			w := week(str(m, "ts"))
			root, ok := roots[w]
			if !ok {
				roots[w] = m
				threads[w] = &thread{}
				for _, k := range []string{"thread_ts", "parent_user_id", "reply_count", "reply_users", "reply_users_count", "latest_reply", "replies", "subscribed"} {
					delete(m, k)
				}
				continue
			}
			for _, k := range []string{"reply_count", "reply_users", "reply_users_count", "latest_reply", "replies", "subscribed"} {
				delete(m, k)
			}
			m["thread_ts"] = root["ts"]
			if u, ok := root["user"]; ok {
				m["parent_user_id"] = u
			} else {
				delete(m, "parent_user_id")
			}
			t := threads[w]
			t.count++
			t.latest = str(m, "ts")
			if u := str(m, "user"); u != "" && !slices.Contains(t.users, u) {
				t.users = append(t.users, u)
			}
		}
		for w, root := range roots {
			t := threads[w]
			if t.count == 0 {
				continue
			}
			root["thread_ts"] = root["ts"]
			root["reply_count"], _ = json.Marshal(t.count)
			root["reply_users_count"], _ = json.Marshal(len(t.users))
			root["reply_users"], _ = json.Marshal(t.users[:min(len(t.users), 5)])
			root["latest_reply"], _ = json.Marshal(t.latest)
		}
		if err := writeDays(filepath.Join(dst, folder), msgs); err != nil {
			return err
		}
	}
	return nil
}

// PartChannels lists the channels the many-channels shape made of the
// channel name in the export dir (name-p<n>), sorted; a workspace of that
// shape names them in channels.shared when name was a shared channel.
func PartChannels(dir, name string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "channels.json"))
	if err != nil {
		return nil, err
	}
	var chans []struct{ Name string }
	if err := json.Unmarshal(b, &chans); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "channels.json"), err)
	}
	var out []string
	for _, c := range chans {
		if n, ok := strings.CutPrefix(c.Name, name+"-p"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

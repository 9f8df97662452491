package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Shapes lists the export shapes Reshape makes, besides the generator's
// own ("default"):
//   - few-channels: every channel's messages moved into 8 channels, so
//     each day file holds the whole day of dozens of channels (huge days);
//   - blocks: every message without Block Kit blocks given a payload of
//     about 1.5 KB (a rich_text block repeating its text, a section with
//     fields, and an actions block), the shape of bot and workflow posts.
var Shapes = []string{"default", "few-channels", "blocks"}

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
		if e.IsDir() || shape == "few-channels" && (top == "channels.json" || top == "groups.json") {
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

package samplegen

import "strings"

// encodeRichText writes the rich_text block that Slack clients attach to a
// typed message: the same content as the mrkdwn text, split into text,
// user, channel, link, emoji and broadcast elements.
func encodeRichText(e *enc, text string, h uint64) {
	e.item()
	e.open('{')
	e.str("type", "rich_text")
	var id [5]byte
	for i := range id {
		id[i] = base62[h%62]
		h /= 62
	}
	e.str("block_id", string(id[:]))
	e.openArr("elements")
	e.elemObj()
	e.str("type", "rich_text_section")
	e.openArr("elements")
	walkMrkdwn(text, func(kind, a, b string) {
		e.elemObj()
		switch kind {
		case "user":
			e.str("type", "user")
			e.str("user_id", a)
		case "channel":
			e.str("type", "channel")
			e.str("channel_id", a)
		case "broadcast":
			e.str("type", "broadcast")
			e.str("range", a)
		case "link":
			e.str("type", "link")
			e.str("url", a)
			if b != "" {
				e.str("text", b)
			}
		case "emoji":
			e.str("type", "emoji")
			e.str("name", a)
		case "code":
			e.str("type", "text")
			e.str("text", a)
			e.openObj("style")
			e.boolean("code", true)
			e.close('}')
		default:
			e.str("type", "text")
			e.str("text", a)
		}
		e.close('}')
	})
	e.close(']')
	e.close('}')
	e.close(']')
	e.close('}')
}

var mrkdwnUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// walkMrkdwn splits Slack mrkdwn into rich_text elements.
func walkMrkdwn(s string, emit func(kind, a, b string)) {
	textStart := 0
	flush := func(end int) {
		if end > textStart {
			emit("text", mrkdwnUnescape.Replace(s[textStart:end]), "")
		}
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				i++
				continue
			}
			inner := s[i+1 : i+j]
			a, b, _ := strings.Cut(inner, "|")
			kind := ""
			switch {
			case strings.HasPrefix(a, "@"):
				kind, a = "user", a[1:]
			case strings.HasPrefix(a, "#"):
				kind, a = "channel", a[1:]
			case strings.HasPrefix(a, "!"):
				kind, a = "broadcast", a[1:]
			case strings.HasPrefix(a, "http"):
				kind = "link"
			}
			if kind == "" {
				i++
				continue
			}
			flush(i)
			emit(kind, a, b)
			i += j + 1
			textStart = i
		case '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j <= 0 {
				i++
				continue
			}
			flush(i)
			emit("code", mrkdwnUnescape.Replace(s[i+1:i+1+j]), "")
			i += j + 2
			textStart = i
		case ':':
			j := 1
			for i+j < len(s) && isEmojiChar(s[i+j], j == 1) {
				j++
			}
			if j > 1 && i+j < len(s) && s[i+j] == ':' {
				flush(i)
				emit("emoji", s[i+1:i+j], "")
				i += j + 1
				textStart = i
				continue
			}
			i++
		default:
			i++
		}
	}
	flush(len(s))
}

func isEmojiChar(c byte, first bool) bool {
	if c >= 'a' && c <= 'z' {
		return true
	}
	if first {
		return false
	}
	return c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-'
}

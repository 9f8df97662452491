package slackfake

// Posting and uploading, for `aftermath report --post-slack`:
// chat.postMessage, and Slack's external upload flow —
// files.getUploadURLExternal (answers an upload_url and a file_id), a POST
// of the bytes to that URL (multipart field "file", answered with the text
// "OK - <length>"), then files.completeUploadExternal (files=[{"id","title"}],
// channel_id; answers files=[{"id","title"}]). The shapes follow Slack's
// method documentation and what slack-go v0.35.0 sends and reads
// (files.go: GetUploadURLExternalContext, UploadToURL,
// CompleteUploadExternalContext; chat.go: PostMessageContext).

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const uploadPath = "/upload/v1/"

// Upload is a file shared through the external upload flow.
type Upload struct {
	ID       string
	Filename string
	Title    string
	Channel  string
	Comment  string
	Data     []byte
}

// Post is a message posted with chat.postMessage.
type Post struct {
	Channel string
	TS      string
	Text    string
	Blocks  json.RawMessage
}

type pendingUpload struct {
	Upload
	length   int
	received bool
	done     bool
}

type fileStore struct {
	pending map[string]*pendingUpload
	order   []string
	posts   []Post
	next    int
}

func init() {
	handlers["files.getUploadURLExternal"] = (*Server).filesGetUploadURLExternal
	handlers["files.completeUploadExternal"] = (*Server).filesCompleteUploadExternal
	handlers["chat.postMessage"] = (*Server).chatPostMessage
}

// Uploads returns the completed uploads, in order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Upload
	for _, id := range s.files.order {
		if p := s.files.pending[id]; p.done {
			u := p.Upload
			u.Data = append([]byte(nil), p.Data...)
			out = append(out, u)
		}
	}
	return out
}

// Posts returns the messages posted with chat.postMessage, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.files.posts...)
}

func (s *Server) filesGetUploadURLExternal(q *request) reply {
	name := q.get("filename")
	if name == "" {
		return missingArg("filename")
	}
	length, err := strconv.Atoi(q.get("length"))
	if err != nil || length <= 0 {
		return errReply("invalid_arguments", field{"response_metadata", object{
			{"messages", jsonValue([]string{"[ERROR] length must be a positive integer"})},
		}.bytes()})
	}
	s.mu.Lock()
	if s.files.pending == nil {
		s.files.pending = map[string]*pendingUpload{}
	}
	s.files.next++
	id := fmt.Sprintf("F%010d", s.files.next)
	s.files.pending[id] = &pendingUpload{Upload: Upload{ID: id, Filename: name}, length: length}
	s.files.order = append(s.files.order, id)
	s.mu.Unlock()
	host := q.host
	if host == "" {
		host = "127.0.0.1"
	}
	return okReply(
		field{"upload_url", jsonValue("http://" + host + uploadPath + id)},
		field{"file_id", jsonValue(id)},
	)
}

// serveUpload receives the bytes of a pending upload: multipart form field
// "file" (what slack-go sends) or a raw body, with the bearer token.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, uploadPath)
	q := &request{method: "upload", token: tokenOf(r)}
	if rep := s.authenticate(q); rep != nil {
		http.Error(w, "invalid_auth", http.StatusUnauthorized)
		return
	}
	var data []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, _, ferr := r.FormFile("file")
		if ferr != nil {
			http.Error(w, "no file field", http.StatusBadRequest)
			return
		}
		data, err = io.ReadAll(f)
		f.Close()
	} else {
		data, err = io.ReadAll(r.Body)
	}
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	p := s.files.pending[id]
	if p != nil && !p.done {
		p.Data, p.received = data, true
	}
	s.mu.Unlock()
	if p == nil {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "OK - %d", len(data))
}

func (s *Server) filesCompleteUploadExternal(q *request) reply {
	raw := q.get("files")
	if raw == "" {
		return missingArg("files")
	}
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(raw), &files); err != nil || len(files) == 0 {
		return errReply("invalid_arguments")
	}
	channel := q.get("channel_id")
	if channel == "" {
		channel = q.get("channels")
	}
	if channel != "" && !s.channelExists(channel) {
		return errReply("channel_not_found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []json.RawMessage
	for _, f := range files {
		p := s.files.pending[f.ID]
		if p == nil || !p.received {
			return errReply("file_not_found")
		}
		if len(p.Data) != p.length {
			return errReply("file_upload_size_mismatch")
		}
		p.done, p.Title, p.Channel, p.Comment = true, f.Title, channel, q.get("initial_comment")
		out = append(out, object{{"id", jsonValue(f.ID)}, {"title", jsonValue(f.Title)}}.bytes())
	}
	return okReply(field{"files", jsonValue(out)})
}

func (s *Server) chatPostMessage(q *request) reply {
	channel := q.get("channel")
	if channel == "" {
		return missingArg("channel")
	}
	if !s.channelExists(channel) {
		return errReply("channel_not_found")
	}
	text, blocks := q.params.Get("text"), q.params.Get("blocks")
	if text == "" && blocks == "" {
		return errReply("no_text")
	}
	var b json.RawMessage
	if blocks != "" {
		if !json.Valid([]byte(blocks)) {
			return errReply("invalid_blocks")
		}
		b = json.RawMessage(blocks)
	}
	s.mu.Lock()
	s.files.next++
	ts := fmt.Sprintf("%d.%06d", s.clock.Now().Unix(), s.files.next)
	s.files.posts = append(s.files.posts, Post{Channel: channel, TS: ts, Text: text, Blocks: b})
	s.mu.Unlock()
	bot := s.ws.Bot()
	msg := object{{"type", jsonValue("message")}, {"text", jsonValue(text)}, {"user", jsonValue(bot.UserID)},
		{"bot_id", jsonValue(bot.BotID)}, {"ts", jsonValue(ts)}}
	if b != nil {
		msg = append(msg, field{"blocks", b})
	}
	return okReply(field{"channel", jsonValue(channel)}, field{"ts", jsonValue(ts)}, field{"message", msg.bytes()})
}

// channelExists accepts a channel ID or name the workspace holds.
func (s *Server) channelExists(ref string) bool {
	if _, ok := s.ws.Channel(ref); ok {
		return true
	}
	_, ok := s.ws.ChannelByName(strings.TrimPrefix(ref, "#"))
	return ok
}

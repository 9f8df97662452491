package transform

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestClassifyRemembersTextsNotTimes: a text classified before is not read
// again, and its signals are those a fresh reading gives, with this
// message's own time: an alert bot's post edited in place takes the edit's
// time for its status and keeps its own detection; the same text from
// another class of author is read on its own.
func TestClassifyRemembersTextsNotTimes(t *testing.T) {
	cls := benchClassifier(nil)
	fresh := func(m *message) []signal {
		c := *cls
		c.memo = newMemo()
		return c.classify(m)
	}
	at := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	msg := func(cl class, text string, minute int, edited bool) *message {
		m := &message{ts: fmt.Sprintf("1795186800.%06d", minute), at: at.Add(time.Duration(minute) * time.Minute), class: cl, author: "x"}
		if edited {
			m.edited = m.at.Add(30 * time.Minute)
		}
		m.content = normalise(text)
		m.lower = strings.ToLower(m.content)
		return m
	}
	status := "Status changed from Investigating → Resolved"
	msgs := []*message{
		msg(incidentBot, status, 0, false),
		msg(incidentBot, status, 5, true),
		msg(incidentBot, status, 9, false),
		msg(human, status, 10, false),
		msg(alertBot, "[RESOLVED] HighErrorRate checkout-api (prod)", 11, false),
		msg(alertBot, "[RESOLVED] HighErrorRate checkout-api (prod)", 12, true),
		msg(human, "ack, looking into it", 13, false),
		msg(human, "ack, looking into it", 14, false),
	}
	read := 0
	for _, m := range msgs {
		got, want := cls.classify(m), fresh(m)
		read += len(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q at minute %d (class %d, edited %v): remembered %+v; fresh %+v", m.content, m.at.Minute(), m.class, !m.edited.IsZero(), got, want)
		}
		for _, s := range got {
			if s.msg != m {
				t.Errorf("%q: a signal names another message", m.content)
			}
		}
	}
	if read < len(msgs) {
		t.Fatalf("%d signals in %d messages; the test needs texts that give some", read, len(msgs))
	}
	if n := len(cls.memo.cur) + len(cls.memo.prev); n != 4 {
		t.Errorf("memo holds %d texts; want 4 (the status by a bot and by a person, the alert, the ack)", n)
	}
	// The edited post's status is dated at the edit, the others at the post.
	edited := cls.classify(msgs[1])
	for _, s := range edited {
		if s.kind == "resolved" && !s.when.Equal(msgs[1].edited) {
			t.Errorf("edited bot post: resolved at %v; want the edit, %v", s.when, msgs[1].edited)
		}
	}
}

// TestClassifyMemoIsBounded: past memoSize texts the memo starts a new
// generation rather than growing with the warehouse, and keeps the texts
// that come back.
func TestClassifyMemoIsBounded(t *testing.T) {
	cls := benchClassifier(nil)
	ack := &message{class: human, content: "ack"}
	ack.lower = ack.content
	for i := range 3*memoSize + 10 {
		m := &message{class: human, content: fmt.Sprintf("message %d", i)}
		m.lower = m.content
		cls.classify(m)
		if i%1000 == 0 {
			cls.classify(ack)
		}
	}
	if n := len(cls.memo.cur) + len(cls.memo.prev); n > 2*memoSize {
		t.Errorf("memo holds %d texts; want at most %d", n, 2*memoSize)
	}
	if _, ok := cls.memo.get(memoKey{human, "", "ack"}); !ok {
		t.Errorf("a text that keeps coming back was forgotten")
	}
	if _, ok := cls.memo.get(memoKey{human, "", "message 0"}); ok {
		t.Errorf("the first of %d texts is still remembered", 3*memoSize+10)
	}
}

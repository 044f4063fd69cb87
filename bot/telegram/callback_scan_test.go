package telegram_test

import (
	"crypto/sha256"
	"encoding/base64"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"travelbot/bot"
	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/faq"
)

// scanWatch is the bot, counting the scans of every entry (Suggest) made
// while chatQueues holds its lock, which it does while it tells
// answersAhead of a queued update: such a scan holds up the poll loop for
// every chat.
type scanWatch struct {
	telegram.Conversation
	underLock atomic.Int32
}

func (s *scanWatch) Suggest(prefix string, n int) []bot.Choice {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		if f.Function == "travelbot/bot/telegram.(*chatQueues).push" {
			s.underLock.Add(1)
		}
		if !more {
			break
		}
	}
	return s.Conversation.Suggest(prefix, n)
}

// TestHashedPressQueuedBehindScansOutsideTheLock presses buttons whose
// entry id is hashed and no longer remembered (made before a restart) in a
// chat whose earlier reply waits on its 1 msg/s limit. Finding such an id
// hashes every entry; that happens off chatQueues' lock, and the press is
// still answered ahead when it resolves, in its turn (expired) when not.
func TestHashedPressQueuedBehindScansOutsideTheLock(t *testing.T) {
	const (
		renewQ = "How do I renew my passport before the trip?"
		lostQ  = "I lost my passport, what do I do?"
	)
	hash := func(id string, n int) string {
		sum := sha256.Sum256([]byte(id))
		return base64.RawURLEncoding.EncodeToString(sum[:n])
	}
	cases := []struct {
		name  string
		data  string
		ahead bool // answered while the reply ahead of it waits, with a reply of its own
	}{
		{"h: of an entry", "h:" + hash("passport-photo", 15), true},
		{"s: with a hashed entry", "s:q1|#" + hash("passport-photo", 12), true},
		{"h: of no entry", "h:" + hash("no-such-entry", 15), false},
	}
	tbl := twoStageTable(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const user = 641
			conv := &scanWatch{Conversation: bot.New(bot.Options{Tables: faq.NewLive(tbl), Recorder: &recorder{}})}
			e, waited, releaseAll := startHeldChatLimit(t, conv)

			e.fake.Enqueue(telegramtest.PrivateText(user, renewQ))
			first := e.waitSent(user, 1)[0]
			e.fake.Enqueue(telegramtest.PrivateText(user, lostQ))
			waited()
			id := press(e, user, first, tc.data)
			if tc.ahead {
				if !e.fake.WaitUntil(waitTimeout, func() bool { return len(answersTo(e.fake, id)) > 0 }) {
					t.Fatalf("the press was not answered while the reply ahead of it waited; calls: %s", summarize(e.fake.Calls()))
				}
			}
			releaseAll()
			want := 2
			if tc.ahead {
				want = 3
			}
			sent := e.waitSent(user, want)
			e.settle()
			if n := conv.underLock.Load(); n > 0 {
				t.Errorf("%d scans of every entry under chatQueues' lock, want none", n)
			}
			answers := answersTo(e.fake, id)
			if len(answers) != 1 {
				t.Fatalf("the press was answered %d times, want once", len(answers))
			}
			text := answers[0].Form.Get("text")
			if expired := bot.Text(bot.KeyExpired, "en"); tc.ahead && text != "" || !tc.ahead && text != expired {
				t.Errorf("the press was answered %q, want %q", text, map[bool]string{true: "", false: expired}[tc.ahead])
			}
			if tc.ahead && !strings.Contains(sent[2].Visible, "photo") {
				t.Errorf("third message %q, want the picked entry's answer after the reply ahead", firstLine(sent[2]))
			}
			if got := len(e.fake.SentTo(user)); got != want {
				t.Errorf("%d messages in the chat, want %d", got, want)
			}
			if v := e.fake.Violations(); len(v) > 0 {
				t.Errorf("the fake saw %d protocol violations, first: %s", len(v), v[0])
			}
		})
	}
}

package telegram_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"travelbot/bot"
	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/faq"
	"travelbot/internal/testutil"
)

// TestCallbackAnsweredAheadOfItsChatsQueue presses a button in a chat whose
// previous message's reply waits on the chat's 1 msg/s limit. Polling
// handles a chat's updates in order, but answerCallbackQuery is no message:
// a pick or "None of these" is answered (its spinner stopped) while the
// reply ahead of it still waits, and its own reply comes after that one. A
// vote is answered in its turn, with its thanks: what the notification says
// depends on recording it.
//
// The limit's waits are the test's: each blocks until the test releases
// them all, so "while the reply ahead still waits" is a state the test
// holds, not a race against the clock.
func TestCallbackAnsweredAheadOfItsChatsQueue(t *testing.T) {
	const (
		clarifyQ = "passport photo renew" // close to two entries: "did you mean"
		renewQ   = "How do I renew my passport before the trip?"
		lostQ    = "I lost my passport, what do I do?"
	)
	cases := []struct {
		name   string
		first  string                                // the question whose reply carries the button
		button func(telegramtest.Sent) (data string) // the button pressed under that reply
		ahead  bool                                  // answered while the reply ahead of it waits
		reply  bool                                  // the press is answered with a message too
	}{
		{"a suggestion picked", clarifyQ, func(m telegramtest.Sent) string { return *m.Buttons[0][0].CallbackData }, true, true},
		{"None of these", clarifyQ, func(m telegramtest.Sent) string { return dataOf(t, m, bot.Text(bot.KeyButtonNone, "en")) }, true, true},
		{"a vote", renewQ, func(m telegramtest.Sent) string { return dataOf(t, m, bot.Text(bot.KeyButtonUp, "en")) }, false, false},
	}
	tbl := twoStageTable(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const user = 640
			b := bot.New(bot.Options{Tables: faq.NewLive(tbl), Recorder: &recorder{}}) // a recorder: answers carry votes
			e, waited, releaseAll := startHeldChatLimit(t, b)

			e.fake.Enqueue(telegramtest.PrivateText(user, tc.first))
			first := e.waitSent(user, 1)[0] // the chat's one token, no wait
			data := tc.button(first)
			e.fake.Enqueue(telegramtest.PrivateText(user, lostQ))
			waited() // the reply to lostQ waits for the chat's next token
			id := press(e, user, first, data)

			if tc.ahead {
				if !e.fake.WaitUntil(waitTimeout, func() bool { return len(answersTo(e.fake, id)) > 0 }) {
					t.Fatalf("the press was not answered while the reply ahead of it waited on the chat's limit; calls: %s", summarize(e.fake.Calls()))
				}
				if n := len(e.fake.SentTo(user)); n != 1 {
					t.Errorf("%d messages in the chat when the press was answered, want 1: the reply ahead of it still waits", n)
				}
			}
			releaseAll()

			if !e.fake.WaitUntil(waitTimeout, func() bool { return len(answersTo(e.fake, id)) > 0 }) {
				t.Fatalf("the press was never answered; calls: %s", summarize(e.fake.Calls()))
			}
			want := 2
			if tc.reply {
				want = 3
			}
			sent := e.waitSent(user, want)
			if !strings.Contains(sent[1].Visible, "Report it to the police") {
				t.Errorf("second message %q, want the answer to %q: replies stay in the order of the updates", firstLine(sent[1]), lostQ)
			}
			e.settle()
			answers := answersTo(e.fake, id)
			if len(answers) != 1 {
				t.Fatalf("the press was answered %d times, want once", len(answers))
			}
			if text := answers[0].Form.Get("text"); !tc.ahead && text == "" {
				t.Errorf("the vote was answered with no text, want its thanks")
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

// answersTo lists the answerCallbackQuery calls for callback query id.
func answersTo(fake *telegramtest.Server, id string) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range fake.Calls("answerCallbackQuery") {
		if c.Form.Get("callback_query_id") == id {
			out = append(out, c)
		}
	}
	return out
}

// twoStageTable is twoStageFAQ compiled.
func twoStageTable(t *testing.T) *faq.Table {
	t.Helper()
	f, err := faq.Parse("e2e.yaml", []byte(twoStageFAQ))
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := faq.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// startHeldChatLimit runs conv on a new fake under a limit of 1 msg/s per
// chat whose waits the test holds: each blocks until releaseAll lets them
// all go (it may be called again), so "while the reply ahead still waits"
// is a state the test holds, not a race against the clock. waited returns
// once a wait has started, and fails the test if none does.
func startHeldChatLimit(t *testing.T, conv telegram.Conversation) (e *env, waited, releaseAll func()) {
	t.Helper()
	clk := testutil.NewClock(testutil.Start)
	waiting := make(chan time.Duration, 8) // each wait a limit imposes, as it starts
	release := make(chan struct{})
	releaseAll = sync.OnceFunc(func() { close(release) })
	e = startWith(t, newFake(t), conv, nil, func(o *telegram.Options) {
		o.Limits = telegram.Limits{Global: rate.Inf, Chat: 1, ChatBurst: 1, Group: rate.Inf}
	}, func(e *env) {
		telegram.SetLimitClock(e.adapter, clk.Now, func(ctx context.Context, d time.Duration) error {
			select {
			case waiting <- d:
			default: // the test reads only the first
			}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	// Registered after startWith's, so it runs first: a test that fails
	// while the waits are held lets them go before the adapter stops,
	// which would wait its grace period for them.
	t.Cleanup(releaseAll)
	waited = func() {
		t.Helper()
		select {
		case <-waiting:
		case <-time.After(waitTimeout):
			t.Fatalf("the second reply never waited on the chat's limit; calls: %s", summarize(e.fake.Calls()))
		}
	}
	return e, waited, releaseAll
}

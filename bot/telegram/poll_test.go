package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"travelbot/bot"
	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/internal/testutil"
)

const robbed = "help, I've been robbed"

// paced answers every message with a normal answer, and robbed with an
// emergency.
func paced(_ context.Context, m bot.Message) bot.Reply {
	if m.Text == robbed {
		return bot.Reply{Kind: bot.KindAnswer, Question: "Emergency help", Answer: "Call 112.", Emergency: true}
	}
	return bot.Reply{Kind: bot.KindAnswer, Question: "Q", Answer: "A normal answer to " + m.Text}
}

// TestBusyChatDoesNotHoldUpOthers: one user has a queue of questions whose
// answers wait on their chat's rate limit. Another user's emergency, sent
// while that queue waits, is answered without waiting for it. The busy
// chat's limit allows one message an hour, so the emergency is answered
// while the busy chat has had one answer only if chats do not wait for
// each other. The next process then answers the rest of the busy chat's
// queue, in order.
func TestBusyChatDoesNotHoldUpOthers(t *testing.T) {
	fake := newFake(t)
	const busy, other, queued = 901, 902, 5
	for i := range queued {
		fake.Enqueue(telegramtest.PrivateText(busy, "question "+strconv.Itoa(i)))
	}
	e1 := startOn(t, fake, &fakeConv{handle: paced}, nil, func(o *telegram.Options) {
		o.Limits = telegram.Limits{Global: rate.Inf, Chat: rate.Every(time.Hour), Group: rate.Inf}
		o.ShutdownTimeout = time.Millisecond // the busy chat's second answer would wait an hour
	})
	e1.waitSent(busy, 1)
	fake.Enqueue(telegramtest.PrivateText(other, robbed))
	e1.waitSent(other, 1)
	if n := len(fake.SentTo(busy)); n != 1 {
		t.Fatalf("the busy chat got %d answers under a limit of one an hour", n)
	}
	if err := e1.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Every poll long-polled, also while the busy chat's updates were in
	// flight (the fake refuses a getUpdates without a positive timeout).
	if n := fake.ShortPolls(); n != 0 {
		t.Errorf("%d getUpdates calls short-polled", n)
	}
	t.Logf("%d getUpdates calls", len(fake.Calls("getUpdates")))

	e2 := startOn(t, fake, &fakeConv{handle: paced}, nil, nil)
	e2.settle()
	got := fake.SentTo(busy)
	if len(got) != queued {
		t.Fatalf("busy chat: %d answers, want %d", len(got), queued)
	}
	for i, m := range got {
		if want := "A normal answer to question " + strconv.Itoa(i); !bytes.Contains([]byte(m.Visible), []byte(want)) {
			t.Errorf("answer %d = %q, want it to contain %q (in order)", i, m.Visible, want)
		}
	}
	// The emergency came after the update the busy chat was held on, so
	// the offset did not pass it: the next process answers it again, the
	// duplicate after a restart that at-least-once allows.
	if n := len(fake.SentTo(other)); n < 1 || n > 2 {
		t.Errorf("emergency answered %d times, want once, or twice across the restart", n)
	}
}

// TestFloodGetsOneRateLimitNote: a user who floods the bot is told to slow
// down once per minute, not once per message, and others are answered.
func TestFloodGetsOneRateLimitNote(t *testing.T) {
	const flooder, groupChat, other = 903, -904, 905
	const note = "You're asking faster than I can keep up. Please wait a few seconds and ask again. In an emergency, call 112."
	conv := &fakeConv{handle: func(ctx context.Context, m bot.Message) bot.Reply {
		if m.UserID == strconv.Itoa(flooder) {
			return bot.Reply{Kind: bot.KindRateLimited, Text: note}
		}
		return paced(ctx, m)
	}}
	clk := testutil.NewClock(time.Unix(1_700_000_000, 0))
	e := start(t, conv, func(o *telegram.Options) { o.Now = clk.Now })
	for i := range 30 {
		e.fake.Enqueue(telegramtest.PrivateText(flooder, "line "+strconv.Itoa(i)))
		e.fake.Enqueue(telegramtest.GroupText(groupChat, flooder, "/ask line "+strconv.Itoa(i)))
	}
	e.fake.Enqueue(telegramtest.PrivateText(other, "a question"))
	e.settle()
	notes := len(e.fake.SentTo(flooder)) + len(e.fake.SentTo(groupChat))
	if notes != 1 {
		t.Errorf("%d rate-limit notes for one flood, want 1", notes)
	}
	if n := len(e.fake.SentTo(other)); n != 1 {
		t.Errorf("the other user got %d answers, want 1", n)
	}

	clk.Advance(61 * time.Second)
	e.fake.Enqueue(telegramtest.PrivateText(flooder, "still flooding"))
	e.fake.Enqueue(telegramtest.PrivateText(flooder, "still flooding"))
	e.settle()
	if n := len(e.fake.SentTo(flooder)) + len(e.fake.SentTo(groupChat)); n != 2 {
		t.Errorf("%d rate-limit notes after a minute, want 2 (one more)", n)
	}
}

// TestOffsetNeverPassesAnUnhandledUpdate: while one chat's update is stuck,
// updates of other chats before and after it are answered, but the offset
// confirmed to Telegram stays at the stuck one. After a crash the stuck
// update, and the one queued behind it, are delivered again and answered.
func TestOffsetNeverPassesAnUnhandledUpdate(t *testing.T) {
	fake := newFake(t)
	const slow, quick, other = 906, 907, 908
	entered := make(chan struct{})
	var once sync.Once
	conv := &fakeConv{handle: func(ctx context.Context, m bot.Message) bot.Reply {
		if m.UserID == strconv.Itoa(slow) {
			once.Do(func() { close(entered) })
			<-ctx.Done() // the process "dies" while handling
		}
		return paced(ctx, m)
	}}
	e1 := startOn(t, fake, conv, nil, func(o *telegram.Options) { o.ShutdownTimeout = time.Millisecond })
	fake.Enqueue(telegramtest.PrivateText(quick, "q1"))
	stuck := fake.Enqueue(telegramtest.PrivateText(slow, "s1"))
	fake.Enqueue(telegramtest.PrivateText(quick, "q2"))
	fake.Enqueue(telegramtest.PrivateText(slow, "s2"))
	fake.Enqueue(telegramtest.PrivateText(other, "o1"))
	<-entered
	e1.waitSent(quick, 2)
	e1.waitSent(other, 1)
	if !fake.WaitUntil(5*time.Second, func() bool { return fake.Offset() == stuck }) {
		t.Fatalf("offset %d, want it to reach the stuck update %d once the one before it is answered", fake.Offset(), stuck)
	}
	// Let the loop poll a few more times with everything else done.
	polls := len(fake.Calls("getUpdates"))
	if !fake.WaitUntil(5*time.Second, func() bool { return len(fake.Calls("getUpdates")) >= polls+3 }) {
		t.Fatalf("the loop stopped polling while a chat was stuck")
	}
	if err := e1.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, c := range fake.Calls("getUpdates") {
		if off, _ := strconv.Atoi(c.Form.Get("offset")); off > stuck {
			t.Errorf("getUpdates confirmed offset %d, past the unanswered update %d", off, stuck)
		}
	}
	if n := len(fake.SentTo(slow)); n != 0 {
		t.Fatalf("the stuck chat got %d messages before the crash", n)
	}

	e2 := startOn(t, fake, &fakeConv{handle: paced}, nil, nil)
	e2.settle()
	if got := fake.SentTo(slow); len(got) != 2 {
		t.Errorf("after restart the stuck chat got %d answers, want 2 (s1, s2)", len(got))
	}
	// q1 was below the offset: never again. q2 and o1 were above it, so
	// the new process answers them again: the rare duplicate after a
	// crash that at-least-once allows.
	if n := len(fake.SentTo(quick)); n < 2 || n > 3 {
		t.Errorf("quick chat: %d answers, want q1 once and q2 at most twice", n)
	}
}

// postUpdate delivers u to the adapter's webhook and returns the status.
func postUpdate(a *telegram.Adapter, secret string, u any) int {
	b, _ := json.Marshal(u)
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(b))
	r.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	return w.Code
}

// blockingConv holds every question until release is closed.
type blockingConv struct {
	fakeConv
	calls   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func newBlockingConv() *blockingConv {
	c := &blockingConv{entered: make(chan struct{}, 16), release: make(chan struct{})}
	c.handle = func(ctx context.Context, m bot.Message) bot.Reply {
		c.calls.Add(1)
		c.entered <- struct{}{}
		<-c.release
		return paced(ctx, m)
	}
	return c
}

func startWebhook(t *testing.T, conv telegram.Conversation, secret string) *env {
	t.Helper()
	e := start(t, conv, func(o *telegram.Options) {
		o.WebhookURL = "https://bot.example/hook"
		o.WebhookSecret = secret
	})
	if !e.fake.WaitUntil(5*time.Second, e.adapter.Connected) {
		t.Fatal("webhook mode never connected")
	}
	return e
}

// TestWebhookConcurrentRedeliveryIsAnsweredOnce: Telegram delivers an
// update again while the first delivery is still being handled. The second
// delivery waits for the first and is not handled again.
func TestWebhookConcurrentRedeliveryIsAnsweredOnce(t *testing.T) {
	const secret, chat = "hook_secret", 910
	conv := newBlockingConv()
	e := startWebhook(t, conv, secret)
	u := telegramtest.PrivateText(chat, "a question")
	u.UpdateID = 77
	codes := make(chan int, 2)
	go func() { codes <- postUpdate(e.adapter, secret, u) }()
	<-conv.entered
	go func() { codes <- postUpdate(e.adapter, secret, u) }()
	if !e.fake.WaitUntil(5*time.Second, func() bool { return telegram.WebhookDuplicates(e.adapter) == 1 }) {
		t.Fatal("the second delivery never arrived")
	}
	close(conv.release)
	for range 2 {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("status %d, want 200", code)
		}
	}
	if code := postUpdate(e.adapter, secret, u); code != http.StatusOK {
		t.Errorf("a later redelivery: status %d, want 200", code)
	}
	if n := conv.calls.Load(); n != 1 {
		t.Errorf("the update was handled %d times, want once", n)
	}
	if n := len(e.fake.SentTo(chat)); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

// TestWebhookSlowReplyIsAcknowledgedAndFinished: a reply that takes longer
// than a webhook request may wait is acknowledged with 200 and delivered in
// the background; a redelivery meanwhile does not handle it again.
func TestWebhookSlowReplyIsAcknowledgedAndFinished(t *testing.T) {
	const secret, chat = "hook_secret", 911
	conv := newBlockingConv()
	e := startWebhook(t, conv, secret)
	telegram.SetWebhookWait(e.adapter, 50*time.Millisecond)
	u := telegramtest.PrivateText(chat, "a question")
	u.UpdateID = 78
	for i := range 2 {
		if code := postUpdate(e.adapter, secret, u); code != http.StatusOK {
			t.Errorf("delivery %d: status %d, want 200", i+1, code)
		}
	}
	if n := len(e.fake.SentTo(chat)); n != 0 {
		t.Fatalf("%d replies before the conversation answered", n)
	}
	close(conv.release)
	e.waitSent(chat, 1)
	if err := e.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := conv.calls.Load(); n != 1 {
		t.Errorf("the update was handled %d times, want once", n)
	}
	if n := len(e.fake.SentTo(chat)); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

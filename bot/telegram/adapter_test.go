package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"travelbot/bot"
	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/faq"
	"travelbot/internal/testutil"
)

func TestPrivateQuestionGetsAnswerWithSourcesAndFollowUps(t *testing.T) {
	e := start(t, nil, nil)
	e.fake.Enqueue(telegramtest.PrivateText(100, consulateQ))
	got := e.waitSent(100, 1)
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1", len(got))
	}
	m := got[0]
	if m.ParseMode != "HTML" {
		t.Errorf("parse_mode = %q, want HTML", m.ParseMode)
	}
	if m.Previews {
		t.Error("link previews left on: want link_preview_options with is_disabled")
	}
	for _, want := range []string{
		consulateQ + "\n", // the question as the title line
		`Bring <b>ID</b> & your </a> passport; "walk-ins" < appointments > none.`, // FAQ text shown as text
		"Sources:",
		"• U.S. Department of State, Italy <Travel> & \"Advisory\", 2025-01-10",
		"• Comune di Milano, Trams & buses, 2025-02-01",
	} {
		if !strings.Contains(m.Visible, want) {
			t.Errorf("answer does not contain %q:\n%s", want, m.Visible)
		}
	}
	if !strings.HasPrefix(m.Text, "<b>"+consulateQ) {
		t.Errorf("title is not bold: %q", m.Text[:min(60, len(m.Text))])
	}
	link := `<a href="https://travel.state.gov/italy?a=1&amp;b=2">Italy &lt;Travel&gt; &amp; &#34;Advisory&#34;</a>`
	if !strings.Contains(m.Text, link) {
		t.Errorf("source title not linked as %s:\n%s", link, m.Text)
	}
	if strings.Contains(m.Text, `Trams &amp; buses</a>`) {
		t.Errorf("a source without URL is linked: %s", m.Text)
	}
	data := buttonData(m)
	if len(data) != 3 || data[0] != "e:passport" || data[1] != "e:emergency-112" {
		t.Errorf("follow-up buttons = %q, want e:passport, e:emergency-112, then a short form of the long id", data)
	}
	for _, d := range data {
		if len(d) > 64 {
			t.Errorf("callback_data %q is %d bytes", d, len(d))
		}
	}
}

func TestClarifyOffersSuggestionsAsButtons(t *testing.T) {
	conv := &fakeConv{handle: func(ctx context.Context, m bot.Message) bot.Reply {
		return bot.Reply{Kind: bot.KindClarify, Outcome: "clarify", Text: "I'm not sure I understood. Did you mean one of these?",
			Suggestions: []bot.Choice{
				{ID: "consulate", Question: consulateQ},
				{ID: longID, Question: "Parking near venues"},
				{ID: "über-ünïcödé-ïd-" + strings.Repeat("é", 30), Question: strings.Repeat("A very long question label ", 10)},
			}}
	}}
	e := start(t, conv, nil)
	e.fake.Enqueue(telegramtest.PrivateText(101, "consulat?"))
	m := e.waitSent(101, 1)[0]
	if !strings.Contains(m.Visible, "Did you mean") {
		t.Errorf("clarify text missing: %q", m.Visible)
	}
	data := buttonData(m)
	if len(data) != 4 {
		t.Fatalf("got %d buttons, want the 3 suggestions and None of these", len(data))
	}
	if data[3] != "n:" || m.Buttons[3][0].Text != bot.Text(bot.KeyButtonNone, "en") {
		t.Errorf("last button %q %q, want None of these", m.Buttons[3][0].Text, data[3])
	}
	if data[0] != "e:consulate" {
		t.Errorf("first button data = %q, want e:consulate", data[0])
	}
	for i, d := range data {
		if len(d) == 0 || len(d) > 64 {
			t.Errorf("button %d: callback_data %q is %d bytes, want 1-64", i, d, len(d))
		}
	}
	if label := m.Buttons[2][0].Text; len([]rune(label)) > 60 || !strings.HasSuffix(label, "…") {
		t.Errorf("long label not trimmed: %q (%d runes)", label, len([]rune(label)))
	}
}

func TestButtonPressAnswersCallbackThenSendsEntry(t *testing.T) {
	e := start(t, nil, nil)
	// A long id's button carries a hashed key; pressing it must resolve,
	// even in a process that never rendered it (after a restart).
	e.fake.Enqueue(telegramtest.PrivateText(102, consulateQ))
	answer := e.waitSent(102, 1)[0]
	longKey := buttonData(answer)[2]
	if !strings.HasPrefix(longKey, "h:") {
		t.Fatalf("long id button data = %q, want a hashed key", longKey)
	}

	cases := []struct {
		name, data, want string
	}{
		{"short id", "e:passport", "Lost passport"},
		{"hashed long id", longKey, "Parking near venues"},
	}
	for i, tc := range cases {
		chat := int64(200 + i)
		u := telegramtest.Callback(102, chat, tc.data)
		e.fake.Enqueue(u)
		got := e.waitSent(chat, 1)
		if !strings.HasPrefix(got[0].Visible, tc.want) {
			t.Errorf("%s: answer starts %q, want %q", tc.name, firstLine(got[0]), tc.want)
		}
		var answered bool
		for _, c := range e.fake.Calls("answerCallbackQuery") {
			if c.Form.Get("callback_query_id") == u.CallbackQuery.ID && c.Code == 0 {
				answered = true
			}
		}
		if !answered {
			t.Errorf("%s: callback %s not answered", tc.name, u.CallbackQuery.ID)
		}
	}

	// A restarted adapter resolves the hashed key by scanning the entries.
	e.stop()
	e2 := startOn(t, e.fake, nil, nil, nil)
	e2.fake.Enqueue(telegramtest.Callback(102, 210, longKey))
	if got := e2.waitSent(210, 1); !strings.HasPrefix(got[0].Visible, "Parking near venues") {
		t.Errorf("after restart: answer starts %q", firstLine(got[0]))
	}

	// Unknown data: the callback is answered with a note, nothing is sent.
	u := telegramtest.Callback(102, 211, "h:nonsense")
	e2.fake.Enqueue(u)
	e2.settle()
	if n := len(e2.fake.SentTo(211)); n != 0 {
		t.Errorf("expired button sent %d messages", n)
	}
	var note string
	for _, c := range e2.fake.Calls("answerCallbackQuery") {
		if c.Form.Get("callback_query_id") == u.CallbackQuery.ID {
			note = c.Form.Get("text")
		}
	}
	if !strings.Contains(note, "expired") {
		t.Errorf("expired button answered with %q", note)
	}
}

// okReloader is a bot.Reloader returning a fixed result.
type okReloader struct{ res faq.ReloadResult }

func (r okReloader) Reload(context.Context, string) faq.ReloadResult { return r.res }

func TestCommands(t *testing.T) {
	cases := []struct {
		name     string
		reloader bot.Reloader
		user     int64
		text     string
		want     []string // substrings of the visible reply
		first    string   // prefix of the visible reply
		buttons  int      // minimum number of buttons
	}{
		{name: "start", user: 1, text: "/start", want: []string{"112"}, buttons: 3},
		{name: "help with botname", user: 1, text: "/help@faq_bot", want: []string{"/topics"}, buttons: 3},
		{name: "topics", user: 1, text: "/topics", buttons: 5},
		{name: "ask", user: 1, text: "/ask " + consulateQ, first: consulateQ},
		{name: "ask with botname", user: 1, text: "/ask@faq_bot " + consulateQ, first: consulateQ},
		{name: "reload by non-admin", user: 1, text: "/reload", first: "Sorry, only admins can reload the FAQ."},
		{name: "reload ok", user: adminID, text: "/reload",
			reloader: okReloader{faq.ReloadResult{OK: true, Changed: true, Version: "abc123", Entries: 5}}, first: "Reloaded"},
		{name: "reload failed", user: adminID, text: "/reload",
			reloader: okReloader{faq.ReloadResult{OK: false, Version: "abc123", Entries: 5, Problems: []faq.Problem{
				{File: "faq.yaml", Line: 7, Col: 3, Msg: `unknown key "anwser" (did you mean "answer"?) <b>&`}}}},
			first: "Reload failed", want: []string{`faq.yaml:7:3: unknown key "anwser" (did you mean "answer"?) <b>&`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := startOn(t, newFake(t), nil, tc.reloader, nil)
			e.fake.Enqueue(telegramtest.PrivateText(tc.user, tc.text))
			m := e.waitSent(tc.user, 1)[0]
			if !strings.HasPrefix(m.Visible, tc.first) {
				t.Errorf("reply starts %q, want %q", firstLine(m), tc.first)
			}
			for _, w := range tc.want {
				if !strings.Contains(m.Visible, w) {
					t.Errorf("reply does not contain %q:\n%s", w, m.Visible)
				}
			}
			if n := len(buttonData(m)); n < tc.buttons {
				t.Errorf("got %d buttons, want at least %d", n, tc.buttons)
			}
		})
	}
}

func TestStartupRegistersCommandsAndDeletesWebhook(t *testing.T) {
	fake := newFake(t)
	fake.SetWebhook("https://old.example/hook") // left by an earlier deployment
	e := startOn(t, fake, nil, nil, nil)
	e.fake.Enqueue(telegramtest.PrivateText(103, consulateQ))
	e.waitSent(103, 1)
	var want []string // the bot's one command list
	for _, c := range bot.Commands() {
		want = append(want, c.Name)
	}
	slices.Sort(want)
	fake.WaitUntil(5*time.Second, func() bool { return len(fake.Calls("setMyCommands")) > 0 })
	if got := fake.Commands(); !slices.Equal(got, want) {
		t.Errorf("setMyCommands registered %q, want %q", got, want)
	}
	dw := fake.Calls("deleteWebhook")
	if len(dw) == 0 {
		t.Fatal("deleteWebhook not called in polling mode")
	}
	if v := dw[0].Form.Get("drop_pending_updates"); v == "true" {
		t.Errorf("deleteWebhook dropped pending updates")
	}
	if !e.adapter.Connected() {
		t.Errorf("Connected() = false while polling")
	}
	if err := e.stop(); err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
	if e.adapter.Connected() {
		t.Errorf("Connected() = true after Run returned")
	}
}

func TestGroupChats(t *testing.T) {
	const group = -1001
	cases := []struct {
		name   string
		update func() tgbotapi.Update
		answer bool
	}{
		{"plain text", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, consulateQ) }, false},
		{"ask command", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, "/ask "+consulateQ) }, true},
		{"ask for us", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, "/ask@faq_bot "+consulateQ) }, true},
		{"ask for another bot", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, "/ask@other_bot "+consulateQ) }, false},
		{"unknown command", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, "/weather Milan") }, false},
		{"mention", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, "@faq_bot "+consulateQ) }, true},
		{"mention in any case, mid-text", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, "hey @FAQ_Bot "+consulateQ) }, true},
		{"mention of a longer name", func() tgbotapi.Update { return telegramtest.GroupText(group, 1, "@faq_bot2 "+consulateQ) }, false},
		{"text mention", func() tgbotapi.Update {
			u := telegramtest.GroupText(group, 1, "FAQ "+consulateQ)
			u.Message.Entities = []tgbotapi.MessageEntity{{Type: "text_mention", Offset: 0, Length: 3, User: &telegramtest.Me}}
			return u
		}, true},
		{"reply to the bot", func() tgbotapi.Update {
			u := telegramtest.GroupText(group, 1, consulateQ)
			me := telegramtest.Me
			u.Message.ReplyToMessage = &tgbotapi.Message{MessageID: 1, From: &me, Chat: u.Message.Chat, Text: "an answer"}
			return u
		}, true},
		{"reply to someone else", func() tgbotapi.Update {
			u := telegramtest.GroupText(group, 1, consulateQ)
			u.Message.ReplyToMessage = &tgbotapi.Message{MessageID: 1, From: telegramtest.User(2), Chat: u.Message.Chat, Text: "hi"}
			return u
		}, false},
		{"photo", func() tgbotapi.Update {
			u := telegramtest.GroupText(group, 1, "")
			u.Message.Photo = []tgbotapi.PhotoSize{{FileID: "p"}}
			return u
		}, false},
		{"another bot mentioning us", func() tgbotapi.Update {
			u := telegramtest.GroupText(group, 1, "@faq_bot "+consulateQ)
			u.Message.From.IsBot = true
			return u
		}, false},
	}
	e := start(t, nil, nil)
	for _, tc := range cases {
		u := tc.update()
		before := len(e.fake.SentTo(group))
		e.fake.Enqueue(u)
		e.settle()
		got := e.fake.SentTo(group)[before:]
		switch {
		case tc.answer && len(got) != 1:
			t.Errorf("%s: got %d replies, want 1", tc.name, len(got))
		case tc.answer && !strings.HasPrefix(got[0].Visible, consulateQ):
			t.Errorf("%s: reply starts %q", tc.name, firstLine(got[0]))
		case tc.answer && got[0].ReplyTo != u.Message.MessageID:
			t.Errorf("%s: reply_to_message_id = %d, want %d", tc.name, got[0].ReplyTo, u.Message.MessageID)
		case !tc.answer && len(got) != 0:
			t.Errorf("%s: got %d replies, want none: %q", tc.name, len(got), got[0].Visible)
		}
	}
}

func TestInlineQuery(t *testing.T) {
	e := start(t, nil, nil)
	cases := []struct {
		query     string
		wantTitle string
	}{
		{"consul", consulateQ},
		{"", "Emergency help"}, // empty: the first entries
		{"<b>&</a>", ""},       // nonsense: any results must still be valid
	}
	for _, tc := range cases {
		u := telegramtest.Inline(104, tc.query)
		e.fake.Enqueue(u)
		e.settle()
		var call *telegramtest.Call
		for _, c := range e.fake.Calls("answerInlineQuery") {
			if c.Form.Get("inline_query_id") == u.InlineQuery.ID {
				call = &c
			}
		}
		if call == nil || call.Code != 0 {
			t.Errorf("query %q: no successful answerInlineQuery (%+v)", tc.query, call)
			continue
		}
		results, err := telegramtest.InlineResults(*call)
		if err != nil {
			t.Fatalf("query %q: results: %v", tc.query, err)
		}
		if len(results) > 20 {
			t.Errorf("query %q: %d results, want at most 20", tc.query, len(results))
		}
		if ct, _ := strconv.Atoi(call.Form.Get("cache_time")); ct <= 0 || ct > 60 {
			t.Errorf("query %q: cache_time = %d, want 1-60", tc.query, ct)
		}
		if call.Form.Get("is_personal") == "true" {
			t.Errorf("query %q: is_personal set", tc.query)
		}
		if tc.wantTitle == "" {
			continue
		}
		if len(results) == 0 || results[0].Title != tc.wantTitle {
			t.Errorf("query %q: first result %+v, want title %q", tc.query, results, tc.wantTitle)
			continue
		}
		visible, err := telegramtest.CheckHTML(results[0].InputMessageContent.Text)
		if err != nil || !strings.Contains(visible, tc.wantTitle+"\n") {
			t.Errorf("query %q: message %q (err %v)", tc.query, visible, err)
		}
	}

	// The long answer fits one inline message.
	long := &fakeConv{suggest: func(string, int) []bot.Choice { return []bot.Choice{{ID: "transit-guide", Question: transitQ}} }}
	e2 := start(t, long, nil)
	e2.fake.Enqueue(telegramtest.Inline(105, "transit"))
	e2.settle()
	calls := e2.fake.Calls("answerInlineQuery")
	if len(calls) != 1 || calls[0].Code != 0 {
		t.Fatalf("long answer inline: %s", summarize(calls))
	}
}

func TestEmergencyFirstLineSaysCall112(t *testing.T) {
	cases := []struct {
		name  string
		reply bot.Reply
	}{
		{"emergency entry", bot.Reply{Kind: bot.KindAnswer, ID: "emergency-112", Question: "What should I do in an emergency?", Answer: "Stay calm. Then call the consulate.", Emergency: true}},
		{"urgent line before another answer", bot.Reply{Kind: bot.KindAnswer, ID: "passport", Question: "Lost passport", Answer: "Report it.", Emergency: true, Urgent: bot.EmergencyLine}},
		{"urgent clarify", bot.Reply{Kind: bot.KindClarify, Text: "Did you mean?", Emergency: true, Urgent: bot.EmergencyLine, Suggestions: []bot.Choice{{ID: "passport", Question: "Lost passport"}}}},
		{"urgent fallback", bot.Reply{Kind: bot.KindNone, Text: "Sorry, I don't know. In an emergency, call 112.", Emergency: true, Urgent: "Get help now."}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conv := &fakeConv{handle: func(context.Context, bot.Message) bot.Reply { return tc.reply }}
			e := start(t, conv, nil)
			chat := int64(300 + i)
			e.fake.Enqueue(telegramtest.PrivateText(chat, "help me please"))
			e.settle()
			got := e.fake.SentTo(chat)
			if len(got) != 1 {
				t.Fatalf("got %d messages, want exactly 1", len(got))
			}
			if line := firstLine(got[0]); !strings.Contains(line, "112") {
				t.Errorf("first line %q does not say 112", line)
			}
		})
	}

	// The real bot, through a button press on the emergency entry: a
	// chosen entry, not a message describing an emergency, so it is shown
	// like any entry, and its answer says 112.
	e := start(t, nil, nil)
	e.fake.Enqueue(telegramtest.Callback(1, 310, "e:emergency-112"))
	if m := e.waitSent(310, 1)[0]; !strings.Contains(m.Visible, "112") {
		t.Errorf("emergency entry: %q does not say 112", m.Visible)
	}
}

// TestThousandQueuedUpdatesAnsweredExactlyOnce: a backlog ten times
// getUpdates' batch and the bound on updates in flight is answered, each
// update once. The answers come from paced, not the matcher: what is
// tested is delivery. Under the race detector, which makes each update
// several times dearer and finds nothing more in a longer backlog, it is
// three batches.
func TestThousandQueuedUpdatesAnsweredExactlyOnce(t *testing.T) {
	fake := newFake(t)
	n := 1000
	if testutil.Race {
		n = 300
	}
	for i := range n {
		fake.Enqueue(telegramtest.PrivateText(int64(10_000+i), consulateQ))
	}
	began := time.Now()
	e := startOn(t, fake, &fakeConv{handle: paced}, nil, nil)
	e.settle()
	t.Logf("%d updates answered in %v with %d getUpdates calls", n, time.Since(began), len(fake.Calls("getUpdates")))
	perChat := map[int64]int{}
	for _, m := range fake.Sent() {
		perChat[m.ChatID]++
	}
	for i := range n {
		if c := perChat[int64(10_000+i)]; c != 1 {
			t.Errorf("chat %d got %d answers, want 1", 10_000+i, c)
		}
	}
	if len(perChat) != n {
		t.Errorf("%d chats answered, want %d", len(perChat), n)
	}
}

func TestRateLimitedSendIsRetriedAndDeliveredOnce(t *testing.T) {
	e := start(t, nil, nil)
	e.fake.Fail("sendMessage", telegramtest.Fault{Code: 429, RetryAfter: 3})
	e.fake.Enqueue(telegramtest.PrivateText(106, consulateQ))
	e.settle()
	if got := e.fake.SentTo(106); len(got) != 1 {
		t.Fatalf("delivered %d replies, want exactly 1", len(got))
	}
	if calls := e.fake.Calls("sendMessage"); len(calls) != 2 || calls[0].Code != 429 {
		t.Errorf("sendMessage calls: %s\nwant a 429 then one success", summarize(calls))
	}
	if !slices.Contains(e.sleeps.All(), 3*time.Second) {
		t.Errorf("waits %v, want retry_after 3s among them", e.sleeps.All())
	}
	if r := e.events.count(e.events.retries, "sendMessage"); r != 1 {
		t.Errorf("APIRetry(sendMessage) = %d, want 1", r)
	}
}

func TestServerErrorsAndDroppedConnectionsAreRetried(t *testing.T) {
	e := start(t, nil, nil)
	e.fake.Fail("sendMessage",
		telegramtest.Fault{Code: 502},
		telegramtest.Fault{Code: 500},
		telegramtest.Fault{Drop: true},
	)
	e.fake.Enqueue(telegramtest.PrivateText(107, consulateQ))
	e.settle()
	if got := e.fake.SentTo(107); len(got) != 1 {
		t.Fatalf("delivered %d replies, want 1; calls %s", len(got), summarize(e.fake.Calls("sendMessage")))
	}
	waits := e.sleeps.All()
	if len(waits) < 3 || !(waits[0] < waits[1] && waits[1] < waits[2]) {
		t.Errorf("backoff waits %v, want 3 growing", waits)
	}
	if r := e.events.count(e.events.retries, "sendMessage"); r != 3 {
		t.Errorf("APIRetry(sendMessage) = %d, want 3", r)
	}
}

func TestPollErrorsBackOffAndRecover(t *testing.T) {
	fake := newFake(t)
	fake.Fail("getUpdates", telegramtest.Fault{Code: 500}, telegramtest.Fault{Code: 429, RetryAfter: 2})
	e := startOn(t, fake, nil, nil, nil)
	e.fake.Enqueue(telegramtest.PrivateText(108, consulateQ))
	e.waitSent(108, 1)
	if !slices.Contains(e.sleeps.All(), 2*time.Second) {
		t.Errorf("waits %v, want getUpdates' retry_after 2s", e.sleeps.All())
	}
	if !e.adapter.Connected() {
		t.Errorf("Connected() = false after polling recovered")
	}
}

func TestUpdateSurvivesCrashBetweenFetchAndReply(t *testing.T) {
	fake := newFake(t)
	entered := make(chan struct{})
	var once sync.Once
	stuck := &fakeConv{handle: func(ctx context.Context, m bot.Message) bot.Reply {
		once.Do(func() { close(entered) })
		<-ctx.Done() // the process "dies" while handling
		return bot.Reply{Text: "never delivered"}
	}}
	e1 := startOn(t, fake, stuck, nil, func(o *telegram.Options) { o.ShutdownTimeout = time.Millisecond })
	id := fake.Enqueue(telegramtest.PrivateText(109, consulateQ))
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("update never reached the conversation")
	}
	if err := e1.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(fake.SentTo(109)); n != 0 {
		t.Fatalf("crashed adapter sent %d messages", n)
	}
	if fake.Offset() > id {
		t.Fatalf("offset %d confirmed update %d before it was answered", fake.Offset(), id)
	}

	e2 := startOn(t, fake, nil, nil, nil)
	e2.settle()
	got := fake.SentTo(109)
	if len(got) != 1 || !strings.HasPrefix(got[0].Visible, consulateQ) {
		t.Fatalf("after restart: %d messages %v, want the answer once", len(got), got)
	}
}

func TestShutdownConfirmsHandledUpdates(t *testing.T) {
	fake := newFake(t)
	e := startOn(t, fake, nil, nil, nil)
	id := fake.Enqueue(telegramtest.PrivateText(110, consulateQ))
	e.waitSent(110, 1)
	if err := e.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if fake.Offset() <= id {
		t.Errorf("offset %d after shutdown: update %d would be answered again", fake.Offset(), id)
	}
}

// TestShutdownCancelsLongPollPromptly: cancelling Run cuts the long poll
// short rather than waiting it out. The fake keeps real seconds here, so
// the 50 s poll would outlast stop's 10 s bound if Run waited for it; the
// fake also counts the poll as abandoned by the client.
func TestShutdownCancelsLongPollPromptly(t *testing.T) {
	fake := telegramtest.New(t)
	e := startOn(t, fake, nil, nil, func(o *telegram.Options) { o.PollTimeout = 50 * time.Second })
	if !fake.WaitUntil(waitTimeout, func() bool { return fake.Polling() > 0 }) {
		t.Fatal("no long poll started")
	}
	if err := e.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !fake.WaitUntil(waitTimeout, func() bool { return fake.CutPolls() == 1 && fake.Polling() == 0 }) {
		t.Errorf("%d long polls cut short by the client, %d still waiting; want the one poll cut", fake.CutPolls(), fake.Polling())
	}
}

func TestShutdownFinishesRepliesInFlight(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	conv := &fakeConv{}
	conv.handle = func(ctx context.Context, m bot.Message) bot.Reply {
		close(entered)
		<-release
		return conv.real.Handle(ctx, m)
	}
	e := start(t, conv, nil)
	e.fake.Enqueue(telegramtest.PrivateText(111, consulateQ))
	<-entered
	e.cancel() // shutdown begins while the reply is being worked out
	close(release)
	if err := <-e.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	close(e.done)
	if got := e.fake.SentTo(111); len(got) != 1 {
		t.Errorf("reply in flight: %d delivered, want 1", len(got))
	}
}

func TestHTMLInjectionNeverBreaksParsing(t *testing.T) {
	nasty := []string{"<b>", "&", "</a>", "<a href=\"x\">", "&amp;", "&#0;", "<<>>", "\"'", "\x00\x01\u2028", "😀 <i>", "\xff\xfe"}
	echo := &fakeConv{handle: func(ctx context.Context, m bot.Message) bot.Reply {
		return bot.Reply{Kind: bot.KindAnswer, Question: m.Text, Answer: "You said: " + m.Text + " & more </b>",
			Citations: []bot.Citation{{Publisher: m.Text, Title: m.Text, Date: m.Text, URL: "https://e.example/?q=" + url.QueryEscape(m.Text) + "&x=<y>"}},
			FollowUps: []bot.Choice{{ID: "id", Question: m.Text}}, Note: m.Text}
	}}
	e := start(t, echo, nil)
	for i, s := range nasty {
		e.fake.Enqueue(telegramtest.PrivateText(int64(400+i), "q "+s+" q"))
	}
	e.settle()
	for _, c := range e.fake.Calls("sendMessage") {
		if c.Code != 0 {
			t.Errorf("sendMessage rejected: %s\ntext: %q", c.Description, c.Form.Get("text"))
		}
	}
	for i := range nasty {
		got := e.fake.SentTo(int64(400 + i))
		if len(got) != 1 || got[0].ParseMode != "HTML" {
			t.Errorf("input %q: %d messages (want 1, HTML)", nasty[i], len(got))
		}
	}
}

func TestLongAnswerIsSplitOnParagraphs(t *testing.T) {
	e := start(t, nil, nil)
	e.fake.Enqueue(telegramtest.PrivateText(112, transitQ))
	e.settle()
	got := e.fake.SentTo(112)
	if len(got) < 3 {
		t.Fatalf("got %d messages, want the long answer in at least 3", len(got))
	}
	var all strings.Builder
	for i, m := range got {
		if n := telegramtest.UTF16Len(m.Visible); n > 4096 {
			t.Errorf("part %d is %d UTF-16 units", i, n)
		}
		if i > 0 && !strings.HasPrefix(m.Visible, "Paragraph ") {
			t.Errorf("part %d does not start at a paragraph: %q", i, firstLine(m))
		}
		if i < len(got)-1 && len(m.Buttons) > 0 {
			t.Errorf("part %d has buttons; only the last may", i)
		}
		all.WriteString(m.Visible + "\n\n")
	}
	text := all.String()
	last := 0
	for k := 1; k <= 40; k++ {
		i := strings.Index(text, fmt.Sprintf("Paragraph %d: ", k))
		if i < last {
			t.Errorf("paragraph %d missing or out of order", k)
		}
		last = i
	}
	if !strings.Contains(got[len(got)-1].Visible, "Sources:") {
		t.Errorf("sources are not in the last part")
	}
}

// TestEmojiAnswerIsCountedInUTF16Units: Telegram counts the 4,096
// characters in UTF-16 code units, so 3,000 emoji (3,000 code points,
// 6,000 units) do not fit in one message. The fake refuses any part over
// 4,096 units, so counting code points would fail here.
func TestEmojiAnswerIsCountedInUTF16Units(t *testing.T) {
	emoji := strings.Repeat("🎿", 3000)
	conv := &fakeConv{handle: func(context.Context, bot.Message) bot.Reply {
		return bot.Reply{Kind: bot.KindAnswer, Question: "Skis", Answer: emoji}
	}}
	e := start(t, conv, nil)
	e.fake.Enqueue(telegramtest.PrivateText(113, "skis"))
	e.settle()
	got := e.fake.SentTo(113)
	if len(got) < 2 {
		t.Fatalf("%d messages, want the answer split in UTF-16 units", len(got))
	}
	n := 0
	for _, m := range got {
		n += strings.Count(m.Visible, "🎿")
	}
	if n != 3000 {
		t.Errorf("%d emoji delivered, want all 3000", n)
	}
}

func TestPanickingConversationStillReplies(t *testing.T) {
	conv := &fakeConv{}
	conv.handle = func(ctx context.Context, m bot.Message) bot.Reply {
		if strings.Contains(m.Text, "boom") {
			panic("conversation exploded")
		}
		return conv.real.Handle(ctx, m)
	}
	e := start(t, conv, nil)
	e.fake.Enqueue(telegramtest.PrivateText(113, "boom"))
	e.fake.Enqueue(telegramtest.PrivateText(114, consulateQ))
	e.settle()
	if got := e.waitSent(113, 1); !strings.HasPrefix(got[0].Visible, "Sorry, something went wrong") {
		t.Errorf("after a panic the user got %q", got[0].Visible)
	}
	if got := e.waitSent(114, 1); !strings.HasPrefix(got[0].Visible, consulateQ) {
		t.Errorf("the next user got %q", firstLine(got[0]))
	}
	if !strings.Contains(e.logs.String(), "conversation exploded") {
		t.Errorf("panic not logged")
	}
}

func TestOddMessagesAreHandledCalmly(t *testing.T) {
	e := start(t, nil, nil)
	sticker := func(user int64) tgbotapi.Update {
		u := telegramtest.PrivateText(user, "")
		u.Message.Sticker = &tgbotapi.Sticker{FileID: "s"}
		return u
	}
	fromBot := telegramtest.PrivateText(501, consulateQ)
	fromBot.Message.From.IsBot = true
	edited := telegramtest.PrivateText(502, consulateQ)
	edited.EditedMessage, edited.Message = edited.Message, nil
	viaUs := telegramtest.PrivateText(503, consulateQ)
	me := telegramtest.Me
	viaUs.Message.ViaBot = &me
	badEntity := telegramtest.GroupText(-504, 1, "hi")
	badEntity.Message.Entities = []tgbotapi.MessageEntity{{Type: "mention", Offset: 10, Length: 99}}
	junk := make([]byte, 3000)
	for i := range junk {
		junk[i] = byte(i * 7)
	}

	e.fake.Enqueue(sticker(500))
	e.fake.Enqueue(sticker(500)) // a second sticker: no second note
	e.fake.Enqueue(fromBot)
	e.fake.Enqueue(edited)
	e.fake.Enqueue(viaUs)
	e.fake.Enqueue(badEntity)
	e.fake.Enqueue(telegramtest.PrivateText(505, string(junk)))
	e.fake.Enqueue(telegramtest.PrivateText(506, strings.Repeat("where is the consulate ", 20_000)))
	e.fake.Enqueue(map[string]any{"poll": map[string]any{"id": "p"}}) // an update kind we never asked for
	e.fake.Enqueue(telegramtest.PrivateText(507, consulateQ))
	e.settle()

	expect := map[int64]int{500: 1, 501: 0, 502: 0, 503: 0, -504: 0, 505: 1, 506: 1, 507: 1}
	for chat, want := range expect {
		if got := len(e.fake.SentTo(chat)); got != want {
			t.Errorf("chat %d: %d messages, want %d", chat, got, want)
		}
	}
	if got := e.fake.SentTo(500); len(got) == 1 && !strings.Contains(got[0].Visible, "text") {
		t.Errorf("sticker reply %q does not say text is expected", got[0].Visible)
	}
	if got := e.fake.SentTo(506); len(got) == 1 && !strings.Contains(got[0].Visible, "long") {
		t.Errorf("huge message reply does not say it was read in part: %q", got[0].Visible)
	}
}

func TestTokenNeverInLogsOrErrors(t *testing.T) {
	// Unreachable server: transport errors carry the URL, token included.
	fake := telegramtest.New(t)
	unreachable := fake.URL
	fake.Close()
	var attempts atomic.Int32
	logs := &testutil.SyncBuffer{}
	sl := &testutil.Sleeps{}
	o := options(fake, &fakeConv{}, &events{errors: map[string]int{}, retries: map[string]int{}}, sl, logs)
	o.APIBase = unreachable
	ctx, cancel := context.WithCancel(context.Background())
	o.Sleep = func(ctx context.Context, d time.Duration) error {
		if attempts.Add(1) == 3 {
			cancel()
		}
		return ctx.Err()
	}
	a, err := telegram.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	if attempts.Load() < 3 {
		t.Errorf("getMe tried %d times", attempts.Load())
	}
	// The transport errors were logged, with the URL they carry (so the
	// token had a way into the log, checked for below).
	if host := strings.TrimPrefix(unreachable, "http://"); !strings.Contains(logs.String(), host) {
		t.Errorf("expected the failing URLs (host %s) in the log:\n%s", host, logs.String())
	}

	// A rejected token: Run fails, without the token in the error.
	bad := telegramtest.New(t)
	o = options(bad, &fakeConv{}, &events{errors: map[string]int{}, retries: map[string]int{}}, sl, logs)
	o.Token = "999:WRONG-secret-token"
	a, err = telegram.New(o)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil {
		t.Fatal("Run with a rejected token returned nil")
	}
	if strings.Contains(err.Error(), o.Token) {
		t.Errorf("error contains the token: %v", err)
	}
	for _, tok := range []string{telegramtest.Token, o.Token, "s3cr3t", "WRONG-secret"} {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("log contains the token %q", tok)
		}
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) || te.Code != 401 {
		t.Errorf("error %v does not wrap the 401", err)
	}

	// Telegram (or a proxy) echoing the path, token percent-encoded, in a
	// 404: Run fails on the rejected token; neither its error nor the log
	// has the token in any form, and the 404 is still there to inspect.
	echo := telegramtest.New(t)
	echo.Fail("getMe", telegramtest.Fault{Code: 404, Description: "Not Found: /bot" + url.QueryEscape(telegramtest.Token) + "/getMe and " + url.PathEscape(telegramtest.Token+" ")})
	o = options(echo, &fakeConv{}, &events{errors: map[string]int{}, retries: map[string]int{}}, sl, logs)
	o.Token = telegramtest.Token + "\n" // as read from a file: trimmed
	a, err = telegram.New(o)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil {
		t.Fatal("Run with a 404 on getMe returned nil")
	}
	for _, form := range []string{"s3cr3t", "123456%3ATEST", "123456:TEST"} {
		if strings.Contains(err.Error(), form) || strings.Contains(logs.String(), form) {
			t.Errorf("the token's form %q leaked: %v", form, err)
		}
	}
	if !errors.As(err, &te) || te.Code != 404 {
		t.Errorf("error %v does not wrap the 404", err)
	}
	if strings.HasPrefix(err.Error(), "telegram") {
		t.Errorf("error %q names the package: the caller (cmd) does", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	conv := &fakeConv{}
	cases := []struct {
		name string
		o    telegram.Options
		want string
	}{
		{"no token", telegram.Options{Conversation: conv}, "token"},
		{"token of another shape", telegram.Options{Token: "not a token", Conversation: conv}, "BotFather"},
		{"no conversation", telegram.Options{Token: "1:t"}, "conversation"},
		{"API base with a path", telegram.Options{Token: "1:t", Conversation: conv, APIBase: "https://api.example/bot"}, "origin"},
		{"API base ftp", telegram.Options{Token: "1:t", Conversation: conv, APIBase: "ftp://api.example"}, "origin"},
		{"relative webhook", telegram.Options{Token: "1:t", Conversation: conv, WebhookURL: "/hook"}, "webhook URL"},
		{"bad secret", telegram.Options{Token: "1:t", Conversation: conv, WebhookURL: "https://x.example/h", WebhookSecret: "has space"}, "secret"},
	}
	for _, tc := range cases {
		_, err := telegram.New(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if err != nil && (strings.HasPrefix(err.Error(), "telegram") || (tc.o.Token != "" && strings.Contains(err.Error(), tc.o.Token))) {
			t.Errorf("%s: err = %v: the caller names the adapter, and the token is never echoed", tc.name, err)
		}
	}
	a, err := telegram.New(telegram.Options{Token: "1:t", Conversation: conv, APIBase: "http://127.0.0.1:8081/"})
	if err != nil || a.Name() != "telegram" || a.WebhookPath() != "" {
		t.Errorf("valid options: %v", err)
	}
}

func TestPollingRecoversFromWebhookConflict(t *testing.T) {
	fake := newFake(t)
	fake.SetWebhook("https://old.example/hook")
	fake.Fail("deleteWebhook", telegramtest.Fault{Code: 500}) // the first attempt at start fails
	e := startOn(t, fake, nil, nil, func(o *telegram.Options) { o.MaxAttempts = 1 })
	e.fake.Enqueue(telegramtest.PrivateText(115, consulateQ))
	e.waitSent(115, 1)
	var conflicts int
	for _, c := range fake.Calls("getUpdates") {
		if c.Code == 409 {
			conflicts++
		}
	}
	if conflicts == 0 {
		t.Errorf("expected getUpdates to meet the webhook's 409 first")
	}
}

// TestSendsRespectRateLimits: each limit makes every send wait its turn.
// The limits reserve their tokens on a clock that stands still and wait
// through a recorder that returns at once, so the waits they impose are
// exact: with one message per 100 ms and a burst of one, the k-th message
// to share a limit waits k×100 ms.
func TestSendsRespectRateLimits(t *testing.T) {
	const every = 100 * time.Millisecond // the limits below: 10 messages a second
	cases := []struct {
		name   string
		limits telegram.Limits
		update func(i int) tgbotapi.Update
		chats  int
	}{
		{"per chat", telegram.Limits{Global: rate.Inf, Chat: 10, Group: rate.Inf},
			func(int) tgbotapi.Update { return telegramtest.PrivateText(700, transitQ) }, 1},
		{"per group", telegram.Limits{Global: rate.Inf, Chat: rate.Inf, Group: 10, GroupBurst: 1},
			func(int) tgbotapi.Update { return telegramtest.GroupText(-701, 1, "/ask "+transitQ) }, 1},
		{"global", telegram.Limits{Global: 10, GlobalBurst: 1, Chat: rate.Inf, Group: rate.Inf},
			func(i int) tgbotapi.Update { return telegramtest.PrivateText(int64(710+i), consulateQ) }, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := testutil.NewClock(testutil.Start)
			waits := &testutil.Sleeps{}
			e := startWith(t, newFake(t), nil, nil, func(o *telegram.Options) { o.Limits = tc.limits }, func(e *env) {
				telegram.SetLimitClock(e.adapter, clk.Now, waits.Sleep)
			})
			for i := range tc.chats {
				e.fake.Enqueue(tc.update(i))
			}
			e.settle()
			sent := e.fake.Sent()
			if len(sent) < 3 {
				t.Fatalf("only %d messages sent", len(sent))
			}
			got := waits.All()
			slices.Sort(got)
			if len(got) != len(sent)-1 {
				t.Fatalf("%d messages sent after %d waits %v, want a wait before each but the first", len(sent), len(got), got)
			}
			for k, d := range got {
				if want := time.Duration(k+1) * every; d < want-time.Millisecond || d > want+time.Millisecond {
					t.Errorf("waits %v: wait %d is %v, want %v", got, k+1, d, want)
				}
			}
		})
	}
}

// TestEmergencyRepliesGoFirst: an emergency reply that joins the queue for
// the global limit behind a dozen normal replies goes out next, behind
// only the sends already holding a token. The limit's waits are handed out
// by the test: none ends until the emergency has joined the queue, so the
// normal replies cannot drain first however the goroutines are scheduled,
// and each ends only once the send before it has reached the fake, so the
// fake sees the sends in the order they got their tokens.
func TestEmergencyRepliesGoFirst(t *testing.T) {
	fake := newFake(t)
	const normal = 12
	normals := make(chan struct{}, 64)  // one per normal send queued
	urgentQueued := make(chan struct{}) // closed when the emergency send is
	var once sync.Once
	conv := &fakeConv{handle: func(ctx context.Context, m bot.Message) bot.Reply {
		if m.Text == robbed {
			// Arrive when the normal replies are all queued for the
			// global limit: only priority can put this one first.
			for range normal {
				select {
				case <-normals:
				case <-time.After(waitTimeout):
					t.Error("the normal replies never queued for the global limit")
					return bot.Reply{}
				}
			}
			return bot.Reply{Kind: bot.KindAnswer, Question: "Emergency help", Answer: "Call 112.", Emergency: true}
		}
		return bot.Reply{Kind: bot.KindAnswer, Question: "Q", Answer: "A normal answer."}
	}}
	for i := range normal {
		fake.Enqueue(telegramtest.PrivateText(int64(800+i), "a normal question"))
	}
	fake.Enqueue(telegramtest.PrivateText(899, robbed)) // last in the batch
	clk := testutil.NewClock(testutil.Start)
	var waits atomic.Int32
	e := startWith(t, fake, conv, nil, func(o *telegram.Options) {
		o.Limits = telegram.Limits{Global: 20, GlobalBurst: 1, Chat: rate.Inf, Group: rate.Inf}
	}, func(e *env) {
		telegram.OnGlobalQueue(e.adapter, func(urgent bool) {
			if urgent {
				once.Do(func() { close(urgentQueued) })
				return
			}
			normals <- struct{}{}
		})
		// The first send takes the bucket's token without a wait; the
		// k-th wait is for the (k+1)-th token.
		telegram.SetLimitClock(e.adapter, clk.Now, func(ctx context.Context, _ time.Duration) error {
			k := int(waits.Add(1))
			select {
			case <-urgentQueued:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !fake.WaitUntil(waitTimeout, func() bool { return len(fake.Sent()) >= k }) {
				t.Errorf("send %d never reached the fake", k)
			}
			return ctx.Err()
		})
	})
	e.settle()
	sent := fake.Sent()
	if len(sent) != normal+1 {
		t.Fatalf("%d messages sent, want %d", len(sent), normal+1)
	}
	// The first normal reply took the bucket's one token at once; the
	// second held the head of the queue, waiting for the next; then the
	// emergency.
	if pos := slices.IndexFunc(sent, func(s telegramtest.Sent) bool { return s.ChatID == 899 }); pos != 2 {
		t.Errorf("the emergency reply went out %d of %d, want third (behind the two sends that held the head before it queued)", pos+1, len(sent))
	}
}

package telegram_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"travelbot/bot"
	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/faq"
)

// End-to-end: the real bot (the real matcher, emergency detector and
// catalog) behind the real client library, against the spec-checking fake.

// recorder is a bot.Recorder that keeps everything in memory.
type recorder struct {
	mu        sync.Mutex
	questions []bot.QuestionRecord
	events    []bot.Event
}

func (r *recorder) Question(q bot.QuestionRecord) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.questions = append(r.questions, q)
	return fmt.Sprintf("q%d", len(r.questions))
}

func (r *recorder) Event(e bot.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) eventsOf(kind bot.EventKind) []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bot.Event
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) question(id string) (bot.QuestionRecord, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int
	if _, err := fmt.Sscanf(id, "q%d", &n); err != nil || n < 1 || n > len(r.questions) {
		return bot.QuestionRecord{}, false
	}
	return r.questions[n-1], true
}

// denyAll is a rate limiter that has run out for everyone.
type denyAll struct{}

func (denyAll) Allow(string) bool { return false }

// startReal runs the adapter over a real bot built with opts.
func startReal(t *testing.T, yaml string, opts func(*bot.Options)) *env {
	t.Helper()
	f, err := faq.Parse("e2e.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("FAQ: %v", err)
	}
	tbl, err := faq.Compile(f)
	if err != nil {
		t.Fatalf("compile FAQ: %v", err)
	}
	o := bot.Options{Tables: faq.NewLive(tbl)}
	if opts != nil {
		opts(&o)
	}
	return startOn(t, newFake(t), bot.New(o), nil, nil)
}

// pressed enqueues a press of the button with that data under m, by user,
// and returns the callback query id.
func press(e *env, user int64, m telegramtest.Sent, data string) string {
	u := telegramtest.Callback(user, m.ChatID, data)
	u.CallbackQuery.Message.MessageID = m.MessageID
	e.fake.Enqueue(u)
	return u.CallbackQuery.ID
}

// answered returns the answerCallbackQuery call for a callback, waiting
// for it.
func answered(e *env, id string) telegramtest.Call {
	e.t.Helper()
	var call telegramtest.Call
	if !e.fake.WaitUntil(waitTimeout, func() bool {
		for _, c := range e.fake.Calls("answerCallbackQuery") {
			if c.Form.Get("callback_query_id") == id {
				call = c
				return true
			}
		}
		return false
	}) {
		e.t.Fatalf("callback %s never answered", id)
	}
	return call
}

// dataOf is the callback data of the button labelled label.
func dataOf(t *testing.T, m telegramtest.Sent, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label && b.CallbackData != nil {
				return *b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q under %q", label, firstLine(m))
	return ""
}

func TestUrgentSpanishMessageLeadsWith112InSpanish(t *testing.T) {
	e := startReal(t, testFAQ, func(o *bot.Options) { o.Limiter = denyAll{} })
	e.fake.Enqueue(telegramtest.PrivateText(500, "ayuda mi hijo no respira"))
	m := e.waitSent(500, 1)[0]
	line := firstLine(m)
	if !strings.Contains(line, "112") || !strings.Contains(line, bot.Line112("es")) {
		t.Errorf("first line %q, want the Spanish 112 line %q", line, bot.Line112("es"))
	}
}

// TestUrgentMessageIsNotHeldBackByTheRateLimit: a user who has used up the
// rate limit still gets the 112 reply to an emergency, and the note for
// the questions before it does not swallow it.
func TestUrgentMessageIsNotHeldBackByTheRateLimit(t *testing.T) {
	e := startReal(t, testFAQ, func(o *bot.Options) { o.Limiter = denyAll{} })
	e.fake.Enqueue(telegramtest.PrivateText(501, consulateQ))
	if got := e.waitSent(501, 1)[0]; strings.HasPrefix(got.Visible, consulateQ) {
		t.Fatalf("the limiter let a normal question through: %q", firstLine(got))
	}
	e.fake.Enqueue(telegramtest.PrivateText(501, consulateQ)) // within the minute: no second note
	e.fake.Enqueue(telegramtest.PrivateText(501, "my friend collapsed and is not breathing, help"))
	got := e.waitSent(501, 2)
	if line := firstLine(got[1]); !strings.Contains(line, "112") {
		t.Errorf("urgent reply's first line %q does not say 112", line)
	}
}

// twoStageFAQ has entries close enough that a vague question gets "did you
// mean".
const twoStageFAQ = `version: 1
about: I answer questions about traveling to the Games.
sources:
  - id: state
    publisher: U.S. Department of State
    title: Passports
    date: 2025-01-10
    url: https://travel.state.gov/passports
entries:
  - id: passport-lost
    question: I lost my passport, what do I do?
    answer: Report it to the police, then book an emergency passport appointment at the consulate.
    citations: [{source: state, quote: Report the loss.}]
  - id: passport-renew
    question: How do I renew my passport before the trip?
    answer: Renew by mail with form DS-82 at least ten weeks before you travel.
    citations: [{source: state, quote: Form DS-82.}]
  - id: passport-photo
    question: Where can I get a passport photo taken?
    answer: Pharmacies and post offices take passport photos.
    citations: [{source: state, quote: Photo requirements.}]
`

// TestTwoStageFallback: "did you mean" → None of these → a request to
// rephrase with 112 → a second miss → the final fallback with the
// consulate's page and 112.
func TestTwoStageFallback(t *testing.T) {
	e := startReal(t, twoStageFAQ, func(o *bot.Options) { o.Recorder = &recorder{} })
	const user = 502
	e.fake.Enqueue(telegramtest.PrivateText(user, "passport photo renew")) // close to two entries: "did you mean"
	clarify := e.waitSent(user, 1)[0]
	none := dataOf(t, clarify, bot.Text(bot.KeyButtonNone, "en"))
	if !strings.HasPrefix(none, "n:") || len(clarify.Buttons) < 2 {
		t.Fatalf("clarify %q: buttons %v", clarify.Visible, buttonData(clarify))
	}
	answered(e, press(e, user, clarify, none))
	rephrase := e.waitSent(user, 2)[1]
	if !strings.Contains(rephrase.Visible, bot.Text(bot.KeyRephrase, "en")) || !strings.Contains(rephrase.Visible, "112") {
		t.Errorf("after None of these: %q, want the request to rephrase with 112", rephrase.Visible)
	}
	e.fake.Enqueue(telegramtest.PrivateText(user, "zqxj vbnm wrtl"))
	final := e.waitSent(user, 3)[2]
	for _, want := range []string{bot.Text(bot.KeyFallbackFinal, "en"), bot.ConsulatePageURL, "112"} {
		if !strings.Contains(final.Visible, want) {
			t.Errorf("second miss: %q does not contain %q", final.Visible, want)
		}
	}
}

// TestQuestionWithContactDetailsAnsweredAndVotedDown: a question carrying a
// phone number and an e-mail address is answered; 👎 under the answer is
// acknowledged with answerCallbackQuery alone, recorded against the
// question, and the user's next message is taken as the note.
func TestQuestionWithContactDetailsAnsweredAndVotedDown(t *testing.T) {
	rec := &recorder{}
	e := startReal(t, testFAQ, func(o *bot.Options) { o.Recorder = rec })
	const user = 503
	e.fake.Enqueue(telegramtest.PrivateText(user, consulateQ+" Call me at +1 (212) 555-0100 or mail jane.doe@example.com"))
	answer := e.waitSent(user, 1)[0]
	if !strings.HasPrefix(answer.Visible, consulateQ) {
		t.Fatalf("answered %q, want the consulate entry", firstLine(answer))
	}
	down := dataOf(t, answer, bot.Text(bot.KeyButtonDown, "en"))
	qid := strings.TrimPrefix(down, "d:")
	if q, ok := rec.question(qid); !ok || q.ChatKind != bot.ChatPrivate || q.Chat != "503" || q.Channel != telegram.Channel {
		t.Fatalf("button %q: question %+v, %v; want the recorded private question", down, q, ok)
	}
	call := answered(e, press(e, user, answer, down))
	if call.Form.Get("show_alert") != "true" || !strings.Contains(call.Form.Get("text"), "?") {
		t.Errorf("👎 acknowledged with %q (alert %q), want the question as an alert", call.Form.Get("text"), call.Form.Get("show_alert"))
	}
	votes := rec.eventsOf(bot.EventVote)
	if len(votes) != 1 || votes[0].Vote != bot.VoteDown || votes[0].QuestionID != qid {
		t.Errorf("votes %+v, want one 👎 on %s", votes, qid)
	}
	e.fake.Enqueue(telegramtest.PrivateText(user, "the opening hours"))
	e.waitSent(user, 2) // the note is answered too
	if n := len(e.fake.SentTo(user)); n != 2 {
		t.Errorf("%d messages, want the answer and the reply to the note: the vote sent none", n)
	}
	notes := rec.eventsOf(bot.EventNote)
	if len(notes) != 1 || notes[0].QuestionID != qid || notes[0].Text != "the opening hours" {
		t.Errorf("notes %+v, want the next message as the note on %s", notes, qid)
	}
}

// TestTopicsReachAll47Entries: /topics on a 47-entry FAQ, paged through
// with "More" through the fake, offers every entry, and every button
// answers its entry, ids of any length included.
func TestTopicsReachAll47Entries(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("version: 1\nabout: Test topics.\nsources:\n  - id: s\n    publisher: P\n    title: T\n    date: 2025-01-01\nentries:\n")
	want := map[string]string{}
	for i := range 47 {
		id := fmt.Sprintf("topic-%02d", i)
		if i%4 == 0 {
			id += "-" + strings.Repeat("very-long-id-", 8)
		}
		q := fmt.Sprintf("Question number %s %d", strings.Repeat("x", i%5), i)
		want[id] = q
		fmt.Fprintf(&sb, "  - id: %s\n    question: %s\n    answer: Answer %d.\n    citations: [{source: s, quote: Q.}]\n", id, q, i)
	}
	e := startReal(t, sb.String(), nil)
	const user = 504
	e.fake.Enqueue(telegramtest.PrivateText(user, "/topics"))
	m := e.waitSent(user, 1)[0]
	seen := map[string]bool{}
	buttons := m.Buttons
	more := bot.Text(bot.KeyButtonMore, "en")
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("More never ends")
		}
		next := ""
		for _, row := range buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, more) {
					next = *b.CallbackData
				} else if !strings.HasPrefix(*b.CallbackData, "t:") {
					seen[*b.CallbackData] = true
				}
			}
		}
		if next == "" {
			break
		}
		answered(e, press(e, user, m, next))
		var edit telegramtest.Call
		if !e.fake.WaitUntil(waitTimeout, func() bool {
			calls := e.fake.Calls("editMessageReplyMarkup")
			if len(calls) > page {
				edit = calls[page]
				return true
			}
			return false
		}) {
			t.Fatalf("page %d: no editMessageReplyMarkup", page+1)
		}
		if edit.Form.Get("message_id") != fmt.Sprint(m.MessageID) {
			t.Errorf("edited message %s, want %d", edit.Form.Get("message_id"), m.MessageID)
		}
		buttons = telegramtest.Keyboard(edit)
	}
	if len(seen) != 47 {
		t.Fatalf("reached %d entries, want 47", len(seen))
	}
	// Every button answers its own entry.
	chat := int64(600)
	for data := range seen {
		e.fake.Enqueue(telegramtest.Callback(user, chat, data))
		got := e.waitSent(chat, 1)[0]
		q := firstLine(got)
		id := ""
		for k, v := range want {
			if v == q {
				id = k
			}
		}
		if id == "" {
			t.Errorf("button %q answered %q, not an entry", data, q)
		}
		delete(want, id)
		chat++
	}
	if len(want) != 0 {
		t.Errorf("entries never answered: %v", want)
	}
}

// TestHelpIsWordedForTheChat: the adapter says which kind of chat a
// message comes from, so /help in a private chat does not talk about
// groups, and in a group it says to use /ask.
func TestHelpIsWordedForTheChat(t *testing.T) {
	e := startReal(t, testFAQ, nil)
	e.fake.Enqueue(telegramtest.PrivateText(505, "/help"))
	e.fake.Enqueue(telegramtest.GroupText(-505, 506, "/help@faq_bot"))
	private, group := e.waitSent(505, 1)[0], e.waitSent(-505, 1)[0]
	if !strings.Contains(private.Visible, bot.Text(bot.KeyHelpPrivate, "en")) || strings.Contains(private.Visible, bot.Text(bot.KeyHelpGroup, "en")) {
		t.Errorf("private /help: %q", private.Visible)
	}
	if !strings.Contains(group.Visible, bot.Text(bot.KeyHelpGroup, "en")) {
		t.Errorf("group /help: %q", group.Visible)
	}
}

package discord_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"travelbot/bot"
	"travelbot/bot/discord/discordtest"
	"travelbot/faq"
)

// End to end: the real bot over testFAQ, the adapter, and the fake Discord
// (gateway and REST, every body checked against the spec).

// memRecorder keeps what the bot records, as a store would.
type memRecorder struct {
	mu        sync.Mutex
	questions []bot.QuestionRecord
	events    []bot.Event
}

func (r *memRecorder) Question(q bot.QuestionRecord) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.questions = append(r.questions, q)
	return "q" + strconv.Itoa(len(r.questions))
}

func (r *memRecorder) Event(e bot.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *memRecorder) snapshot() ([]bot.QuestionRecord, []bot.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.QuestionRecord(nil), r.questions...), append([]bot.Event(nil), r.events...)
}

// denyAll is a rate limit that is always exhausted.
type denyAll struct{}

func (denyAll) Allow(string) bool { return false }

func e2eBot(t *testing.T, o bot.Options) *bot.Bot {
	t.Helper()
	tab, err := testTable()
	if err != nil {
		t.Fatal(err)
	}
	o.Tables = faq.NewLive(tab)
	return bot.New(o)
}

const possibleQuestion = "my friend fell and is bleeding, how do I contact the consulate?"

func TestPossibleEmergencyGetsTheBannerOverTheAnswer(t *testing.T) {
	t.Parallel()
	h := start(t, e2eBot(t, bot.Options{}))
	banner := "🚨 " + bot.DangerLine("en")
	// Through /ask.
	rs := h.interact(h.srv.Command("7", true, "ask", "question", possibleQuestion), 1)
	_, m := callback(t, rs[0])
	if content(m) != banner || len(m.Embeds) == 0 || m.Embeds[0].Title != "How do I contact the U.S. Consulate General in Milan?" {
		t.Errorf("/ask: content %q embeds %+v, want the banner over the consulate answer", content(m), m.Embeds)
	}
	// Through a direct message.
	const dm = "500000000000000020"
	if _, err := h.srv.Send(discordtest.Message{ChannelID: dm, AuthorID: "7", Content: possibleQuestion}); err != nil {
		t.Fatal(err)
	}
	r, err := h.srv.Wait(wait, discordtest.Is("POST", "/api/v9/channels/"+dm+"/messages"))
	if err != nil {
		t.Fatal(err)
	}
	if m := message(t, r); content(m) != banner || len(m.Embeds) == 0 {
		t.Errorf("DM: content %q, want the banner over the answer", content(m))
	}
}

func TestUrgentIsNotHeldBackByTheRateLimit(t *testing.T) {
	t.Parallel()
	h := start(t, e2eBot(t, bot.Options{Limiter: denyAll{}}))
	cases := []struct {
		name, question, wantContent string
	}{
		{"an ordinary question is limited", "When do the Winter Games start?", ""},
		{"urgent, in Spanish", "ayuda mi hijo no respira", "🚨 " + bot.Line112("es")},
		{"possible", possibleQuestion, "🚨 " + bot.DangerLine("en")},
	}
	for _, c := range cases {
		rs := h.interact(h.srv.Command("7", true, "ask", "question", c.question), 1)
		_, m := callback(t, rs[0])
		switch {
		case c.wantContent == "" && (len(m.Embeds) != 0 || !strings.Contains(content(m), bot.Text(bot.KeyRateLimited, "en"))):
			t.Errorf("%s: %q %d embeds, want the rate-limit note", c.name, content(m), len(m.Embeds))
		case c.wantContent != "" && (!strings.HasPrefix(content(m), c.wantContent) || len(m.Embeds) == 0):
			t.Errorf("%s: content %q, %d embeds; want %q over an answer", c.name, content(m), len(m.Embeds), c.wantContent)
		}
	}
}

func TestTwoStageFallbackThroughButtons(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{}
	h := start(t, e2eBot(t, bot.Options{Recorder: rec}))
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "what about the games"), 1)
	_, m := callback(t, rs[0])
	none := ""
	for _, id := range buttons(m) {
		if strings.HasPrefix(id, "n:") {
			none = id
		}
	}
	if none != "n:q1" {
		t.Fatalf("clarify buttons %v, want None of these for question q1", buttons(m))
	}
	// First stage: asked to rephrase, with the 112 line.
	rs = h.interact(h.srv.Button("7", true, none), 1)
	_, m = callback(t, rs[0])
	if !strings.Contains(content(m), bot.Text(bot.KeyRephrase, "en")) || !strings.Contains(content(m), bot.DangerLine("en")) {
		t.Errorf("first None of these: %q, want the request to rephrase with the 112 line", content(m))
	}
	// Second stage: the fallback, with the consulate's page and 112.
	rs = h.interact(h.srv.Button("7", true, none), 1)
	_, m = callback(t, rs[0])
	if !strings.Contains(content(m), bot.ConsulatePageURL) || !strings.Contains(content(m), bot.DangerLine("en")) {
		t.Errorf("second None of these: %q, want the final fallback", content(m))
	}
	_, events := rec.snapshot()
	n := 0
	for _, e := range events {
		if e.Kind == bot.EventNoneOfThese && e.QuestionID == "q1" && e.Channel == "discord" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("recorded %d None of these for q1, want 2 (events %+v)", n, events)
	}
}

func TestThumbsDownIsRecordedAndAcknowledgedInPlace(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{}
	h := start(t, e2eBot(t, bot.Options{Recorder: rec}))
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "When do the Winter Games start?"), 1)
	_, answer := callback(t, rs[0])
	if got := buttons(answer); len(got) < 2 || got[0] != "v:u:q1" || got[1] != "v:d:q1" {
		t.Fatalf("answer buttons %v, want 👍/👎 for q1 first", got)
	}
	// Press 👎 on that very message.
	ix := h.srv.ButtonOn("7", true, "v:d:q1", answer.Components)
	rs = h.interact(ix, 2)
	typ, upd := callback(t, rs[0])
	if typ != 7 || len(upd.Embeds) != 0 || upd.Content != nil {
		t.Errorf("vote acknowledged with %s, want an update (7) of the buttons alone", rs[0])
	}
	for _, row := range upd.Components {
		for _, b := range row.Components {
			if strings.HasPrefix(b.CustomID, "v:") && !b.Disabled {
				t.Errorf("button %s still enabled after the vote", b.CustomID)
			}
		}
	}
	if m := message(t, rs[1]); !strings.Contains(content(m), "?") || m.Flags != 64 {
		t.Errorf("after 👎: %s, want the private question what the user was looking for", rs[1])
	}
	_, events := rec.snapshot()
	var votes []bot.Event
	for _, e := range events {
		if e.Kind == bot.EventVote {
			votes = append(votes, e)
		}
	}
	if len(votes) != 1 || votes[0].Vote != bot.VoteDown || votes[0].QuestionID != "q1" || votes[0].UserID != "7" {
		t.Errorf("votes recorded %+v, want one 👎 on q1 by user 7", votes)
	}
	qs, _ := rec.snapshot()
	if len(qs) != 1 || qs[0].ChatKind != bot.ChatGroup || qs[0].Chat == "" {
		t.Errorf("question recorded %+v, want one from a group chat with its channel", qs)
	}
}

package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/faq"
)

const testFAQ = `version: 1
about: "I answer questions about water and airports."
sources:
  - id: s
    publisher: Example News
    title: "Water in Milan"
    date: 2026-01-27
    url: https://example.org/water
entries:
  - id: water
    question: Is tap water safe to drink in Milan?
    alternates: [can i drink the tap water, is milan water drinkable]
    answer: Yes.
    citations:
      - {source: s, quote: "The water is safe."}
    follow_ups: [airport]
  - id: airport
    question: Which airport is closest to Cortina?
    alternates: [nearest airport to cortina, what airport do i fly into]
    answer: Venice.
    citations:
      - {source: s, quote: "Venice is closest."}
`

func table(t *testing.T, src string) *faq.Table {
	t.Helper()
	f, err := faq.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := faq.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// fakeReloader records reloads and returns a canned result.
type fakeReloader struct {
	mu       sync.Mutex
	triggers []string
	result   faq.ReloadResult
}

func (f *fakeReloader) Reload(_ context.Context, trigger string) faq.ReloadResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.triggers = append(f.triggers, trigger)
	r := f.result
	r.Trigger = trigger
	return r
}

// denyAfter allows the first n questions, then refuses.
type denyAfter struct {
	mu sync.Mutex
	n  int
}

func (d *denyAfter) Allow(string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n--
	return d.n >= 0
}

type observed struct {
	mu      sync.Mutex
	replies []bot.Reply
}

func (o *observed) Observe(_ bot.Message, r bot.Reply, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.replies = append(o.replies, r)
}

func TestHandle(t *testing.T) {
	rl := &fakeReloader{result: faq.ReloadResult{OK: true, Changed: true, Version: "abc", Entries: 2}}
	b := bot.New(bot.Options{
		Tables:   faq.NewLive(table(t, testFAQ)),
		Reloader: rl,
		Admins:   map[string][]string{"telegram": {"1", " "}},
	})
	ctx := context.Background()
	tests := []struct {
		name, channel, user, text string
		kind                      bot.Kind
		contains                  string
	}{
		{"question", "telegram", "9", "Is tap water safe to drink in Milan?", bot.KindAnswer, "Yes."},
		{"/ask", "telegram", "9", "/ask Which airport is closest to Cortina?", bot.KindAnswer, "Venice."},
		{"/ask@botname", "telegram", "9", "/ask@faq_bot Which airport is closest to Cortina?", bot.KindAnswer, "Venice."},
		{"/start", "telegram", "9", "/start", bot.KindHelp, "water and airports"},
		{"/help", "discord", "9", "/HELP", bot.KindHelp, "112"},
		{"/topics", "telegram", "9", "/topics", bot.KindTopics, "Pick a topic"},
		{"unknown command", "telegram", "9", "/frobnicate", bot.KindHelp, "/topics"},
		{"empty /ask", "telegram", "9", "/ask", bot.KindHelp, "What would you like to know?"},
		{"out of scope", "telegram", "9", "who won the super bowl in 1990", bot.KindNone, bot.DangerLine("en")},
		{"binary junk", "telegram", "9", "\x00\xff\xfe\x01", bot.KindHelp, "112"},
		{"/reload by admin", "telegram", "1", "/reload", bot.KindReload, "Reloaded: version abc, 2 entries"},
		{"/reload by someone else", "telegram", "9", "/reload", bot.KindRefused, "only admins"},
		{"/reload by an admin of another channel", "discord", "1", "/reload", bot.KindRefused, "only admins"},
		{"/reload with a blank id", "telegram", "", "/reload", bot.KindRefused, "only admins"},
	}
	for _, tt := range tests {
		r := b.Handle(ctx, bot.Message{Channel: tt.channel, UserID: tt.user, Text: tt.text})
		text := bot.RenderText(r)
		if r.Kind != tt.kind || !strings.Contains(text, tt.contains) {
			t.Errorf("%s: Handle(%q) = %s %q, want %s containing %q", tt.name, tt.text, r.Kind, text, tt.kind, tt.contains)
		}
	}
	if len(rl.triggers) != 1 || rl.triggers[0] != "telegram" {
		t.Errorf("reloads = %v, want one from telegram", rl.triggers)
	}
}

func TestAnswerReply(t *testing.T) {
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	r := b.Ask(context.Background(), bot.Message{Channel: "http", Text: "Is tap water safe to drink in Milan?"})
	if r.Outcome != "answer" || r.ID != "water" || r.Confidence != 1 || r.Question != "Is tap water safe to drink in Milan?" {
		t.Fatalf("reply = %+v", r)
	}
	want := bot.Citation{Publisher: "Example News", Title: "Water in Milan", Date: "2026-01-27", URL: "https://example.org/water", Quote: "The water is safe."}
	if len(r.Citations) != 1 || r.Citations[0] != want {
		t.Errorf("citations = %+v, want %+v", r.Citations, want)
	}
	if len(r.FollowUps) != 1 || r.FollowUps[0].ID != "airport" {
		t.Errorf("follow-ups = %+v", r.FollowUps)
	}
	if r.Emergency || r.Urgent != "" {
		t.Errorf("an ordinary answer is flagged as an emergency: %+v", r)
	}
}

// An FAQ with no emergency entry still leads an emergency with 112.
func TestEmergencyWithoutEmergencyEntry(t *testing.T) {
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	r := b.Ask(context.Background(), bot.Message{Channel: "telegram", UserID: "9", Text: "help! my friend collapsed"})
	if !r.Emergency || r.Urgent != bot.EmergencyLine {
		t.Fatalf("reply = %+v, want the built-in 112 line", r)
	}
	if first := strings.SplitN(bot.RenderText(r), "\n", 2)[0]; !strings.Contains(first, "112") {
		t.Errorf("first line %q does not say 112", first)
	}
}

func TestRateLimitSparesEmergencies(t *testing.T) {
	obs := &observed{}
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ)), Limiter: &denyAfter{n: 1}, Observer: obs})
	ctx := context.Background()
	m := bot.Message{Channel: "telegram", UserID: "9", Text: "Is tap water safe to drink in Milan?"}
	if r := b.Ask(ctx, m); r.Kind != bot.KindAnswer {
		t.Fatalf("first question: %s", r.Kind)
	}
	if r := b.Ask(ctx, m); r.Kind != bot.KindRateLimited || !strings.Contains(r.Text, "112") {
		t.Errorf("second question: %s %q, want rate_limited mentioning 112", r.Kind, r.Text)
	}
	if r := b.Ask(ctx, bot.Message{Channel: "telegram", UserID: "9", Text: "aiuto!"}); !r.Emergency {
		t.Errorf("an emergency over the limit was not answered as one: %+v", r)
	}
	if len(obs.replies) != 3 {
		t.Errorf("observer saw %d replies, want 3", len(obs.replies))
	}
}

func TestLongQuestion(t *testing.T) {
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	long := "Is tap water safe to drink in Milan? " + strings.Repeat("blah ", 5000)
	r := b.Ask(context.Background(), bot.Message{Channel: "cli", Text: long})
	if r.Note == "" {
		t.Errorf("a %d-character question was cut without a note: %+v", len(long), r)
	}
}

func TestEntryReply(t *testing.T) {
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	if r := b.EntryReply("airport"); r.Kind != bot.KindAnswer || r.Answer != "Venice." {
		t.Errorf("EntryReply(airport) = %+v", r)
	}
	// a button from before a reload that removed its entry
	if r := b.EntryReply("gone"); r.Kind != bot.KindNone {
		t.Errorf("EntryReply(gone) = %s, want the fallback", r.Kind)
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct{ in, cmd, rest string }{
		{"/ask where is it", "ask", "where is it"},
		{"/Ask@Some_Bot  where", "ask", "where"},
		{"  /topics", "topics", ""},
		{"where is /ask", "", "where is /ask"},
		{"/", "", "/"},
		{"/@bot", "", "/@bot"},
	}
	for _, tt := range tests {
		if cmd, rest := bot.SplitCommand(tt.in); cmd != tt.cmd || rest != tt.rest {
			t.Errorf("SplitCommand(%q) = %q, %q; want %q, %q", tt.in, cmd, rest, tt.cmd, tt.rest)
		}
	}
}

func TestReloadFailureReply(t *testing.T) {
	rl := &fakeReloader{result: faq.ReloadResult{Version: "old", Entries: 2, Problems: []faq.Problem{{File: "faq.yaml", Line: 3, Col: 5, Msg: "unknown key \"colour\""}}}}
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ)), Reloader: rl, Admins: map[string][]string{"discord": {"42"}}})
	r := b.Reload(context.Background(), bot.Message{Channel: "discord", UserID: "42"})
	if !strings.HasPrefix(r.Text, "Reload failed") || !strings.Contains(r.Text, "faq.yaml:3:5: unknown key") {
		t.Errorf("reload failure reply = %q", r.Text)
	}
}

func TestSmallTalk(t *testing.T) {
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	for _, q := range []string{"hi", "Hello there!", "thanks", "what can you do?", "who are you"} {
		r := b.Ask(context.Background(), bot.Message{Channel: "cli", Text: q})
		if r.Outcome != "none" || strings.HasPrefix(r.Text, "Sorry") || !strings.Contains(r.Text, "water and airports") || !strings.Contains(bot.RenderText(r), "112") {
			t.Errorf("Ask(%q) = %s %q, want a friendly none that says what the bot covers and 112", q, r.Outcome, r.Text)
		}
	}
	if r := b.Ask(context.Background(), bot.Message{Channel: "cli", Text: "who won the super bowl in 1990"}); !strings.HasPrefix(r.Text, "Sorry") {
		t.Errorf("an out-of-scope question got %q, want the honest sorry", r.Text)
	}
}

func TestPickIsObserved(t *testing.T) {
	obs := &observed{}
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ)), Observer: obs})
	r := b.Pick(context.Background(), bot.Message{Channel: "discord", UserID: "7", Text: "airport"}, "airport")
	if r.ID != "airport" || len(obs.replies) != 1 || obs.replies[0].ID != "airport" {
		t.Errorf("Pick = %+v, observed %+v", r, obs.replies)
	}
}

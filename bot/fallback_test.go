package bot_test

import (
	"context"
	"strings"
	"testing"

	"travelbot/bot"
	"travelbot/faq"
	"travelbot/seeds"
)

func TestNoneOfTheseTwoStages(t *testing.T) {
	rec := &fakeRecorder{}
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ)), Recorder: rec})
	ctx := context.Background()
	alice := bot.Message{Channel: "telegram", Chat: "100", ChatKind: bot.ChatGroup, UserID: "1"}

	first := b.NoneOfThese(ctx, alice, "q1")
	if first.Kind != bot.KindRephrase || first.QuestionID != "q1" || !strings.Contains(first.Text, bot.DangerLine("en")) {
		t.Fatalf("first miss: %s %q, want a request to rephrase with the 112 line", first.Kind, first.Text)
	}
	// Another user, or the same user in another chat, is at their first miss.
	for _, other := range []bot.Message{
		{Channel: "telegram", Chat: "100", UserID: "2"},
		{Channel: "telegram", Chat: "200", UserID: "1"},
		{Channel: "discord", Chat: "100", UserID: "1"},
	} {
		if r := b.NoneOfThese(ctx, other, "q2"); r.Kind != bot.KindRephrase {
			t.Errorf("%+v: %s, want their own first stage", other, r.Kind)
		}
	}
	second := b.NoneOfThese(ctx, alice, "q3")
	text := bot.RenderText(second)
	if second.Kind != bot.KindNone {
		t.Fatalf("second miss: %s, want the final fallback", second.Kind)
	}
	for _, want := range []string{"water and airports", bot.ConsulatePageURL, bot.DangerLine("en")} {
		if !strings.Contains(text, want) {
			t.Errorf("final fallback lacks %q:\n%s", want, text)
		}
	}
	// The second stage is over: the next "None of these" starts again.
	if r := b.NoneOfThese(ctx, alice, "q4"); r.Kind != bot.KindRephrase {
		t.Errorf("after the final fallback: %s, want a first stage again", r.Kind)
	}
	if got := len(rec.eventsOf(bot.EventNoneOfThese)); got != 6 {
		t.Errorf("recorded %d none-of-these events, want 6", got)
	}
}

func TestRephrasedQuestion(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, rephrased string
		want            bot.Kind
		stillAsked      bool // a later "None of these" is a second miss
	}{
		{"answered", "Is tap water safe to drink in Milan?", bot.KindAnswer, false},
		{"missed again", "who won the super bowl in 1990", bot.KindNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
			m := bot.Message{Channel: "discord", Chat: "9", UserID: "5"}
			b.NoneOfThese(ctx, m, "")
			m.Text = tt.rephrased
			r := b.Ask(ctx, m)
			if r.Kind != tt.want {
				t.Fatalf("rephrased: %s, want %s", r.Kind, tt.want)
			}
			if tt.want == bot.KindNone && !strings.Contains(r.Text, bot.ConsulatePageURL) {
				t.Errorf("a second miss got %q, want the final fallback with the consulate's page", r.Text)
			}
			if r := b.NoneOfThese(ctx, m, ""); r.Kind != bot.KindRephrase {
				t.Errorf("after the rephrased question: %s, want a fresh first stage", r.Kind)
			}
		})
	}
}

func TestSuggestFloor(t *testing.T) {
	f, err := faq.Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := faq.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(bot.Options{Tables: faq.NewLive(tb)})
	tests := []struct {
		prefix string
		first  string // "" = nothing at all
	}{
		{"weather", ""},
		{"ski rental", ""},
		{"consul", "consulate-milan"},
		{"press", "press-contact"},
		{"", "emergency-112"}, // an empty prefix lists the first entries
	}
	for _, tt := range tests {
		got := b.Suggest(tt.prefix, 5)
		switch {
		case tt.first == "" && len(got) > 0:
			t.Errorf("Suggest(%q) = %+v, want nothing", tt.prefix, got)
		case tt.first != "" && (len(got) == 0 || got[0].ID != tt.first):
			t.Errorf("Suggest(%q) = %+v, want %s first", tt.prefix, got, tt.first)
		}
		for _, c := range got {
			if tt.prefix != "" && c.Confidence < bot.MinSuggestConfidence {
				t.Errorf("Suggest(%q) offers %s at %.2f", tt.prefix, c.ID, c.Confidence)
			}
		}
	}
}

// Picking a suggestion after "None of these" ends the second stage: the
// next "None of these" is a first miss again.
func TestPickEndsTheSecondStage(t *testing.T) {
	ctx := context.Background()
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	m := bot.Message{Channel: "telegram", Chat: "1", UserID: "2"}
	b.NoneOfThese(ctx, m, "")
	b.Pick(ctx, m, "water")
	if r := b.NoneOfThese(ctx, m, ""); r.Kind != bot.KindRephrase {
		t.Errorf("after a pick: %s, want a first stage", r.Kind)
	}
}

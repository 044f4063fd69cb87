package bot

import (
	"context"
	"strings"
	"testing"

	"travelbot/faq"
)

const levelsFAQ = `version: 1
about: "I answer questions about emergencies and water."
sources:
  - id: s
    publisher: Example News
    title: "Safety in Milan"
    date: 2026-01-27
entries:
  - id: emergency
    question: What should I do in an emergency?
    alternates: [help, who do i call]
    answer: |
      Call 112 now: it is Italy's emergency number for police, ambulance and fire.
      Then call the consulate.
    citations:
      - {source: s, quote: "Call 112."}
    tags: [emergency]
  - id: water
    question: Is tap water safe to drink in Milan?
    alternates: [can i drink the tap water]
    answer: Yes.
    citations:
      - {source: s, quote: "The water is safe."}
`

func levelsTable(t *testing.T) *faq.Table {
	t.Helper()
	f, err := faq.Parse("levels.yaml", []byte(levelsFAQ))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := faq.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

type denyAll struct{ asked int }

func (d *denyAll) Allow(string) bool { d.asked++; return false }

// The bot's side of the three levels, with the matcher's verdict fixed so
// that each level is tested whatever the detector decides today.
func TestEmergencyLevels(t *testing.T) {
	tb := levelsTable(t)
	emergency, water := tb.Entry("emergency"), tb.Entry("water")
	tests := []struct {
		name     string
		res      faq.Result
		kind     Kind
		urgent   string // Reply.Urgent
		answerAt string // the answer starts with this ("" = not checked)
	}{
		{
			name:     "urgent in Spanish: the 112 line and the first sentence in Spanish",
			res:      faq.Result{Outcome: faq.Answer, Entry: emergency, Confidence: 1, Emergency: true, Urgency: faq.UrgencyUrgent, Language: "es"},
			kind:     KindAnswer,
			urgent:   Line112("es"),
			answerAt: Text(KeyEmergencyLead, "es") + "\nCall 112 now",
		},
		{
			name:     "urgent in English: the entry as written",
			res:      faq.Result{Outcome: faq.Answer, Entry: emergency, Confidence: 1, Emergency: true, Urgency: faq.UrgencyUrgent, Language: "en"},
			kind:     KindAnswer,
			urgent:   EmergencyLine,
			answerAt: "Call 112 now",
		},
		{
			name:   "urgent in a language the catalog lacks: English",
			res:    faq.Result{Outcome: faq.None, Emergency: true, Urgency: faq.UrgencyUrgent, Language: "sv"},
			kind:   KindNone,
			urgent: EmergencyLine,
		},
		{
			name:     "possible answer: the banner over the usual answer",
			res:      faq.Result{Outcome: faq.Answer, Entry: water, Confidence: 0.8, Urgency: faq.UrgencyPossible, Language: "it"},
			kind:     KindAnswer,
			urgent:   DangerLine("it"),
			answerAt: "Yes.",
		},
		{
			name:   "possible clarify: the banner over the suggestions",
			res:    faq.Result{Outcome: faq.Clarify, Confidence: 0.2, Suggestions: []faq.Suggestion{{Entry: water, Confidence: 0.2}}, Urgency: faq.UrgencyPossible, Language: "fr"},
			kind:   KindClarify,
			urgent: DangerLine("fr"),
		},
		{
			name:   "possible none: the banner and the fallback, never a bare sorry",
			res:    faq.Result{Outcome: faq.None, Urgency: faq.UrgencyPossible, Language: "de"},
			kind:   KindNone,
			urgent: DangerLine("de"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := &denyAll{}
			b := New(Options{Tables: faq.NewLive(tb), Limiter: lim})
			b.match = func(*faq.Table, string) faq.Result { return tt.res }
			r := b.Ask(context.Background(), Message{Channel: "telegram", UserID: "1", Text: "whatever"})
			if r.Kind != tt.kind || r.Urgent != tt.urgent {
				t.Fatalf("reply %s with urgent %q, want %s with %q", r.Kind, r.Urgent, tt.kind, tt.urgent)
			}
			if lim.asked != 0 {
				t.Errorf("the rate limit was consulted for a %s message", tt.res.Urgency)
			}
			if want := tt.res.Urgency == faq.UrgencyUrgent; r.Emergency != want || r.Urgency != string(tt.res.Urgency) {
				t.Errorf("emergency %v urgency %q, want %v %q", r.Emergency, r.Urgency, want, tt.res.Urgency)
			}
			if tt.answerAt != "" && !strings.HasPrefix(r.Answer, tt.answerAt) {
				t.Errorf("answer %q, want it to start %q", r.Answer, tt.answerAt)
			}
			text := RenderText(r)
			if first, _, _ := strings.Cut(text, "\n"); first != tt.urgent {
				t.Errorf("first line %q, want %q", first, tt.urgent)
			}
			if n := strings.Count(text, "112"); tt.kind == KindNone && n != 1 {
				t.Errorf("the fallback says 112 %d times, want once:\n%s", n, text)
			}
			if tt.kind == KindNone && !strings.Contains(text, "emergencies and water") {
				t.Errorf("the fallback does not say what the bot covers:\n%s", text)
			}
		})
	}
}

// A message with no sign of danger is rate-limited as before, with the 112
// line in the message's language.
func TestRateLimitHoldsBackOnlyCalmMessages(t *testing.T) {
	b := New(Options{Tables: faq.NewLive(levelsTable(t)), Limiter: &denyAll{}})
	b.match = func(*faq.Table, string) faq.Result {
		return faq.Result{Outcome: faq.None, Urgency: faq.UrgencyNone, Language: "pt"}
	}
	r := b.Ask(context.Background(), Message{Channel: "telegram", UserID: "1", Text: "oi"})
	if r.Kind != KindRateLimited || !strings.Contains(r.Text, DangerLine("pt")) {
		t.Errorf("reply %s %q, want rate_limited with %q", r.Kind, r.Text, DangerLine("pt"))
	}
}

// The whole message reaches the matcher, however long (up to the byte
// bound), and a long one is still answered with the note.
func TestWholeMessageIsMatched(t *testing.T) {
	b := New(Options{Tables: faq.NewLive(levelsTable(t))})
	var got string
	b.match = func(t *faq.Table, q string) faq.Result { got = q; return t.Match(q) }
	msg := strings.Repeat("tell me about the games please ", 70) + "my friend fell and is bleeding"
	r := b.Ask(context.Background(), Message{Channel: "cli", Text: msg})
	if !strings.HasSuffix(got, "my friend fell and is bleeding") {
		t.Errorf("the matcher saw %d of %d bytes, ending %q", len(got), len(msg), got[max(0, len(got)-40):])
	}
	if r.Note != Text(KeyLongMessage, "en") {
		t.Errorf("note %q, want the long-message note", r.Note)
	}
	huge := strings.Repeat("é", MaxMessageBytes)
	b.Ask(context.Background(), Message{Channel: "cli", Text: huge})
	if len(got) > MaxMessageBytes || !strings.HasPrefix(huge, got) {
		t.Errorf("a %d-byte message reached the matcher as %d bytes", len(huge), len(got))
	}
}

// A channel with its own limiter (the HTTP API) is limited by it alone.
func TestChannelLimiters(t *testing.T) {
	chat, api := &denyAll{}, &denyAll{}
	b := New(Options{Tables: faq.NewLive(levelsTable(t)), Limiter: chat, ChannelLimiters: map[string]Limiter{"http": api, "cli": nil}})
	ctx := context.Background()
	for _, ch := range []string{"telegram", "http", "cli"} {
		b.Ask(ctx, Message{Channel: ch, UserID: "1", Text: "Is tap water safe to drink in Milan?"})
	}
	if chat.asked != 1 || api.asked != 1 {
		t.Errorf("chat limiter asked %d times, API limiter %d; want 1 each (and none for cli)", chat.asked, api.asked)
	}
}

// What follows "None of these" speaks the language of the question that
// got "did you mean".
func TestNoneOfTheseSpeaksTheQuestionsLanguage(t *testing.T) {
	tb := levelsTable(t)
	b := New(Options{Tables: faq.NewLive(tb)})
	b.match = func(*faq.Table, string) faq.Result {
		return faq.Result{Outcome: faq.Clarify, Confidence: 0.2, Suggestions: []faq.Suggestion{{Entry: tb.Entry("water"), Confidence: 0.2}}, Urgency: faq.UrgencyNone, Language: "es"}
	}
	m := Message{Channel: "telegram", Chat: "5", UserID: "7", Text: "agua del grifo?"}
	b.Ask(context.Background(), m)
	for i, want := range []Kind{KindRephrase, KindNone} {
		r := b.NoneOfThese(context.Background(), m, "")
		if r.Kind != want || !strings.Contains(r.Text, DangerLine("es")) || r.Language != "es" {
			t.Errorf("miss %d: %s %q (%s), want %s with %q", i+1, r.Kind, r.Text, r.Language, want, DangerLine("es"))
		}
	}
}

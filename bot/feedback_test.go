package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/faq"
	"travelbot/internal/testutil"
)

// fakeRecorder keeps what it is given, in memory.
type fakeRecorder struct {
	mu        sync.Mutex
	questions []bot.QuestionRecord
	events    []bot.Event
}

func (f *fakeRecorder) Question(q bot.QuestionRecord) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.questions = append(f.questions, q)
	return fmt.Sprintf("q%d", len(f.questions))
}

func (f *fakeRecorder) Event(e bot.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

func (f *fakeRecorder) eventsOf(kind bot.EventKind) []bot.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []bot.Event
	for _, e := range f.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func recordingBot(t *testing.T) (*bot.Bot, *fakeRecorder, *testutil.Clock) {
	t.Helper()
	rec := &fakeRecorder{}
	clk := testutil.NewClock(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ)), Recorder: rec, Now: clk.Now})
	return b, rec, clk
}

func TestAskRecordsQuestions(t *testing.T) {
	b, rec, _ := recordingBot(t)
	ctx := context.Background()
	tests := []struct {
		name, channel, text string
		wantID              bool
		outcome, entry      string
	}{
		{"answer over telegram", "telegram", "Is tap water safe to drink in Milan?", true, "answer", "water"},
		{"out of scope over discord", "discord", "who won the super bowl in 1990", true, "none", ""},
		{"http", "http", "which airport is closest to cortina", true, "answer", "airport"},
		{"the terminal is not recorded", "cli", "Is tap water safe to drink in Milan?", false, "", ""},
	}
	for _, tt := range tests {
		before := len(rec.questions)
		r := b.Ask(ctx, bot.Message{Channel: tt.channel, UserID: "u1", Chat: "c1", ChatKind: "private", Text: tt.text})
		if (r.QuestionID != "") != tt.wantID {
			t.Errorf("%s: QuestionID = %q, want set: %v", tt.name, r.QuestionID, tt.wantID)
		}
		if !tt.wantID {
			if len(rec.questions) != before {
				t.Errorf("%s: recorded %d questions, want none", tt.name, len(rec.questions)-before)
			}
			continue
		}
		if len(rec.questions) != before+1 {
			t.Errorf("%s: recorded %d questions, want 1", tt.name, len(rec.questions)-before)
			continue
		}
		q := rec.questions[before]
		if q.Outcome != tt.outcome || q.Entry != tt.entry || q.Text != tt.text || q.Channel != tt.channel ||
			q.ChatKind != "private" || q.Chat != "c1" || q.UserID != "u1" || q.FAQVersion == "" || q.Time.IsZero() || q.Language == "" || q.Urgency == "" {
			t.Errorf("%s: recorded %+v", tt.name, q)
		}
		if tt.outcome == "answer" && (len(q.Candidates) != 1 || q.Candidates[0].Entry != tt.entry) {
			t.Errorf("%s: candidates = %+v", tt.name, q.Candidates)
		}
	}
	// Small talk is not a question the FAQ lacks.
	before := len(rec.questions)
	if r := b.Ask(ctx, bot.Message{Channel: "telegram", UserID: "u1", Text: "thanks!"}); r.QuestionID != "" || len(rec.questions) != before {
		t.Errorf("small talk recorded: %+v", r)
	}
	// A blank question is help, not a question to learn from.
	before = len(rec.questions)
	if r := b.Ask(ctx, bot.Message{Channel: "telegram", UserID: "u1", Text: "  "}); r.QuestionID != "" || len(rec.questions) != before {
		t.Errorf("blank question recorded: %+v", r)
	}
}

func TestAskWithoutRecorderHasNoQuestionID(t *testing.T) {
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	if r := b.Ask(context.Background(), bot.Message{Channel: "telegram", UserID: "u", Text: "Is tap water safe to drink in Milan?"}); r.QuestionID != "" {
		t.Errorf("QuestionID = %q without a recorder", r.QuestionID)
	}
	if r := b.Feedback(context.Background(), bot.Message{Channel: "telegram", UserID: "u"}, "q1", bot.VoteDown); r.Kind != bot.KindFeedback || r.AwaitsNote() {
		t.Errorf("Feedback without recorder = %+v", r)
	}
}

func TestFeedbackOncePerUserPerQuestion(t *testing.T) {
	b, rec, _ := recordingBot(t)
	ctx := context.Background()
	alice := bot.Message{Channel: "telegram", UserID: "alice", Chat: "1"}
	bob := bot.Message{Channel: "telegram", UserID: "bob", Chat: "1"}
	if r := b.Feedback(ctx, alice, "q1", bot.VoteUp); r.Kind != bot.KindFeedback || r.AwaitsNote() {
		t.Errorf("first vote = %+v", r)
	}
	dup := b.Feedback(ctx, alice, "q1", bot.VoteDown)
	if dup.AwaitsNote() || !strings.Contains(dup.Text, "already") {
		t.Errorf("second vote = %+v, want an 'already' acknowledgement", dup)
	}
	b.Feedback(ctx, bob, "q1", bot.VoteUp)
	b.Feedback(ctx, alice, "q2", bot.VoteUp)
	votes := rec.eventsOf(bot.EventVote)
	if len(votes) != 3 {
		t.Fatalf("votes recorded = %+v, want 3 (alice q1, bob q1, alice q2)", votes)
	}
	if votes[0].Vote != bot.VoteUp || votes[0].QuestionID != "q1" || votes[0].UserID != "alice" {
		t.Errorf("first vote recorded as %+v", votes[0])
	}
	for _, bad := range []struct {
		id   string
		vote bot.Vote
	}{{"", bot.VoteUp}, {"q3", "sideways"}} {
		if r := b.Feedback(ctx, alice, bad.id, bad.vote); r.Kind != bot.KindFeedback || r.Text == "" {
			t.Errorf("Feedback(%q, %q) = %+v", bad.id, bad.vote, r)
		}
	}
	if n := len(rec.eventsOf(bot.EventVote)); n != 3 {
		t.Errorf("invalid votes recorded: %d votes", n)
	}
}

func TestThumbsDownTakesTheNextMessageAsNote(t *testing.T) {
	b, rec, clk := recordingBot(t)
	ctx := context.Background()
	m := bot.Message{Channel: "telegram", UserID: "alice", Chat: "chat-1", ChatKind: "private"}
	first := b.Ask(ctx, withText(m, "who won the super bowl in 1990"))
	r := b.Feedback(ctx, m, first.QuestionID, bot.VoteDown)
	if !r.AwaitsNote() || !strings.Contains(r.Text, "What were you looking for?") {
		t.Fatalf("👎 = %+v, want the note question", r)
	}
	// Someone else in another chat does not answer for alice.
	b.Ask(ctx, bot.Message{Channel: "telegram", UserID: "alice", Chat: "chat-2", Text: "which airport is closest to cortina"})
	if n := len(rec.eventsOf(bot.EventNote)); n != 0 {
		t.Fatalf("a message in another chat was taken as the note (%d notes)", n)
	}
	reply := b.Ask(ctx, withText(m, "is the tap water ok to drink"))
	if reply.Kind != bot.KindAnswer || reply.ID != "water" {
		t.Errorf("the note was not answered: %+v", reply)
	}
	notes := rec.eventsOf(bot.EventNote)
	if len(notes) != 1 || notes[0].QuestionID != first.QuestionID || notes[0].Text != "is the tap water ok to drink" {
		t.Fatalf("notes = %+v", notes)
	}
	// The note is taken once.
	b.Ask(ctx, withText(m, "which airport is closest to cortina"))
	if n := len(rec.eventsOf(bot.EventNote)); n != 1 {
		t.Errorf("notes = %d after a second message, want 1", n)
	}

	// Past NoteWindow the next message is only a question.
	second := b.Ask(ctx, withText(m, "what about the weather"))
	b.Feedback(ctx, m, second.QuestionID, bot.VoteDown)
	clk.Advance(bot.NoteWindow + time.Second)
	b.Ask(ctx, withText(m, "which airport is closest to cortina"))
	if n := len(rec.eventsOf(bot.EventNote)); n != 1 {
		t.Errorf("a message after the window was taken as a note (%d notes)", n)
	}
}

func TestFeedbackWithInlineNote(t *testing.T) {
	b, rec, _ := recordingBot(t)
	r := b.Feedback(context.Background(), bot.Message{Channel: "http", UserID: "ip", Text: "the train strike\x00 schedule"}, "q9", bot.VoteDown)
	if r.AwaitsNote() {
		t.Errorf("a vote with its note awaits another: %+v", r)
	}
	notes := rec.eventsOf(bot.EventNote)
	if len(notes) != 1 || notes[0].Text != "the train strike  schedule" || notes[0].QuestionID != "q9" {
		t.Errorf("notes = %+v", notes)
	}
}

func TestPickRecordsTheChoice(t *testing.T) {
	b, rec, _ := recordingBot(t)
	r := b.Pick(context.Background(), bot.Message{Channel: "discord", UserID: "u", QuestionID: "q7", Text: "airport"}, "airport")
	picks := rec.eventsOf(bot.EventPick)
	if len(picks) != 1 || picks[0].Entry != "airport" || picks[0].QuestionID != "q7" {
		t.Errorf("picks = %+v", picks)
	}
	if r.QuestionID != "q7" {
		t.Errorf("picked answer carries QuestionID %q, want q7", r.QuestionID)
	}
	// A pick with no question behind it (autocomplete) records nothing.
	b.Pick(context.Background(), bot.Message{Channel: "discord", UserID: "u"}, "water")
	if n := len(rec.eventsOf(bot.EventPick)); n != 1 {
		t.Errorf("picks = %d, want 1", n)
	}
}

func TestPrivacyNote(t *testing.T) {
	tests := []struct {
		retention time.Duration
		want      string
	}{
		{30 * 24 * time.Hour, "30 days"},
		{24 * time.Hour, "1 day"},
		{12 * time.Hour, "12 hours"},
		{0, "no question text"},
	}
	for _, tt := range tests {
		if got := bot.PrivacyNote(tt.retention); !strings.Contains(got, tt.want) || strings.Count(got, ". ") > 0 {
			t.Errorf("PrivacyNote(%v) = %q, want one sentence with %q", tt.retention, got, tt.want)
		}
	}
}

func TestParseVote(t *testing.T) {
	for in, want := range map[string]bot.Vote{"up": bot.VoteUp, "👍": bot.VoteUp, "down": bot.VoteDown, "👎": bot.VoteDown, "": "", "UP!": ""} {
		got, ok := bot.ParseVote(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseVote(%q) = %q, %v", in, got, ok)
		}
	}
}

func withText(m bot.Message, text string) bot.Message {
	m.Text = text
	return m
}

func TestHelpSaysWhatIsKept(t *testing.T) {
	tests := []struct {
		name string
		o    bot.Options
		want string
	}{
		{"recorded", bot.Options{Recorder: &fakeRecorder{}, Retention: 30 * 24 * time.Hour}, "30 days"},
		{"counts only", bot.Options{Recorder: &fakeRecorder{}}, "no question text"},
		{"not recorded", bot.Options{}, ""},
	}
	for _, tt := range tests {
		tt.o.Tables = faq.NewLive(table(t, testFAQ))
		b := bot.New(tt.o)
		for _, cmd := range []string{"/start", "/help"} {
			text := b.Handle(context.Background(), bot.Message{Channel: "telegram", UserID: "u", Text: cmd}).Text
			if tt.want == "" {
				if strings.Contains(text, "keep") {
					t.Errorf("%s: %s mentions keeping questions: %q", tt.name, cmd, text)
				}
			} else if !strings.Contains(text, tt.want) {
				t.Errorf("%s: %s = %q, want it to say %q", tt.name, cmd, text, tt.want)
			}
		}
	}
}

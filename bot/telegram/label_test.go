package telegram_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"travelbot/bot"
	"travelbot/bot/telegram"
)

// A button label too long for a button is cut at a word boundary, not in
// the middle of a word ("… and sh…" once).
func TestLongLabelsAreCutBetweenWords(t *testing.T) {
	questions := []string{
		"What is STEP (the Smart Traveler Enrollment Program) and should I enroll?",
		"What is the memorandum of understanding between DSS and the U.S. Olympic and Paralympic Committee?",
		"Can the U.S. consulate help with a lost passport, an arrest, illness or a crime?",
	}
	r := bot.Reply{Kind: bot.KindTopics, Text: "Topics"}
	for i, q := range questions {
		r.Choices = append(r.Choices, bot.Choice{ID: string(rune('a' + i)), Question: q})
	}
	_, labels := telegram.RenderHTML(r)
	if len(labels) != len(questions) {
		t.Fatalf("got %d labels, want %d", len(labels), len(questions))
	}
	for i, l := range labels {
		kept, cut := strings.CutSuffix(l, "…")
		if !cut || !strings.HasPrefix(questions[i], kept) {
			t.Errorf("label %q: want a cut prefix of %q", l, questions[i])
			continue
		}
		rest := questions[i][len(kept):]
		last, _ := utf8.DecodeLastRuneInString(kept)
		next, _ := utf8.DecodeRuneInString(rest)
		if inWord(last) && inWord(next) {
			t.Errorf("label %q cuts a word: %q follows", l, rest)
		}
		if n := len(utf16.Encode([]rune(l))); n > 60 {
			t.Errorf("label %q is %d units, over 60", l, n)
		}
	}
}

func inWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

package seeds_test

import (
	"testing"

	"travelbot/faq"
	"travelbot/internal/testutil/seedfaq"
)

// Travelers in the Games' other languages find the consulate and passport
// help by the word they know ("¿dónde está el consulado?" once got the
// fallback). The synonyms carry the word; the FAQ stays in English.
func TestConsulateInOtherLanguages(t *testing.T) {
	tb := seedfaq.Table(t)
	tests := []struct{ q, want string }{
		{"dónde está el consulado", "consulate-milan"},
		{"wo ist das konsulat", "consulate-milan"},
		{"où est le consulat américain", "consulate-milan"},
		{"onde fica o consulado americano", "consulate-milan"},
		{"perdí mi pasaporte", "citizen-services"},
		{"j'ai perdu mon passeport", "citizen-services"},
		{"ich habe meinen reisepass verloren", "citizen-services"},
	}
	for _, tt := range tests {
		res := tb.Match(tt.q)
		got := ""
		if res.Entry != nil {
			got = res.Entry.ID
		}
		if res.Outcome != faq.Answer || got != tt.want {
			t.Errorf("%q: %s %q (%.2f), want the answer %s", tt.q, res.Outcome, got, res.Confidence, tt.want)
		}
	}
}

package faq_test

import (
	"testing"

	"travelbot/faq"
	"travelbot/internal/testutil/seedfaq"
)

// exactFAQ has phrasings that start or end with the words a question's
// courtesy trimming drops ("a", "to", "there", "one", "good", "in"...):
// the exact-phrase map holds them whole, so the lookup must too.
const exactFAQ = `version: 1
entries:
  - id: ask
    question: New way to ask?
    alternates:
      - a way to ask
      - a lot of ways to ask
    answer: Ask.
  - id: getting-there
    question: How do I get there?
    alternates:
      - how to get there
      - one way to get to cortina
    answer: By train.
  - id: food
    question: Good places to eat in Milan
    alternates:
      - good food near the stadium
      - in case the restaurants are closed
    answer: Near the Duomo.
  - id: tickets
    question: Where do I buy tickets for the hockey final?
    alternates:
      - tickets for the final please
    answer: Online.
`

// TestExactPhrasingsAnswerWithConfidenceOne: every question and alternate
// of an FAQ, asked as written, is answered by its own entry with
// confidence 1, whatever words it starts or ends with.
func TestExactPhrasingsAnswerWithConfidenceOne(t *testing.T) {
	f, err := faq.Parse("exact.yaml", []byte(exactFAQ))
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, mustCompile(t, f), f)
	checkExact(t, seedfaq.Table(t), seedfaq.Document(t))
}

func checkExact(t *testing.T, tb *faq.Table, f *faq.Document) {
	t.Helper()
	for _, e := range f.Entries {
		for _, p := range append([]string{e.Question}, e.Alternates...) {
			res := tb.Match(p)
			if res.Emergency {
				continue // an urgent message gets the emergency entry, whatever it matched
			}
			if res.Outcome != faq.Answer || res.Entry == nil || res.Entry.ID != e.ID || res.Confidence != 1 {
				id := ""
				if res.Entry != nil {
					id = res.Entry.ID
				}
				t.Errorf("Match(%q) = %v %q at %.2f, want %s at 1 (its own phrasing)", p, res.Outcome, id, res.Confidence, e.ID)
			}
		}
	}
}

// TestExactPhrasingWithCourtesy: courtesy words around an exact phrasing
// ("hi", "please", "thanks") still find it exactly.
func TestExactPhrasingWithCourtesy(t *testing.T) {
	f, err := faq.Parse("exact.yaml", []byte(exactFAQ))
	if err != nil {
		t.Fatal(err)
	}
	tb := mustCompile(t, f)
	for q, want := range map[string]string{
		"hi, new way to ask please":    "ask",
		"how to get there thanks":      "getting-there",
		"hello! tickets for the final": "tickets",
	} {
		res := tb.Match(q)
		if res.Outcome != faq.Answer || res.Entry == nil || res.Entry.ID != want || res.Confidence != 1 {
			t.Errorf("Match(%q) = %v at %.2f, want %s at 1", q, res.Outcome, res.Confidence, want)
		}
	}
}

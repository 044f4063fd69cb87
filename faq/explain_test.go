package faq

import (
	"slices"
	"testing"
)

func TestExplain(t *testing.T) {
	f, err := Parse("explain.yaml", []byte(`version: 1
entries:
  - id: passport
    question: "What do I do if I lose my passport?"
    alternates: ["lost passport", "my passport was stolen"]
    answer: "Go to the consulate for an emergency passport."
  - id: tickets
    question: "Where do I buy tickets for the Games?"
    alternates: ["buy olympic tickets", "ticket office"]
    answer: "On the official ticketing site."
  - id: weather
    question: "How cold is it in Cortina in February?"
    alternates: ["cortina temperature", "what to wear for the cold"]
    answer: "Well below freezing at night."
`))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		question, best, nearest string
		unknown                 []string
	}{
		{"my passport was stolen on the train", "passport", "my passport was stolen", []string{"train"}},
		{"where can I buy tickets", "tickets", "Where do I buy tickets for the Games?", nil},
		{"zebra xylophone stolen passport", "passport", "my passport was stolen", []string{"zebra", "xylophone"}},
	}
	for _, tc := range tests {
		ex := tab.Explain(tc.question, 5)
		if m := tab.Match(tc.question); m.Outcome != ex.Result.Outcome || m.Confidence != ex.Result.Confidence {
			t.Errorf("%q: Explain's result %v %.3f differs from Match's %v %.3f", tc.question, ex.Result.Outcome, ex.Result.Confidence, m.Outcome, m.Confidence)
		}
		if len(ex.Candidates) != 3 {
			t.Errorf("%q: %d candidates, want all 3 (n is capped by the table)", tc.question, len(ex.Candidates))
			continue
		}
		if c := ex.Candidates[0]; c.Entry.ID != tc.best || c.Nearest != tc.nearest {
			t.Errorf("%q: best %s nearest %q, want %s nearest %q", tc.question, c.Entry.ID, c.Nearest, tc.best, tc.nearest)
		}
		for i := 1; i < len(ex.Candidates); i++ {
			if ex.Candidates[i].Confidence > ex.Candidates[i-1].Confidence {
				t.Errorf("%q: candidates not best first: %v", tc.question, ex.Candidates)
			}
		}
		if !slices.Equal(ex.Unknown, tc.unknown) {
			t.Errorf("%q: unknown words %q, want %q", tc.question, ex.Unknown, tc.unknown)
		}
	}
	if ex := tab.Explain("", 5); len(ex.Candidates) != 0 || ex.Result.Outcome != None {
		t.Errorf("an empty question: %+v", ex)
	}
}

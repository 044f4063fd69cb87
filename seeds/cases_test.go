package seeds_test

import (
	"testing"

	"travelbot/faq"
	"travelbot/seeds"
)

// TestDefaultFAQCases runs the regression questions in cases.yaml against
// the default FAQ. They were written independently of the FAQ's phrasings;
// the floors sit a little under what the matcher scores today.
func TestDefaultFAQCases(t *testing.T) {
	f, err := faq.Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := faq.ParseCases("seeds/cases.yaml", seeds.Cases)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := faq.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	r, err := faq.Evaluate(tb, cases)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases: in-scope %.3f, oos recall %.3f, emergency recall %.3f, clarify %.3f",
		r.Cases, r.InScopeAccuracy, r.OOSRecall, r.EmergencyRecall, r.ClarifyRate)
	if r.InScopeAccuracy < 0.92 || r.OOSRecall < 0.9 || r.EmergencyRecall < 0.97 {
		for _, e := range r.Errors {
			t.Logf("line %d: %q: expected %s, got %s %s (%.2f)", e.Line, e.Question, e.Expect, e.Outcome, e.Got, e.Confidence)
		}
		t.Errorf("default FAQ regressed: in-scope %.3f (floor 0.92), oos recall %.3f (floor 0.9), emergency recall %.3f (floor 0.97)",
			r.InScopeAccuracy, r.OOSRecall, r.EmergencyRecall)
	}
}

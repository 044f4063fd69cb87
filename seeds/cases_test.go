package seeds_test

import (
	"testing"

	"travelbot/faq"
	"travelbot/internal/testutil"
	"travelbot/internal/testutil/seedfaq"
	"travelbot/seeds"
)

// TestDefaultFAQCases runs the regression questions in cases.yaml against
// the default FAQ. They were written independently of the FAQ's phrasings;
// the floors sit a little under what the matcher scores today.
func TestDefaultFAQCases(t *testing.T) {
	testutil.SkipHeavy(t, "the default FAQ's accuracy cases")
	cases, err := faq.ParseCases("seeds/cases.yaml", seeds.Cases)
	if err != nil {
		t.Fatal(err)
	}
	r, err := faq.Evaluate(seedfaq.Table(t), cases)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases, clarify %.3f", r.Cases, r.ClarifyRate)
	held := testutil.CheckFloors(t, "default FAQ",
		testutil.Floor{Name: "in-scope", Got: r.InScopeAccuracy, Min: 0.92},
		testutil.Floor{Name: "oos recall", Got: r.OOSRecall, Min: 0.9},
		testutil.Floor{Name: "emergency recall", Got: r.EmergencyRecall, Min: 0.97})
	if !held {
		for _, e := range r.Errors {
			t.Logf("line %d: %q: expected %s, got %s %s (%.2f)", e.Line, e.Question, e.Expect, e.Outcome, e.Got, e.Confidence)
		}
	}
}

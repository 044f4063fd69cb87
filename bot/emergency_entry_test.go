package bot

import (
	"context"
	"testing"

	"travelbot/faq"
)

// A message the matcher answers with the emergency entry is never held back
// by the rate limit, even when the detector gives it no emergency level
// ("I'm having a heart attack" matched the entry at level none, and a user
// over the limit got "You're asking faster than I can keep up").
func TestEmergencyEntryIsNeverRateLimited(t *testing.T) {
	tb := levelsTable(t)
	lim := &denyAll{}
	b := New(Options{Tables: faq.NewLive(tb), Limiter: lim})
	b.match = func(*faq.Table, string) faq.Result {
		return faq.Result{Outcome: faq.Answer, Entry: tb.Entry("emergency"), Confidence: 0.9, Urgency: faq.UrgencyNone, Language: "en"}
	}
	r := b.Ask(context.Background(), Message{Channel: "telegram", UserID: "1", Text: "I'm having a heart attack"})
	if r.Kind != KindAnswer || r.ID != "emergency" {
		t.Errorf("reply %s %q (%q), want the emergency entry", r.Kind, r.ID, r.Text)
	}
	if lim.asked != 0 {
		t.Errorf("the rate limit was consulted %d times for the emergency entry", lim.asked)
	}
}

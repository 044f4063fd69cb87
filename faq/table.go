package faq

// Outcome is what a match decided.
type Outcome string

// The three outcomes of Match.
const (
	// Answer: one entry, confidently.
	Answer Outcome = "answer"
	// Clarify: plausible but unsure; Result.Suggestions holds the best two or three.
	Clarify Outcome = "clarify"
	// None: out of scope; nothing is close.
	None Outcome = "none"
)

// Urgency grades how much a message reads like an emergency in progress.
type Urgency string

// The three levels of Urgency.
const (
	// UrgencyNone: nothing in the message suggests danger.
	UrgencyNone Urgency = "none"
	// UrgencyPossible: a signal of danger, not a certain one. Callers
	// answer or clarify as usual with a one-line "call 112" first.
	UrgencyPossible Urgency = "possible"
	// UrgencyUrgent: an emergency in progress. The reply is routed to the
	// emergency entry (or the built-in 112 line) and Result.Emergency is set.
	UrgencyUrgent Urgency = "urgent"
)

// Result is the outcome of matching one question. Entry is set for Answer;
// Suggestions for Clarify (best first). Emergency reports that the reply is
// routed as an emergency, whatever the outcome: callers lead with 112.
type Result struct {
	Outcome     Outcome
	Entry       *Entry
	Confidence  float64
	Suggestions []Suggestion
	Emergency   bool
	// Urgency is the emergency level of the message; Emergency is true
	// exactly when the reply is routed as urgent.
	Urgency Urgency
	// Language is the ISO 639-1 code of the language the message seems to
	// be written in ("en", "it", "es", "fr", "de", "pt", "zh", "ja"), or
	// "en" when unsure.
	Language string
}

// Suggestion is a candidate entry with its confidence.
type Suggestion struct {
	Entry      *Entry
	Confidence float64
}

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

// Result is the outcome of matching one question. Entry is set for Answer;
// Suggestions for Clarify (best first). Emergency reports that the question
// reads like an emergency, whatever the outcome: callers lead with 112.
type Result struct {
	Outcome     Outcome
	Entry       *Entry
	Confidence  float64
	Suggestions []Suggestion
	Emergency   bool
}

// Suggestion is a candidate entry with its confidence.
type Suggestion struct {
	Entry      *Entry
	Confidence float64
}

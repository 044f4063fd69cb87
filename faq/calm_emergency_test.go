package faq

import (
	"sync"
	"testing"

	"travelbot/faq/emergency"
	"travelbot/seeds"
)

// calmSeedTable is the default FAQ compiled once for these tests (an
// internal test cannot use the seedfaq helper, which imports this package).
var calmSeedTable = sync.OnceValues(func() (*Table, error) {
	f, err := Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		return nil, err
	}
	return Compile(f)
})

func calmTable(t *testing.T) *Table {
	t.Helper()
	tb, err := calmSeedTable()
	if err != nil {
		t.Fatal(err)
	}
	if tb.Emergency() == nil || tb.m.emergency < 0 || tb.m.classes[tb.m.emergency] != tb.Emergency() {
		t.Fatal("the default FAQ's emergency entry is not the matcher's emergency class")
	}
	return tb
}

// TestCalmQuestionsGetNoEmergencyAnswer: everyday questions that share a
// word or two with the emergency entry's phrasings (phone, fire, hotel,
// police) and that the detector finds calm are not answered "Call 112 now".
// Each of these was, at 0.26-0.49, before a one-word answer was discounted
// and the out-of-scope class, when likeliest, declined.
func TestCalmQuestionsGetNoEmergencyAnswer(t *testing.T) {
	tb := calmTable(t)
	for _, q := range []string{
		"I got a brand new phone",
		"the fire exit sign",
		"where is the fire station",
		"my phone screen cracked",
		"my new phone case",
		"my phone battery died",
		"does my hotel have wifi",
		"is there a police museum in milan",
	} {
		if l := emergency.Default().Detect(q).Level; l != emergency.None {
			t.Errorf("%q: the detector grades it %v; this test is about calm messages", q, l)
			continue
		}
		if r := tb.Match(q); r.Outcome == Answer && r.Entry == tb.Emergency() {
			t.Errorf("%q: answered with the emergency entry at %.2f", q, r.Confidence)
		}
	}
}

// TestEmergencyServiceQuestionsStillAnswered: calm questions about reaching
// the emergency services are the emergency entry's, one word or not.
func TestEmergencyServiceQuestionsStillAnswered(t *testing.T) {
	tb := calmTable(t)
	for _, q := range []string{
		"what number do I call for the fire brigade",
		"how do I reach the police in Milan",
		"who do I call for an ambulance",
		"is 112 free from a cell phone",
		"how do I call the fire department",
		"phone number for the police",
		"what do I do in an emergency in Cortina",
		// one shared word, but the word of the entry's own question: the
		// calm discount does not apply
		"if there is ever an emergency on the trip what is the first thing to do",
		"emergency over there, what comes first",
		"what do we do first in an emergency abroad",
	} {
		if r := tb.Match(q); r.Outcome != Answer || r.Entry != tb.Emergency() {
			t.Errorf("%q: got %v %v at %.2f, want the emergency entry", q, r.Outcome, entryID(r.Entry), r.Confidence)
		}
	}
}

func entryID(e *Entry) string {
	if e == nil {
		return "no entry"
	}
	return e.ID
}

// TestOneWord pins what "rests on one word" means: at most one of the
// question's distinct content words in the entry's phrasings, and other
// content words besides.
func TestOneWord(t *testing.T) {
	tb := calmTable(t)
	em := tb.m.emergency
	for _, c := range []struct {
		q    string
		want bool
	}{
		{"I got a brand new phone", true},            // phone; brand, new are not the entry's
		{"phone phone phone brand", true},            // a word counts once
		{"phone", false},                             // the whole question
		{"how do I call the fire department", false}, // call, fire, department
		{"where is the fire station", false},         // fire, station (two words: not this rule's)
		{"xqzzy blorft", true},                       // nothing shared
	} {
		an := tb.m.a.analyzeQuery(c.q)
		if got := tb.m.oneWord(an, em); got != c.want {
			shared, content := tb.m.support(an, em)
			t.Errorf("%q: oneWord = %v (%d of %d content words shared), want %v", c.q, got, shared, content, c.want)
		}
	}
}

// TestEntryConfidenceOneWord: a one-word entry's confidence is at most the
// coverage-discounted lead over chance, strictly less when the question's
// other words are known to the FAQ, and the emergency entry's is lower
// still when the detector found the message calm.
func TestEntryConfidenceOneWord(t *testing.T) {
	tb := calmTable(t)
	m := tb.m
	em := m.emergency
	an := m.a.analyzeQuery("the fire exit sign") // fire: the entry's; sign: STEP's
	if !m.oneWord(an, em) || an.unknown >= an.content {
		t.Fatalf("premise: want a one-word question with a known word besides (content %d, unknown %d)", an.content, an.unknown)
	}
	s := scored{class: em, prob: 0.7}
	cov := coverage(an)
	plain := m.confidence(s.prob, cov)
	urgentish := m.entryConfidence(an, s, cov, false)
	calm := m.entryConfidence(an, s, cov, true)
	if !(urgentish < plain) {
		t.Errorf("one-word confidence %.3f, want below the plain %.3f", urgentish, plain)
	}
	if !(calm < urgentish) {
		t.Errorf("calm emergency confidence %.3f, want below %.3f", calm, urgentish)
	}
	// a well-supported question keeps the plain confidence, calm or not
	an = m.a.analyzeQuery("how do I call the fire department")
	cov = coverage(an)
	if got, want := m.entryConfidence(an, s, cov, true), m.confidence(s.prob, cov); got != want {
		t.Errorf("supported question: confidence %.3f, want the plain %.3f", got, want)
	}
}

// TestOutOfScopeLikeliestDeclines: when the out-of-scope class is likelier
// than every entry, the question is declined even below the 0.5 that
// declines it outright, and even when the entry's confidence alone would
// answer.
func TestOutOfScopeLikeliestDeclines(t *testing.T) {
	tb := calmTable(t)
	an := tb.m.a.analyzeQuery("where is the fire station")
	if _, ok := tb.m.exactClass(an); ok {
		t.Fatal("premise: the question must not be an exact phrasing")
	}
	ranked := []scored{{tb.m.emergency, 0.45}, {1, 0.05}}
	if r := tb.decide(an, ranked, 0.30, emergency.None); r.Outcome != Answer {
		t.Fatalf("entry likeliest: got %v at %.2f, want an answer (the contrast case)", r.Outcome, r.Confidence)
	}
	if r := tb.decide(an, ranked, 0.46, emergency.None); r.Outcome != None {
		t.Errorf("out of scope likeliest: got %v %v at %.2f, want none", r.Outcome, entryID(r.Entry), r.Confidence)
	}
}

// TestPossibleRouteNeedsMoreThanOneWord: a possible emergency that the
// classifier would clarify gets the emergency entry when the entry is its
// best guess on two words or more, not on one.
func TestPossibleRouteNeedsMoreThanOneWord(t *testing.T) {
	tb := calmTable(t)
	em := tb.m.emergency
	clarify := Result{Outcome: Clarify, Confidence: 0.2}
	ranked := []scored{{em, 0.5}, {1, 0.1}}
	one := tb.m.a.analyzeQuery("my phone is broken")
	if !tb.m.oneWord(one, em) {
		t.Fatal("premise: want a one-word question")
	}
	if r := tb.applyEmergency(clarify, emergency.Possible, one, ranked); r.Outcome == Answer {
		t.Errorf("one word: got the emergency entry at %.2f, want the clarification kept", r.Confidence)
	}
	two := tb.m.a.analyzeQuery("my friend is hurt and bleeding")
	if tb.m.oneWord(two, em) {
		t.Fatal("premise: want a question the entry shares two words with")
	}
	if r := tb.applyEmergency(clarify, emergency.Possible, two, ranked); r.Outcome != Answer || r.Entry != tb.Emergency() {
		t.Errorf("two words: got %v %v, want the emergency entry", r.Outcome, entryID(r.Entry))
	}
	if r := tb.applyEmergency(clarify, emergency.Possible, one, ranked); r.Urgency != UrgencyPossible {
		t.Errorf("the level is carried either way: got %q", r.Urgency)
	}
}

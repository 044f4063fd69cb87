package faq

import (
	"strings"

	"travelbot/faq/emergency"
)

// Emergencies are told by their own detector (package emergency), trained
// on a corpus of messages in eight languages, not by the FAQ: it must work
// on any FAQ, including one with no emergency entry, and it must not be
// talked out of an emergency by a classifier that has seen few of them. It
// reads the whole message; the intent classifier reads its first
// maxClassifiedRunes runes.

// maxClassifiedRunes bounds what the intent classifier reads of a message:
// a question is in its first sentences, an emergency may be in its last.
const maxClassifiedRunes = 1000

// firstRunes returns s cut to at most n runes.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// possibleFloor: a possible emergency that the classifier would decline
// gets the emergency entry when the entry is the classifier's best guess,
// on more than one of the message's words, with at least this share of the
// clarify threshold.
const possibleFloor = 0.5

// urgencyOf maps the detector's level to the Result's.
func urgencyOf(l emergency.Level) Urgency {
	switch l {
	case emergency.Urgent:
		return UrgencyUrgent
	case emergency.Possible:
		return UrgencyPossible
	}
	return UrgencyNone
}

// applyEmergency applies the detector's level to the classifier's result:
// an urgent message is routed to the emergency entry (or, when the FAQ has
// none, flagged for the built-in 112 line); a possible one keeps its answer
// or clarification and carries the level, so that the caller puts a 112
// line first. Emergency is set exactly when the level is urgent.
func (t *Table) applyEmergency(res Result, level emergency.Level, an analysis, ranked []scored) Result {
	em := t.emergency
	switch level {
	case emergency.Urgent:
		if em != nil && (res.Outcome != Answer || res.Entry != em) {
			res = Result{Outcome: Answer, Entry: em, Confidence: max(res.Confidence, 0.9)}
		}
	case emergency.Possible:
		// a sign of danger, and the emergency entry is the classifier's
		// best guess: better to answer it than to ask or to decline, unless
		// the guess rests on one of the message's words (see oneWord)
		if em != nil && (res.Outcome == Clarify || res.Outcome == None && res.Confidence >= possibleFloor*t.thresholds.Clarify) &&
			len(ranked) > 0 && t.m.classes[ranked[0].class] == em && !t.m.oneWord(an, ranked[0].class) {
			res = Result{Outcome: Answer, Entry: em, Confidence: max(res.Confidence, t.thresholds.Answer)}
		}
	}
	// A question that names the emergency number and that nothing else
	// answers is about the number: "is 112 free from a US phone?"
	if level != emergency.Urgent && em != nil && res.Outcome != Answer && namesEmergencyNumber(an.raw) {
		res = Result{Outcome: Answer, Entry: em, Confidence: max(res.Confidence, t.thresholds.Answer)}
	}
	res.Urgency = urgencyOf(level)
	res.Emergency = level == emergency.Urgent
	return res
}

// namesEmergencyNumber reports whether folded words name the emergency
// number: 112 or 911, or "the emergency number" in one of the detector's
// languages, which the FAQ's English phrasings do not teach the classifier.
func namesEmergencyNumber(words []string) bool {
	for _, w := range words {
		if w == "112" || w == "911" {
			return true
		}
	}
	joined := " " + strings.Join(words, " ") + " "
	for _, p := range emergencyNumberPhrases {
		if strings.Contains(joined, p) {
			return true
		}
	}
	return false
}

// emergencyNumberPhrases are "the emergency number" in the detector's
// languages, folded; words are padded with spaces, CJK runs are not.
var emergencyNumberPhrases = []string{
	" emergency number", " numero di emergenza ", " numero d emergenza ", " numero emergenza ",
	" numero de emergencia ", " numero de urgencia ", " numero d urgence ", " numero durgence ",
	" notruf", " numero da emergencia ",
	"急救电话", "急救号码", "紧急电话", "报警电话", "緊急番号", "緊急通報", "救急の番号", "救急車の番号",
}

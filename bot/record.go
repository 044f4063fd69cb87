package bot

import (
	"fmt"
	"time"

	"travelbot/faq"
)

// Recorder keeps what travelers asked and what happened next, for the
// learning loop (`travelbot review`). The bot calls it on the reply path, so
// both methods must return at once, never block on storage, and be safe for
// concurrent use: an implementation queues and writes elsewhere, and drops
// (and counts) what it cannot queue. It is also where privacy is enforced:
// QuestionRecord.Text, Event.Text and the user ids arrive raw, and the
// Recorder must redact the texts and key-hash the user ids before anything
// leaves the call (before it is even queued).
type Recorder interface {
	// Question records one question and returns its new id, which the
	// reply carries (Reply.QuestionID) so that feedback can refer to it.
	// It returns "" when the question is not recorded.
	Question(q QuestionRecord) string
	// Event records what happened after a question: a vote, a note, a
	// picked suggestion, a "none of these".
	Event(e Event)
}

// QuestionRecord is one question as the bot saw and answered it.
type QuestionRecord struct {
	Time     time.Time
	Channel  string // Message.Channel: "telegram", "discord", "http"
	ChatKind string // Message.ChatKind: "private", "group", "inline", "http"
	// Chat and UserID are raw platform ids; the Recorder keeps at most a
	// keyed hash of them.
	Chat   string
	UserID string
	// Text is the question as matched (cleaned, cut to MaxQuestionRunes),
	// NOT yet redacted: the Recorder redacts it.
	Text string
	// Outcome is "answer", "clarify", "none", or "rate_limited".
	Outcome    string
	Entry      string  // the answered entry, when Outcome is "answer"
	Confidence float64 // the matcher's confidence in its best entry
	// Candidates are the best entries the matcher considered, best first,
	// at most three: the answered entry, or the "did you mean" ones.
	Candidates []Candidate
	Urgency    string // "urgent", "possible", "none"
	Language   string // ISO 639-1
	FAQVersion string // the version of the table that answered
}

// Candidate is an entry the matcher considered for a question.
type Candidate struct {
	Entry      string
	Confidence float64
}

// EventKind says what an Event is.
type EventKind string

// The kinds of event recorded after a question.
const (
	EventVote EventKind = "vote" // 👍 or 👎 on a reply (Event.Vote)
	// EventNote is the traveler's answer to "What were you looking for?"
	// after a 👎, or the note sent with a vote over HTTP (Event.Text).
	EventNote EventKind = "note"
	// EventPick is a "did you mean" suggestion pressed (Event.Entry).
	EventPick EventKind = "pick"
	// EventNoneOfThese is the "None of these" button under "did you mean".
	EventNoneOfThese EventKind = "none_of_these"
)

// Vote is a traveler's verdict on a reply.
type Vote string

// The two votes.
const (
	VoteUp   Vote = "up"   // 👍
	VoteDown Vote = "down" // 👎
)

// ParseVote reads "up" or "down" (also "👍"/"👎"); ok is false otherwise.
func ParseVote(s string) (v Vote, ok bool) {
	switch s {
	case "up", "👍":
		return VoteUp, true
	case "down", "👎":
		return VoteDown, true
	}
	return "", false
}

// Event is something that happened after a recorded question.
type Event struct {
	Time       time.Time
	QuestionID string // Reply.QuestionID of the question it follows
	Kind       EventKind
	Channel    string
	UserID     string // raw; the Recorder keeps a keyed hash
	Vote       Vote   // EventVote
	Entry      string // EventPick: the entry chosen
	// Text is the note (EventNote), raw: the Recorder redacts it.
	Text string
}

// PrivacyNote says in one sentence what the bot keeps and for how long,
// for /start and /help. retention is how long records are kept; zero or
// less means questions are not kept at all (log_questions: false).
func PrivacyNote(retention time.Duration) string {
	if retention <= 0 {
		return "I keep no question text: only counts of questions and votes, with no user ids."
	}
	return fmt.Sprintf("To improve my answers I keep your questions for %s with phone numbers, e-mails and addresses removed and your user id replaced by an unreadable code; 👍/👎 help too.", humanDuration(retention))
}

// humanDuration renders a retention as "30 days", "12 hours".
func humanDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= day && d%day == 0:
		if d == day {
			return "1 day"
		}
		return fmt.Sprintf("%d days", d/day)
	case d >= time.Hour:
		h := int((d + time.Hour/2) / time.Hour)
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	default:
		m := max(1, int(d/time.Minute))
		if m == 1 {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", m)
	}
}

// recorded says whether a message's channel is one whose questions are
// recorded: not the terminal (`ask`, `chat`), which is the operator's own.
func (b *Bot) recorded(m Message) bool {
	return b.recorder != nil && m.Channel != "cli" && m.Channel != ""
}

// record records an event after a question, when a Recorder is set and the
// event belongs to a recorded question. It fills Time when zero. It is
// nil-safe and never blocks: other bot code (NoneOfThese, Pick) calls it
// freely.
func (b *Bot) record(e Event) {
	if b == nil || b.recorder == nil || e.QuestionID == "" || e.Channel == "cli" {
		return
	}
	if e.Time.IsZero() {
		e.Time = b.now()
	}
	b.recorder.Event(e)
}

// recordQuestion records a question and its reply, and returns the id the
// reply should carry ("" when not recorded).
func (b *Bot) recordQuestion(m Message, q string, r Reply, at time.Time, version string) string {
	if !b.recorded(m) {
		return ""
	}
	if r.Outcome == string(faq.None) && smallTalk(q) != "" {
		return "" // "hi", "thanks": nothing the FAQ lacks, nothing to review
	}
	rec := QuestionRecord{
		Time:       at,
		Channel:    m.Channel,
		ChatKind:   m.ChatKind,
		Chat:       m.Chat,
		UserID:     m.UserID,
		Text:       q,
		Entry:      r.ID,
		Confidence: r.Confidence,
		Urgency:    r.Urgency,
		Language:   r.Language,
		FAQVersion: version,
	}
	switch r.Kind {
	case KindRateLimited:
		rec.Text = "" // not matched: nothing to learn from its words
	case KindAnswer:
		rec.Candidates = []Candidate{{Entry: r.ID, Confidence: r.Confidence}}
	case KindClarify:
		for _, s := range r.Suggestions {
			if len(rec.Candidates) == 3 {
				break
			}
			rec.Candidates = append(rec.Candidates, Candidate{Entry: s.ID, Confidence: s.Confidence})
		}
	}
	rec.Outcome = r.OutcomeName()
	return b.recorder.Question(rec)
}

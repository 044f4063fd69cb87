package bot

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// KindFeedback is the reply to a vote: a short acknowledgement that
// adapters show without a new message where they can (Telegram's
// answerCallbackQuery, an update of the Discord message), or the
// "What were you looking for?" question after a 👎 (see Reply.AwaitsNote).
const KindFeedback Kind = "feedback"

// NoteWindow is how long after a 👎 the user's next message in the same chat
// is taken as the answer to "What were you looking for?".
const NoteWindow = 5 * time.Minute

// The feedback copy, in the bot's one voice.
const (
	feedbackThanks    = "Thanks for the feedback!"
	feedbackAskNote   = "Sorry that didn't help. What were you looking for? Tell me in your next message and I'll pass it on to the people who write my answers."
	feedbackNoted     = "Thanks, I've noted what you were looking for."
	feedbackDuplicate = "You already rated this answer. Thanks!"
	feedbackInvalid   = "Sorry, I couldn't record that rating."
)

// Bounds of the feedback caches: enough for a busy Games day, small enough
// to keep memory bounded whatever the traffic.
const (
	maxPendingNotes = 10_000
	maxVotes        = 100_000
	votesRemembered = 24 * time.Hour
)

// feedbackState is the little the bot remembers between a vote and what
// follows it. Both caches are bounded and expire on their own.
type feedbackState struct {
	// pending maps (channel, chat, user) to the question a 👎 asked a note
	// for, and when.
	pending *expirable.LRU[string, pendingNote]
	// voted holds (channel, user, question) already voted on.
	voted *expirable.LRU[string, struct{}]
}

type pendingNote struct {
	questionID string
	at         time.Time
}

func newFeedbackState() *feedbackState {
	return &feedbackState{
		pending: expirable.NewLRU[string, pendingNote](maxPendingNotes, nil, NoteWindow),
		voted:   expirable.NewLRU[string, struct{}](maxVotes, nil, votesRemembered),
	}
}

func chatKey(m Message) string {
	return m.Channel + "\x00" + m.Chat + "\x00" + m.UserID
}

// Feedback records a user's vote on the reply to a recorded question
// (Reply.QuestionID), once per user per question: a second vote is
// acknowledged and not recorded. A 👍 is thanked. A 👎 with a note in
// m.Text (the HTTP API) records the note too; a 👎 without one asks "What
// were you looking for?" and takes that user's next message in the same
// chat (m.Channel, m.Chat) within NoteWindow as the note, which Ask records
// and also answers. The reply's Kind is KindFeedback. Without a Recorder
// nothing is kept and the vote is simply thanked.
func (b *Bot) Feedback(ctx context.Context, m Message, questionID string, vote Vote) Reply {
	r := Reply{Kind: KindFeedback, QuestionID: questionID}
	if questionID == "" || (vote != VoteUp && vote != VoteDown) {
		r.Text = feedbackInvalid
		return r
	}
	if b.recorder == nil || m.Channel == "cli" {
		r.Text = feedbackThanks
		return r
	}
	key := m.Channel + "\x00" + m.UserID + "\x00" + questionID
	if b.feedback.voted.Contains(key) {
		r.Text = feedbackDuplicate
		return r
	}
	b.feedback.voted.Add(key, struct{}{})
	now := b.now()
	b.record(Event{Time: now, QuestionID: questionID, Kind: EventVote, Channel: m.Channel, UserID: m.UserID, Vote: vote})
	switch {
	case vote == VoteUp:
		r.Text = feedbackThanks
	case m.Text != "":
		q, _ := cleanQuestion(m.Text)
		if q != "" {
			b.record(Event{Time: now, QuestionID: questionID, Kind: EventNote, Channel: m.Channel, UserID: m.UserID, Text: q})
		}
		r.Text = feedbackNoted
	default:
		b.feedback.pending.Add(chatKey(m), pendingNote{questionID: questionID, at: now})
		r.Text = feedbackAskNote
	}
	return r
}

// AwaitsNote reports whether r is Feedback's "What were you looking for?"
// after a 👎: the bot now waits for the user's next message in that chat.
// Adapters may send such a reply as a message rather than only a toast,
// since it asks something.
func (r Reply) AwaitsNote() bool {
	return r.Kind == KindFeedback && r.Text == feedbackAskNote
}

// takeNote records m as the note a 👎 asked for, when one is pending for
// that user in that chat and still within NoteWindow.
func (b *Bot) takeNote(m Message, q string) {
	if b.feedback == nil || !b.recorded(m) {
		return
	}
	key := chatKey(m)
	p, ok := b.feedback.pending.Peek(key)
	if !ok {
		return
	}
	b.feedback.pending.Remove(key)
	now := b.now()
	if now.Sub(p.at) > NoteWindow {
		return
	}
	b.record(Event{Time: now, QuestionID: p.questionID, Kind: EventNote, Channel: m.Channel, UserID: m.UserID, Text: q})
}

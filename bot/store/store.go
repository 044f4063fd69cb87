// Package store is the learning loop's record of what travelers asked and
// what happened next, kept so that an admin can review what the FAQ misses
// (`travelbot review`, the admin console) and improve it.
//
// Everything here is already private: question texts are redacted and user
// ids are keyed hashes before a record reaches this package (see
// bot/redact and Hasher). The Store interface is implemented by
// bot/store/sqlite, the embedded default, and bot/store/postgres, for
// several replicas; bot/store/storetest is the contract both must pass.
// What the two run alike (their queries, the reading of rows into records)
// is written once here, in SQL, over a small adapter each store has to its
// driver (DB). The Writer queues and batches writes off the reply path.
//
// The package imports nothing of travelbot's, so that every store, the
// console and the review share it without import cycles.
package store

import (
	"context"
	"errors"
	"time"
)

// Question is one recorded question.
type Question struct {
	ID       string
	Time     time.Time
	Channel  string // "telegram", "discord", "http"
	ChatKind string // "private", "group", "inline", "http"
	// UserHash is a keyed hash of the channel and platform user id
	// (Hasher.User); empty when questions are kept as counts only.
	UserHash string
	// Text is the redacted question; empty when questions are kept as
	// counts only (log_questions: false) or the question was rate limited.
	Text       string
	Outcome    string // "answer", "clarify", "none", "rate_limited"
	Entry      string // the answered entry, or ""
	Confidence float64
	Candidates []Candidate // best first, at most three
	Urgency    string      // "urgent", "possible", "none"
	Language   string
	FAQVersion string
}

// Candidate is an entry the matcher considered, with its confidence.
type Candidate struct {
	Entry      string  `json:"entry"`
	Confidence float64 `json:"confidence"`
}

// The kinds of Event.
const (
	EventVote        = "vote"          // Vote is "up" or "down"
	EventNote        = "note"          // Text is the redacted note
	EventPick        = "pick"          // Entry is the suggestion picked
	EventNoneOfThese = "none_of_these" // the traveler refused every suggestion
)

// The votes.
const (
	VoteUp   = "up"
	VoteDown = "down"
)

// Event is something that happened after a question. A store keeps at most
// one EventVote per (QuestionID, UserHash): later ones are ignored, so a
// traveler votes once per answer even across replicas.
type Event struct {
	QuestionID string
	Time       time.Time
	Kind       string
	UserHash   string
	Vote       string
	Entry      string
	Text       string
}

// Batch is what a Writer flushes at once: one transaction.
type Batch struct {
	Questions []Question
	Events    []Event
}

// Len is the number of records in the batch.
func (b Batch) Len() int { return len(b.Questions) + len(b.Events) }

// Record is a question and the events that followed it, oldest first.
type Record struct {
	Question
	Events []Event
}

// Filter selects records by time: Since inclusive, Until exclusive; a zero
// bound is open.
type Filter struct {
	Since, Until time.Time
}

// Count is the number of questions in one time bucket with one outcome and
// urgency.
type Count struct {
	Start   time.Time // the bucket's start, in UTC
	Outcome string
	Urgency string
	N       int
}

// EntryStats is how often an entry answered and the votes on those answers.
type EntryStats struct {
	Entry   string
	Answers int
	Up      int
	Down    int
}

// Votes are vote totals.
type Votes struct {
	Up, Down int
}

// The states of a cluster Mark.
const (
	MarkPromoted  = "promoted"
	MarkDismissed = "dismissed"
)

// Mark records what an admin did with a review cluster, so that it leaves
// the review.
type Mark struct {
	ClusterID string
	State     string // MarkPromoted, MarkDismissed
	Entry     string // the entry promoted to, or ""
	Negative  bool   // promoted to the FAQ's negatives
	Text      string // the phrasing added
	Time      time.Time
}

// Action is one admin action, for the audit log.
type Action struct {
	Time    time.Time
	Session string // an opaque session id (never a token)
	Action  string // "reload", "promote", "dismiss", "login", ...
	Detail  string
}

// Reload is one attempt to reload the FAQ, for the reload history.
type Reload struct {
	Time     time.Time
	Trigger  string
	OK       bool
	Changed  bool
	Version  string
	Entries  int
	Duration time.Duration
	Problems []string // "file:line:col: message" each
}

// ErrClosed is returned by a Store or Writer used after Close.
var ErrClosed = errors.New("store: closed")

// Store keeps the learning loop's records. Implementations are safe for
// concurrent use, by several processes too where the backend allows it.
// Times are stored with millisecond precision and returned in UTC.
type Store interface {
	// Write stores a batch in one transaction: all of it or, with an
	// error, none. Questions whose ID already exists and second votes of
	// a user on a question are ignored, so a retried batch is harmless.
	Write(ctx context.Context, b Batch) error
	// Purge deletes questions, events, admin actions and reloads from
	// before the given time and returns how many rows went.
	Purge(ctx context.Context, before time.Time) (int64, error)

	// Records returns the questions in f, oldest first, each with its
	// events. Events whose question is unknown are not returned.
	Records(ctx context.Context, f Filter) ([]Record, error)
	// Counts returns question counts per bucket of the given width (a
	// whole number of seconds, at least one) over f, by outcome and
	// urgency, oldest bucket first; empty buckets are absent.
	Counts(ctx context.Context, f Filter, bucket time.Duration) ([]Count, error)
	// TopEntries returns the n entries that answered most in f, most
	// first, ties by entry id, with the votes on those answers.
	TopEntries(ctx context.Context, f Filter, n int) ([]EntryStats, error)
	// Votes returns the vote totals on questions in f.
	Votes(ctx context.Context, f Filter) (Votes, error)

	// Mark records what was done with a review cluster, replacing any
	// earlier mark of it.
	Mark(ctx context.Context, m Mark) error
	// Marks returns every cluster mark, oldest first.
	Marks(ctx context.Context) ([]Mark, error)

	// RecordAction appends to the admin audit log.
	RecordAction(ctx context.Context, a Action) error
	// Actions returns the latest n admin actions, newest first.
	Actions(ctx context.Context, n int) ([]Action, error)
	// RecordReload appends to the reload history.
	RecordReload(ctx context.Context, r Reload) error
	// Reloads returns the latest n reloads, newest first.
	Reloads(ctx context.Context, n int) ([]Reload, error)

	// Close releases the store. Later calls return ErrClosed.
	Close() error
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"
	"unicode/utf8"

	"travelbot/bot"
	"travelbot/bot/redact"
	"travelbot/bot/store"
	"travelbot/config"
)

// recorder is the bot's Recorder over a store.Writer: it redacts texts and
// hashes user ids on the caller's goroutine, so nothing private is ever
// queued, then queues without blocking. With logText false (log_questions:
// false) it keeps outcomes and votes only: no text, no user hash, no notes.
type recorder struct {
	w       *store.Writer
	h       *store.Hasher
	logText bool
	// feedback, when set, counts every vote taken (metrics).
	feedback func(channel string, v bot.Vote)
}

var _ bot.Recorder = (*recorder)(nil)

// newQuestionID returns 16 random hex digits: unguessable enough that a
// feedback call cannot target someone else's question by counting.
func newQuestionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's contract)
	return hex.EncodeToString(b[:])
}

// Question implements bot.Recorder.
func (r *recorder) Question(q bot.QuestionRecord) string {
	sq := store.Question{
		ID:         newQuestionID(),
		Time:       q.Time,
		Channel:    q.Channel,
		ChatKind:   q.ChatKind,
		Outcome:    q.Outcome,
		Entry:      q.Entry,
		Confidence: q.Confidence,
		Urgency:    q.Urgency,
		Language:   q.Language,
		FAQVersion: q.FAQVersion,
	}
	for _, c := range q.Candidates {
		sq.Candidates = append(sq.Candidates, store.Candidate{Entry: c.Entry, Confidence: c.Confidence})
	}
	if r.logText {
		sq.Text = redact.Text(q.Text)
		sq.UserHash = r.h.User(q.Channel, q.UserID)
	}
	if !r.w.AddQuestion(sq) {
		return "" // dropped and counted: no feedback can refer to it
	}
	return sq.ID
}

// Event implements bot.Recorder.
func (r *recorder) Event(e bot.Event) {
	se := store.Event{QuestionID: e.QuestionID, Time: e.Time, Kind: string(e.Kind), Vote: string(e.Vote), Entry: e.Entry}
	switch {
	case r.logText:
		se.UserHash = r.h.User(e.Channel, e.UserID)
		se.Text = redact.Text(e.Text)
	case e.Kind == bot.EventNote:
		return // a note is text: not kept in counts-only mode
	default:
		// Counts only: a hash of the user under this one question, so
		// the store still takes one vote per user per question, yet no
		// two questions can be tied to the same user.
		se.UserHash = r.h.User(e.Channel, e.QuestionID+"\x00"+e.UserID)
	}
	if r.w.AddEvent(se) && e.Kind == bot.EventVote && r.feedback != nil {
		r.feedback(e.Channel, e.Vote)
	}
}

// learning is the learning loop's machinery in serve: the store, its
// writer, and the recorder the bot uses.
type learning struct {
	dir      string
	db       store.Store // SQLite, or PostgreSQL with database_url (openStore)
	writer   *store.Writer
	recorder *recorder
}

// dataDir is the data directory the configuration names, or the default.
func dataDir(cfg *config.Config, getenv func(string) string) string {
	if cfg.DataDir != "" {
		return cfg.DataDir
	}
	return config.DefaultDataDir(getenv)
}

// openLearning opens the embedded store in the data directory (creating
// both when needed), loads or makes the user-hash key, and starts the
// writer. m may be nil (no metrics).
func openLearning(ctx context.Context, cfg *config.Config, getenv func(string) string, m *metrics, log *slog.Logger) (*learning, error) {
	dir := dataDir(cfg, getenv)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	key, err := store.LoadHashKey(dir, getenv)
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, cfg, dir)
	if err != nil {
		return nil, err
	}
	o := store.WriterOptions{Retention: cfg.Retention, Logger: log}
	if m != nil {
		o.OnFlush = func(n int, took time.Duration, err error) { m.storeWrite.Observe(took.Seconds()) }
	}
	w := store.NewWriter(db, o)
	l := &learning{dir: dir, db: db, writer: w, recorder: &recorder{w: w, h: store.NewHasher(key), logText: cfg.LogQuestions}}
	if m != nil {
		m.watchStore(w)
		l.recorder.feedback = m.voted
	}
	return l, nil
}

// Close flushes what is queued and closes the store.
func (l *learning) Close() error {
	if l == nil {
		return nil
	}
	l.writer.Close()
	return l.db.Close()
}

// Limits on POST /v1/feedback.
const (
	maxFeedbackBody = 8 << 10
	maxNoteRunes    = 1000
	maxQuestionID   = 64
)

// feedbackRequest is the body of POST /v1/feedback.
type feedbackRequest struct {
	QuestionID string `json:"question_id"`
	Vote       string `json:"vote"` // "up" or "down"
	Note       string `json:"note"` // optional: what the asker was looking for
}

// handleFeedback records a vote on a /v1/ask reply, by its question_id,
// once per caller (API key, or client address) per question. The answer is
// {"ok": true, "message": "..."}; a second vote is acknowledged and not
// counted.
func (s *server) handleFeedback(w http.ResponseWriter, r *http.Request) {
	asker, ok := s.api.asker(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="travelbot"`)
		writeError(w, http.StatusUnauthorized, "a valid Authorization: Bearer <API key> is required")
		return
	}
	var req feedbackRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFeedbackBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxFeedbackBody))
			return
		}
		const shape = `{"question_id": "...", "vote": "up"|"down", "note": "..."}`
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field == "" {
			// some other JSON value: say the shape once, not jsonProblem's
			// /v1/ask shape after it
			writeError(w, http.StatusBadRequest, "the body must be a JSON object like "+shape)
			return
		}
		writeError(w, http.StatusBadRequest, "the body must be a JSON object "+shape+": "+jsonProblem(err))
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "the body must be one JSON object, with nothing after it")
		return
	}
	vote, okVote := bot.ParseVote(req.Vote)
	switch {
	case req.QuestionID == "" || len(req.QuestionID) > maxQuestionID || !isHexID(req.QuestionID):
		writeError(w, http.StatusBadRequest, `"question_id" must be the question_id a /v1/ask reply gave`)
		return
	case !okVote:
		writeError(w, http.StatusBadRequest, `"vote" must be "up" or "down"`)
		return
	case utf8.RuneCountInString(req.Note) > maxNoteRunes:
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`"note" is over %d characters`, maxNoteRunes))
		return
	}
	reply := s.bot.Feedback(r.Context(), bot.Message{Channel: "http", ChatKind: "http", UserID: asker, Text: req.Note}, req.QuestionID, vote)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "message": reply.Text})
}

func isHexID(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// textRetention is how long question texts are kept, for the bot's privacy
// sentence: the retention, or zero when only counts are kept.
func (l *learning) textRetention(cfg *config.Config) time.Duration {
	if !cfg.LogQuestions {
		return 0
	}
	return cfg.Retention
}

package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Rows is the part of a query's result set that the stores read records
// with. database/sql's *sql.Rows and pgx's Rows both satisfy it, so the
// SQLite and PostgreSQL stores turn rows into records the same way.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Bounds turns a filter into the half-open range [since, until) in Unix
// milliseconds, the stores' time columns; an open end becomes a far bound.
func Bounds(f Filter) (since, until int64) {
	since, until = int64(-1<<62), int64(1<<62)
	if !f.Since.IsZero() {
		since = f.Since.UnixMilli()
	}
	if !f.Until.IsZero() {
		until = f.Until.UnixMilli()
	}
	return since, until
}

// FromMillis is the time of a stored Unix-millisecond column, in UTC.
func FromMillis(v int64) time.Time { return time.UnixMilli(v).UTC() }

// ScanQuestions reads question rows with the columns id, at, channel,
// chat_kind, user_hash, text, outcome, entry, confidence, candidates (JSON
// text), urgency, language, faq_version, in that order, into records
// without events. index maps each question id to its record, for
// ScanEvents. The caller closes rows.
func ScanQuestions(rows Rows) (out []Record, index map[string]int, err error) {
	index = make(map[string]int)
	for rows.Next() {
		var q Question
		var at int64
		var cj string
		if err := rows.Scan(&q.ID, &at, &q.Channel, &q.ChatKind, &q.UserHash, &q.Text, &q.Outcome, &q.Entry, &q.Confidence, &cj, &q.Urgency, &q.Language, &q.FAQVersion); err != nil {
			return nil, nil, err
		}
		q.Time = FromMillis(at)
		if err := json.Unmarshal([]byte(cj), &q.Candidates); err != nil {
			return nil, nil, fmt.Errorf("question %s candidates: %w", q.ID, err)
		}
		if len(q.Candidates) == 0 {
			q.Candidates = nil
		}
		index[q.ID] = len(out)
		out = append(out, Record{Question: q})
	}
	return out, index, rows.Err()
}

// ScanEvents reads event rows with the columns question_id, at, kind,
// user_hash, vote, entry, text, in that order, and appends each to the
// record of its question in recs (located by index, from ScanQuestions);
// events of other questions are skipped. The caller closes rows.
func ScanEvents(rows Rows, recs []Record, index map[string]int) error {
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.QuestionID, &at, &e.Kind, &e.UserHash, &e.Vote, &e.Entry, &e.Text); err != nil {
			return err
		}
		e.Time = FromMillis(at)
		if i, ok := index[e.QuestionID]; ok {
			recs[i].Events = append(recs[i].Events, e)
		}
	}
	return rows.Err()
}

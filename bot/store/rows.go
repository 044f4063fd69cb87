package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Rows is the part of a query's result set that the shared queries (SQL)
// read records with. database/sql's *sql.Rows and pgx's Rows both satisfy
// it, so the SQLite and PostgreSQL stores turn rows into records the same
// way.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// bounds turns a filter into the half-open range [since, until) in Unix
// milliseconds, the stores' time columns; an open end becomes a far bound.
func bounds(f Filter) (since, until int64) {
	since, until = int64(-1<<62), int64(1<<62)
	if !f.Since.IsZero() {
		since = f.Since.UnixMilli()
	}
	if !f.Until.IsZero() {
		until = f.Until.UnixMilli()
	}
	return since, until
}

// fromMillis is the time of a stored Unix-millisecond column, in UTC.
func fromMillis(v int64) time.Time { return time.UnixMilli(v).UTC() }

// scanAll reads every row into a T with scan, which scans one row.
func scanAll[T any](rows Rows, scan func(Rows, *T) error) ([]T, error) {
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// errNoRow is scanOne's error for a query that returned nothing.
var errNoRow = errors.New("the query returned no row")

// scanOne reads the one row of an aggregate query into dest.
func scanOne(rows Rows, dest ...any) error {
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errNoRow
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
}

// scanQuestions reads question rows with the columns of selectQuestions
// into records without events. index maps each question id to its record,
// for scanEvents.
func scanQuestions(rows Rows) (out []Record, index map[string]int, err error) {
	index = make(map[string]int)
	for rows.Next() {
		var q Question
		var at int64
		var cj string
		if err := rows.Scan(&q.ID, &at, &q.Channel, &q.ChatKind, &q.UserHash, &q.Text, &q.Outcome, &q.Entry, &q.Confidence, &cj, &q.Urgency, &q.Language, &q.FAQVersion); err != nil {
			return nil, nil, err
		}
		q.Time = fromMillis(at)
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

// scanEvents reads event rows with the columns of selectEvents and appends
// each to the record of its question in recs (located by index, from
// scanQuestions); events of other questions are skipped.
func scanEvents(rows Rows, recs []Record, index map[string]int) error {
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.QuestionID, &at, &e.Kind, &e.UserHash, &e.Vote, &e.Entry, &e.Text); err != nil {
			return err
		}
		e.Time = fromMillis(at)
		if i, ok := index[e.QuestionID]; ok {
			recs[i].Events = append(recs[i].Events, e)
		}
	}
	return rows.Err()
}

// scanCount reads a row of countsQuery.
func scanCount(rows Rows, c *Count) error {
	var b int64
	if err := rows.Scan(&b, &c.Outcome, &c.Urgency, &c.N); err != nil {
		return err
	}
	c.Start = fromMillis(b)
	return nil
}

// scanEntryStats reads a row of topEntriesQuery.
func scanEntryStats(rows Rows, e *EntryStats) error {
	return rows.Scan(&e.Entry, &e.Answers, &e.Up, &e.Down)
}

// scanMark reads a row of marksQuery.
func scanMark(rows Rows, m *Mark) error {
	var at int64
	if err := rows.Scan(&m.ClusterID, &m.State, &m.Entry, &m.Negative, &m.Text, &at); err != nil {
		return err
	}
	m.Time = fromMillis(at)
	return nil
}

// scanAction reads a row of actionsQuery.
func scanAction(rows Rows, a *Action) error {
	var at int64
	if err := rows.Scan(&at, &a.Session, &a.Action, &a.Detail); err != nil {
		return err
	}
	a.Time = fromMillis(at)
	return nil
}

// scanReload reads a row of reloadsQuery; problems is JSON text.
func scanReload(rows Rows, r *Reload) error {
	var at, us int64
	var pj string
	if err := rows.Scan(&at, &r.Trigger, &r.OK, &r.Changed, &r.Version, &r.Entries, &us, &pj); err != nil {
		return err
	}
	r.Time, r.Duration = fromMillis(at), time.Duration(us)*time.Microsecond
	if err := json.Unmarshal([]byte(pj), &r.Problems); err != nil {
		return err
	}
	if len(r.Problems) == 0 {
		r.Problems = nil
	}
	return nil
}

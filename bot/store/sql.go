package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Querier is a database, or a transaction in it, as the queries the SQL
// stores share (SQL) see it. database/sql and pgx differ in how rows are
// closed and what Exec returns; each store adapts its driver to this.
//
// Queries are written with ? placeholders, which SQLite reads; a
// PostgreSQL Querier rewrites them with Dollars.
type Querier interface {
	// Query runs query and hands its rows to read, then closes them.
	Query(ctx context.Context, read func(Rows) error, query string, args ...any) error
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
}

// DB is a Querier that also runs transactions.
type DB interface {
	Querier
	// Tx runs fn in one transaction: committed when fn returns nil, rolled
	// back otherwise.
	Tx(ctx context.Context, fn func(tx Querier) error) error
}

// Dollars rewrites the ? placeholders of query as PostgreSQL's $1, $2, ...,
// in order. The queries written once for both stores have no other ?
// (none in a string literal, no jsonb operator).
func Dollars(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 2*strings.Count(query, "?"))
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// Insert is one of the multi-row INSERTs a Batch is written with. A row
// already there (a question's id, an event's one vote per user) is
// skipped, so that a retried batch is harmless.
type Insert struct {
	head    string
	Columns int // values per row: what AppendQuestion or AppendEvent adds
	tail    string
}

// The inserts of Write: questions take AppendQuestion's values, events
// AppendEvent's.
var (
	InsertQuestions = Insert{`INSERT INTO questions (id, at, channel, chat_kind, user_hash, text, outcome, entry, confidence, candidates, urgency, language, faq_version) VALUES `, 13, ` ON CONFLICT (id) DO NOTHING`}
	InsertEvents    = Insert{`INSERT INTO events (question_id, at, kind, user_hash, vote, entry, text) VALUES `, 7, ` ON CONFLICT DO NOTHING`}
)

// Query is the statement that inserts rows rows, with ? placeholders.
func (k Insert) Query(rows int) string {
	row := "(" + strings.Repeat("?, ", k.Columns-1) + "?)"
	return k.head + strings.Repeat(row+", ", rows-1) + row + k.tail
}

// AppendQuestion appends q's values for InsertQuestions to args; the
// candidates become a JSON array (empty for none).
func AppendQuestion(args []any, q Question) ([]any, error) {
	cands := q.Candidates
	if cands == nil {
		cands = []Candidate{}
	}
	cj, err := json.Marshal(cands)
	if err != nil {
		return nil, err
	}
	return append(args, q.ID, q.Time.UnixMilli(), q.Channel, q.ChatKind, q.UserHash, q.Text, q.Outcome, q.Entry, q.Confidence, string(cj), q.Urgency, q.Language, q.FAQVersion), nil
}

// AppendEvent appends e's values for InsertEvents to args.
func AppendEvent(args []any, e Event) []any {
	return append(args, e.QuestionID, e.Time.UnixMilli(), e.Kind, e.UserHash, e.Vote, e.Entry, e.Text)
}

// SQL implements, once for the SQLite and the PostgreSQL store, the Store
// methods whose SQL the two databases read alike: all but Write (each
// batches in its database's fastest way) and Close. A store embeds it and
// adds those two, and Purge, which passes what the store purges besides.
//
// Times are Unix-millisecond integer columns, JSON columns are read as
// text, and every error starts with the store's name and the operation
// ("sqlite: records: ...").
type SQL struct {
	name  string
	db    DB
	check func() error
}

// NewSQL returns the shared queries of the store called name ("sqlite",
// "postgres") on db. check returns ErrClosed once the store is closed;
// every method calls it first.
func NewSQL(name string, db DB, check func() error) *SQL {
	return &SQL{name: name, db: db, check: check}
}

func (s *SQL) errorf(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", s.name, op, err)
}

// queryAll runs query and returns its rows, read into a T each by scan;
// op names the operation in the error.
func queryAll[T any](ctx context.Context, s *SQL, op string, scan func(Rows, *T) error, query string, args ...any) ([]T, error) {
	var out []T
	err := s.db.Query(ctx, func(rows Rows) (err error) {
		out, err = scanAll(rows, scan)
		return err
	}, query, args...)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	return out, nil
}

// The tables Purge empties of what is older than its time, events first.
var purgedTables = []string{"events", "questions", "admin_actions", "reloads"}

// Purge implements Store.Purge. also, when not nil, runs last in the same
// transaction, for the store's own tables; what it deletes is not counted.
func (s *SQL) Purge(ctx context.Context, before time.Time, also func(tx Querier) error) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var total int64
	err := s.db.Tx(ctx, func(tx Querier) error {
		for _, table := range purgedTables {
			n, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE at < ?`, before.UnixMilli())
			if err != nil {
				return err
			}
			total += n
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return 0, s.errorf("purge", err)
	}
	return total, nil
}

// The columns scanQuestions and scanEvents read.
const (
	selectQuestions = `SELECT id, at, channel, chat_kind, user_hash, text, outcome, entry, confidence, CAST(candidates AS TEXT), urgency, language, faq_version
		FROM questions WHERE at >= ? AND at < ? ORDER BY at, id`
	selectEvents = `SELECT e.question_id, e.at, e.kind, e.user_hash, e.vote, e.entry, e.text
		FROM events e JOIN questions q ON q.id = e.question_id
		WHERE q.at >= ? AND q.at < ? ORDER BY e.at, e.id`
)

// Records implements Store.Records.
func (s *SQL) Records(ctx context.Context, f Filter) ([]Record, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	since, until := bounds(f)
	var out []Record
	var index map[string]int
	err := s.db.Query(ctx, func(rows Rows) (err error) {
		out, index, err = scanQuestions(rows)
		return err
	}, selectQuestions, since, until)
	if err == nil && len(out) > 0 {
		err = s.db.Query(ctx, func(rows Rows) error { return scanEvents(rows, out, index) }, selectEvents, since, until)
	}
	if err != nil {
		return nil, s.errorf("records", err)
	}
	return out, nil
}

// countsQuery buckets by the bucket's width (the first three arguments):
// the remainder is taken twice so that times before 1970 fall in the
// bucket below.
const countsQuery = `SELECT at - (((at % ?) + ?) % ?) AS b, outcome, urgency, COUNT(*)
		FROM questions WHERE at >= ? AND at < ? GROUP BY b, outcome, urgency ORDER BY b, outcome, urgency`

// Counts implements Store.Counts.
func (s *SQL) Counts(ctx context.Context, f Filter, bucket time.Duration) ([]Count, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if bucket < time.Second || bucket%time.Second != 0 {
		return nil, s.errorf("counts", fmt.Errorf("bucket %v is not a whole number of seconds", bucket))
	}
	width := bucket.Milliseconds()
	since, until := bounds(f)
	return queryAll(ctx, s, "counts", scanCount, countsQuery, width, width, width, since, until)
}

const topEntriesQuery = `SELECT q.entry, COUNT(*),
			COALESCE(SUM((SELECT COUNT(*) FROM events e WHERE e.question_id = q.id AND e.kind = 'vote' AND e.vote = 'up')), 0),
			COALESCE(SUM((SELECT COUNT(*) FROM events e WHERE e.question_id = q.id AND e.kind = 'vote' AND e.vote = 'down')), 0)
		FROM questions q WHERE q.outcome = 'answer' AND q.entry <> '' AND q.at >= ? AND q.at < ?
		GROUP BY q.entry ORDER BY COUNT(*) DESC, q.entry LIMIT ?`

// TopEntries implements Store.TopEntries.
func (s *SQL) TopEntries(ctx context.Context, f Filter, n int) ([]EntryStats, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	since, until := bounds(f)
	return queryAll(ctx, s, "top entries", scanEntryStats, topEntriesQuery, since, until, n)
}

// Votes implements Store.Votes.
func (s *SQL) Votes(ctx context.Context, f Filter) (Votes, error) {
	var v Votes
	if err := s.check(); err != nil {
		return v, err
	}
	since, until := bounds(f)
	err := s.db.Query(ctx, func(rows Rows) error { return scanOne(rows, &v.Up, &v.Down) }, `SELECT
			COALESCE(SUM(CASE WHEN e.vote = 'up' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN e.vote = 'down' THEN 1 ELSE 0 END), 0)
		FROM events e JOIN questions q ON q.id = e.question_id
		WHERE e.kind = 'vote' AND q.at >= ? AND q.at < ?`, since, until)
	if err != nil {
		return v, s.errorf("votes", err)
	}
	return v, nil
}

// Mark implements Store.Mark.
func (s *SQL) Mark(ctx context.Context, m Mark) error {
	if err := s.check(); err != nil {
		return err
	}
	if m.ClusterID == "" || (m.State != MarkPromoted && m.State != MarkDismissed) {
		return s.errorf("mark", fmt.Errorf("need a cluster id and a state %q or %q", MarkPromoted, MarkDismissed))
	}
	_, err := s.db.Exec(ctx, `INSERT INTO cluster_marks (cluster_id, state, entry, negative, text, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (cluster_id) DO UPDATE SET state = excluded.state, entry = excluded.entry, negative = excluded.negative, text = excluded.text, at = excluded.at`,
		m.ClusterID, m.State, m.Entry, m.Negative, m.Text, m.Time.UnixMilli())
	if err != nil {
		return s.errorf("mark", err)
	}
	return nil
}

const marksQuery = `SELECT cluster_id, state, entry, negative, text, at FROM cluster_marks ORDER BY at, cluster_id`

// Marks implements Store.Marks.
func (s *SQL) Marks(ctx context.Context) ([]Mark, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, "marks", scanMark, marksQuery)
}

// RecordAction implements Store.RecordAction.
func (s *SQL) RecordAction(ctx context.Context, a Action) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO admin_actions (at, session, action, detail) VALUES (?, ?, ?, ?)`, a.Time.UnixMilli(), a.Session, a.Action, a.Detail); err != nil {
		return s.errorf("record action", err)
	}
	return nil
}

const actionsQuery = `SELECT at, session, action, detail FROM admin_actions ORDER BY at DESC, id DESC LIMIT ?`

// Actions implements Store.Actions.
func (s *SQL) Actions(ctx context.Context, n int) ([]Action, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, "actions", scanAction, actionsQuery, n)
}

// RecordReload implements Store.RecordReload; the problems become a JSON
// array (empty for none).
func (s *SQL) RecordReload(ctx context.Context, r Reload) error {
	if err := s.check(); err != nil {
		return err
	}
	probs := r.Problems
	if probs == nil {
		probs = []string{}
	}
	pj, err := json.Marshal(probs)
	if err != nil {
		return s.errorf("record reload", err)
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO reloads (at, trigger, ok, changed, version, entries, duration_us, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Time.UnixMilli(), r.Trigger, r.OK, r.Changed, r.Version, r.Entries, r.Duration.Microseconds(), string(pj)); err != nil {
		return s.errorf("record reload", err)
	}
	return nil
}

const reloadsQuery = `SELECT at, trigger, ok, changed, version, entries, duration_us, CAST(problems AS TEXT) FROM reloads ORDER BY at DESC, id DESC LIMIT ?`

// Reloads implements Store.Reloads.
func (s *SQL) Reloads(ctx context.Context, n int) ([]Reload, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return queryAll(ctx, s, "reloads", scanReload, reloadsQuery, n)
}

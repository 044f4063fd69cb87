// Package sqlite is the embedded store of the learning loop: one SQLite
// file in the data directory, through modernc.org/sqlite (pure Go, no cgo),
// in WAL mode so that a crash mid-write (even kill -9) loses at most the
// transaction in flight and the next start reads everything committed.
// Schema migrations are versioned and applied when the store opens.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"travelbot/bot/store"
)

// FileName is the database's file name in the data directory.
const FileName = "travelbot.db"

// DB is the SQLite store. It is safe for concurrent use, and several
// processes may open the same file (SQLite locks it).
type DB struct {
	db     *sql.DB
	path   string
	closed atomic.Bool
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt // prepared full-chunk inserts, by statement head
}

var _ store.Store = (*DB)(nil)

// OpenDir opens (creating it and the directory when needed) the store in
// a data directory.
func OpenDir(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: data directory: %w", err)
	}
	return Open(ctx, filepath.Join(dir, FileName))
}

// Open opens the store in the database file at path, creating it when
// needed, and applies the migrations it lacks. A file written by a newer
// travelbot (a schema version this one does not know) is refused.
func Open(ctx context.Context, path string) (*DB, error) {
	if strings.ContainsAny(path, "?#") {
		// they would end the file name inside the driver's URI
		return nil, fmt.Errorf("sqlite: %q: a data directory path may not contain ? or #", path)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &DB{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return s, nil
}

// Path is the database file.
func (s *DB) Path() string { return s.path }

// migrations are applied in order; migrations[i] takes the schema to
// version i+1. Never edit one that has shipped: append a new one.
var migrations = []string{
	// 1: the question log, its events, cluster marks, audit and reloads.
	`CREATE TABLE questions (
		id          TEXT PRIMARY KEY,
		at          INTEGER NOT NULL, -- unix milliseconds
		channel     TEXT NOT NULL,
		chat_kind   TEXT NOT NULL,
		user_hash   TEXT NOT NULL,
		text        TEXT NOT NULL,
		outcome     TEXT NOT NULL,
		entry       TEXT NOT NULL,
		confidence  REAL NOT NULL,
		candidates  TEXT NOT NULL, -- JSON array of {entry, confidence}
		urgency     TEXT NOT NULL,
		language    TEXT NOT NULL,
		faq_version TEXT NOT NULL
	);
	CREATE INDEX questions_at ON questions(at);
	CREATE TABLE events (
		id          INTEGER PRIMARY KEY,
		question_id TEXT NOT NULL,
		at          INTEGER NOT NULL,
		kind        TEXT NOT NULL,
		user_hash   TEXT NOT NULL,
		vote        TEXT NOT NULL,
		entry       TEXT NOT NULL,
		text        TEXT NOT NULL
	);
	CREATE INDEX events_question ON events(question_id);
	CREATE INDEX events_at ON events(at);
	CREATE UNIQUE INDEX events_one_vote ON events(question_id, user_hash) WHERE kind = 'vote';
	CREATE TABLE cluster_marks (
		cluster_id TEXT PRIMARY KEY,
		state      TEXT NOT NULL,
		entry      TEXT NOT NULL,
		negative   INTEGER NOT NULL,
		text       TEXT NOT NULL,
		at         INTEGER NOT NULL
	);
	CREATE TABLE admin_actions (
		id      INTEGER PRIMARY KEY,
		at      INTEGER NOT NULL,
		session TEXT NOT NULL,
		action  TEXT NOT NULL,
		detail  TEXT NOT NULL
	);
	CREATE INDEX admin_actions_at ON admin_actions(at);
	CREATE TABLE reloads (
		id          INTEGER PRIMARY KEY,
		at          INTEGER NOT NULL,
		trigger     TEXT NOT NULL,
		ok          INTEGER NOT NULL,
		changed     INTEGER NOT NULL,
		version     TEXT NOT NULL,
		entries     INTEGER NOT NULL,
		duration_us INTEGER NOT NULL,
		problems    TEXT NOT NULL -- JSON array of strings
	);
	CREATE INDEX reloads_at ON reloads(at);`,
	// 2: the claims on platform updates (claims.go): one row per update
	// answered or being answered, so that a restart does not answer again.
	`CREATE TABLE claims (
		key        TEXT PRIMARY KEY,
		owner      TEXT NOT NULL,
		expires_at INTEGER NOT NULL, -- unix milliseconds
		done       INTEGER NOT NULL DEFAULT 0,
		attempts   INTEGER NOT NULL DEFAULT 1
	);
	CREATE INDEX claims_expires_at ON claims(expires_at);`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", s.path, err)
	}
	var have int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", s.path, err)
	}
	if have > len(migrations) {
		return fmt.Errorf("sqlite: %s has schema version %d, newer than this travelbot's %d", s.path, have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %d on %s: %w", v, s.path, err)
		}
	}
	return nil
}

func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *DB) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// Write implements store.Store.
func (s *DB) Write(ctx context.Context, b store.Batch) error {
	if err := s.check(); err != nil {
		return err
	}
	if b.Len() == 0 {
		return nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(b.Questions, rowsPerInsert) {
			args := make([]any, 0, len(chunk)*13)
			for _, q := range chunk {
				cands := q.Candidates
				if cands == nil {
					cands = []store.Candidate{}
				}
				cj, err := json.Marshal(cands)
				if err != nil {
					return err
				}
				args = append(args, q.ID, ms(q.Time), q.Channel, q.ChatKind, q.UserHash, q.Text, q.Outcome, q.Entry, q.Confidence, string(cj), q.Urgency, q.Language, q.FAQVersion)
			}
			if err := s.insert(ctx, tx, insertQuestions, len(chunk), args); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(b.Events, rowsPerInsert) {
			args := make([]any, 0, len(chunk)*7)
			for _, e := range chunk {
				args = append(args, e.QuestionID, ms(e.Time), e.Kind, e.UserHash, e.Vote, e.Entry, e.Text)
			}
			if err := s.insert(ctx, tx, insertEvents, len(chunk), args); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: write: %w", err)
	}
	return nil
}

// rowsPerInsert is how many rows one INSERT statement writes: one statement
// per row costs far more than the row itself.
const rowsPerInsert = 64

// The two multi-row inserts: the statement's head, its columns, its tail.
var (
	insertQuestions = insertKind{`INSERT INTO questions (id, at, channel, chat_kind, user_hash, text, outcome, entry, confidence, candidates, urgency, language, faq_version) VALUES `, 13, ` ON CONFLICT (id) DO NOTHING`}
	insertEvents    = insertKind{`INSERT INTO events (question_id, at, kind, user_hash, vote, entry, text) VALUES `, 7, ` ON CONFLICT DO NOTHING`}
)

type insertKind struct {
	head string
	cols int
	tail string
}

func (k insertKind) query(rows int) string { return k.head + placeholders(rows, k.cols) + k.tail }

// insert runs a multi-row insert. A full chunk's statement is prepared once
// per connection (database/sql keeps it), since parsing it costs about as
// much as writing its rows; a shorter last chunk is parsed each time.
func (s *DB) insert(ctx context.Context, tx *sql.Tx, k insertKind, rows int, args []any) error {
	if rows != rowsPerInsert {
		_, err := tx.ExecContext(ctx, k.query(rows), args...)
		return err
	}
	st, err := s.prepared(ctx, k)
	if err != nil {
		return err
	}
	_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	return err
}

func (s *DB) prepared(ctx context.Context, k insertKind) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[k.head]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, k.query(rowsPerInsert))
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = make(map[string]*sql.Stmt)
	}
	s.stmts[k.head] = st
	return st, nil
}

// placeholders returns "(?, ?), (?, ?)" for rows rows of cols columns.
func placeholders(rows, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", rows-1) + row
}

// Purge implements store.Store.
func (s *DB) Purge(ctx context.Context, before time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var total int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"events", "questions", "admin_actions", "reloads"} {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE at < ?`, ms(before))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge: %w", err)
	}
	return total, nil
}

// Records implements store.Store.
func (s *DB) Records(ctx context.Context, f store.Filter) ([]store.Record, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	since, until := store.Bounds(f)
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, channel, chat_kind, user_hash, text, outcome, entry, confidence, candidates, urgency, language, faq_version
		FROM questions WHERE at >= ? AND at < ? ORDER BY at, id`, since, until)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records: %w", err)
	}
	out, index, err := store.ScanQuestions(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("sqlite: records: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ev, err := s.db.QueryContext(ctx, `SELECT e.question_id, e.at, e.kind, e.user_hash, e.vote, e.entry, e.text
		FROM events e JOIN questions q ON q.id = e.question_id
		WHERE q.at >= ? AND q.at < ? ORDER BY e.at, e.id`, since, until)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records: %w", err)
	}
	defer ev.Close()
	if err := store.ScanEvents(ev, out, index); err != nil {
		return nil, fmt.Errorf("sqlite: records: %w", err)
	}
	return out, nil
}

// Counts implements store.Store.
func (s *DB) Counts(ctx context.Context, f store.Filter, bucket time.Duration) ([]store.Count, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	width := int64(bucket / time.Millisecond)
	if bucket < time.Second || bucket%time.Second != 0 {
		return nil, fmt.Errorf("sqlite: counts: bucket %v is not a whole number of seconds", bucket)
	}
	since, until := store.Bounds(f)
	rows, err := s.db.QueryContext(ctx, `SELECT (at - ((at % ?) + ?) % ?) AS b, outcome, urgency, COUNT(*)
		FROM questions WHERE at >= ? AND at < ? GROUP BY b, outcome, urgency ORDER BY b, outcome, urgency`,
		width, width, width, since, until)
	if err != nil {
		return nil, fmt.Errorf("sqlite: counts: %w", err)
	}
	defer rows.Close()
	var out []store.Count
	for rows.Next() {
		var c store.Count
		var b int64
		if err := rows.Scan(&b, &c.Outcome, &c.Urgency, &c.N); err != nil {
			return nil, fmt.Errorf("sqlite: counts: %w", err)
		}
		c.Start = store.FromMillis(b)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: counts: %w", err)
	}
	return out, nil
}

// TopEntries implements store.Store.
func (s *DB) TopEntries(ctx context.Context, f store.Filter, n int) ([]store.EntryStats, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	since, until := store.Bounds(f)
	rows, err := s.db.QueryContext(ctx, `SELECT q.entry, COUNT(*),
			COALESCE(SUM((SELECT COUNT(*) FROM events e WHERE e.question_id = q.id AND e.kind = 'vote' AND e.vote = 'up')), 0),
			COALESCE(SUM((SELECT COUNT(*) FROM events e WHERE e.question_id = q.id AND e.kind = 'vote' AND e.vote = 'down')), 0)
		FROM questions q WHERE q.outcome = 'answer' AND q.entry <> '' AND q.at >= ? AND q.at < ?
		GROUP BY q.entry ORDER BY COUNT(*) DESC, q.entry LIMIT ?`, since, until, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: top entries: %w", err)
	}
	defer rows.Close()
	var out []store.EntryStats
	for rows.Next() {
		var e store.EntryStats
		if err := rows.Scan(&e.Entry, &e.Answers, &e.Up, &e.Down); err != nil {
			return nil, fmt.Errorf("sqlite: top entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: top entries: %w", err)
	}
	return out, nil
}

// Votes implements store.Store.
func (s *DB) Votes(ctx context.Context, f store.Filter) (store.Votes, error) {
	var v store.Votes
	if err := s.check(); err != nil {
		return v, err
	}
	since, until := store.Bounds(f)
	err := s.db.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN e.vote = 'up' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN e.vote = 'down' THEN 1 ELSE 0 END), 0)
		FROM events e JOIN questions q ON q.id = e.question_id
		WHERE e.kind = 'vote' AND q.at >= ? AND q.at < ?`, since, until).Scan(&v.Up, &v.Down)
	if err != nil {
		return v, fmt.Errorf("sqlite: votes: %w", err)
	}
	return v, nil
}

// Mark implements store.Store.
func (s *DB) Mark(ctx context.Context, m store.Mark) error {
	if err := s.check(); err != nil {
		return err
	}
	if m.ClusterID == "" || (m.State != store.MarkPromoted && m.State != store.MarkDismissed) {
		return fmt.Errorf("sqlite: mark: need a cluster id and a state %q or %q", store.MarkPromoted, store.MarkDismissed)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO cluster_marks (cluster_id, state, entry, negative, text, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (cluster_id) DO UPDATE SET state = excluded.state, entry = excluded.entry, negative = excluded.negative, text = excluded.text, at = excluded.at`,
		m.ClusterID, m.State, m.Entry, m.Negative, m.Text, ms(m.Time))
	if err != nil {
		return fmt.Errorf("sqlite: mark: %w", err)
	}
	return nil
}

// Marks implements store.Store.
func (s *DB) Marks(ctx context.Context) ([]store.Mark, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT cluster_id, state, entry, negative, text, at FROM cluster_marks ORDER BY at, cluster_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: marks: %w", err)
	}
	defer rows.Close()
	var out []store.Mark
	for rows.Next() {
		var m store.Mark
		var at int64
		if err := rows.Scan(&m.ClusterID, &m.State, &m.Entry, &m.Negative, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("sqlite: marks: %w", err)
		}
		m.Time = store.FromMillis(at)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: marks: %w", err)
	}
	return out, nil
}

// RecordAction implements store.Store.
func (s *DB) RecordAction(ctx context.Context, a store.Action) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO admin_actions (at, session, action, detail) VALUES (?, ?, ?, ?)`, ms(a.Time), a.Session, a.Action, a.Detail); err != nil {
		return fmt.Errorf("sqlite: record action: %w", err)
	}
	return nil
}

// Actions implements store.Store.
func (s *DB) Actions(ctx context.Context, n int) ([]store.Action, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, session, action, detail FROM admin_actions ORDER BY at DESC, id DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: actions: %w", err)
	}
	defer rows.Close()
	var out []store.Action
	for rows.Next() {
		var a store.Action
		var at int64
		if err := rows.Scan(&at, &a.Session, &a.Action, &a.Detail); err != nil {
			return nil, fmt.Errorf("sqlite: actions: %w", err)
		}
		a.Time = store.FromMillis(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: actions: %w", err)
	}
	return out, nil
}

// RecordReload implements store.Store.
func (s *DB) RecordReload(ctx context.Context, r store.Reload) error {
	if err := s.check(); err != nil {
		return err
	}
	probs := r.Problems
	if probs == nil {
		probs = []string{}
	}
	pj, err := json.Marshal(probs)
	if err != nil {
		return fmt.Errorf("sqlite: record reload: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO reloads (at, trigger, ok, changed, version, entries, duration_us, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ms(r.Time), r.Trigger, r.OK, r.Changed, r.Version, r.Entries, r.Duration.Microseconds(), string(pj)); err != nil {
		return fmt.Errorf("sqlite: record reload: %w", err)
	}
	return nil
}

// Reloads implements store.Store.
func (s *DB) Reloads(ctx context.Context, n int) ([]store.Reload, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, trigger, ok, changed, version, entries, duration_us, problems FROM reloads ORDER BY at DESC, id DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reloads: %w", err)
	}
	defer rows.Close()
	var out []store.Reload
	for rows.Next() {
		var r store.Reload
		var at, us int64
		var pj string
		if err := rows.Scan(&at, &r.Trigger, &r.OK, &r.Changed, &r.Version, &r.Entries, &us, &pj); err != nil {
			return nil, fmt.Errorf("sqlite: reloads: %w", err)
		}
		r.Time, r.Duration = store.FromMillis(at), time.Duration(us)*time.Microsecond
		if err := json.Unmarshal([]byte(pj), &r.Problems); err != nil {
			return nil, fmt.Errorf("sqlite: reloads: %w", err)
		}
		if len(r.Problems) == 0 {
			r.Problems = nil
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reloads: %w", err)
	}
	return out, nil
}

// Close implements store.Store. It checkpoints the WAL into the database
// file, so that a closed store is one file.
func (s *DB) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.mu.Unlock()
	_, _ = s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	if err := s.db.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Package sqlite is the embedded store of the learning loop: one SQLite
// file in the data directory, through modernc.org/sqlite (pure Go, no cgo),
// in WAL mode so that a crash mid-write (even kill -9) loses at most the
// transaction in flight and the next start reads everything committed.
// Schema migrations are versioned and applied when the store opens.
package sqlite

import (
	"context"
	"database/sql"
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
	stmts  map[store.Insert]*sql.Stmt // prepared full-chunk inserts

	// SQL is the Store's queries that SQLite and PostgreSQL share.
	*store.SQL
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
	s.SQL = store.NewSQL("sqlite", conn{q: db, db: db}, s.check)
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

func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error { return inTx(ctx, s.db, fn) }

// inTx runs fn in a transaction of db, committed when fn returns nil.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
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

// conn runs the shared queries (store.SQL) through database/sql: q is the
// database, or within Tx the transaction; db is the database Tx begins in.
type conn struct {
	q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	}
	db *sql.DB
}

// Query implements store.Querier.
func (c conn) Query(ctx context.Context, read func(store.Rows) error, query string, args ...any) error {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return read(rows)
}

// Exec implements store.Querier.
func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Tx implements store.DB.
func (c conn) Tx(ctx context.Context, fn func(store.Querier) error) error {
	return inTx(ctx, c.db, func(tx *sql.Tx) error { return fn(conn{q: tx}) })
}

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
			args := make([]any, 0, len(chunk)*store.InsertQuestions.Columns)
			for _, q := range chunk {
				var err error
				if args, err = store.AppendQuestion(args, q); err != nil {
					return err
				}
			}
			if err := s.insert(ctx, tx, store.InsertQuestions, len(chunk), args); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(b.Events, rowsPerInsert) {
			args := make([]any, 0, len(chunk)*store.InsertEvents.Columns)
			for _, e := range chunk {
				args = store.AppendEvent(args, e)
			}
			if err := s.insert(ctx, tx, store.InsertEvents, len(chunk), args); err != nil {
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

// insert runs a multi-row insert. A full chunk's statement is prepared once
// per connection (database/sql keeps it), since parsing it costs about as
// much as writing its rows; a shorter last chunk is parsed each time.
func (s *DB) insert(ctx context.Context, tx *sql.Tx, k store.Insert, rows int, args []any) error {
	if rows != rowsPerInsert {
		_, err := tx.ExecContext(ctx, k.Query(rows), args...)
		return err
	}
	st, err := s.prepared(ctx, k)
	if err != nil {
		return err
	}
	_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	return err
}

func (s *DB) prepared(ctx context.Context, k store.Insert) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[k]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, k.Query(rowsPerInsert))
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = make(map[store.Insert]*sql.Stmt)
	}
	s.stmts[k] = st
	return st, nil
}

// Purge implements store.Store.
func (s *DB) Purge(ctx context.Context, before time.Time) (int64, error) {
	return s.SQL.Purge(ctx, before, nil)
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

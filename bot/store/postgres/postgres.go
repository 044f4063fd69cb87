// Package postgres is the store for several replicas: the learning loop's
// records (store.Store) in a PostgreSQL database every replica shares,
// through github.com/jackc/pgx/v5, and the coordination the replicas need:
// exactly-once claims with a lease (Claims), a leader elected by an
// advisory lock (Elector), the FAQ kept versioned with LISTEN/NOTIFY
// (PublishFAQ, WatchFAQ), and a pace for actions a platform limits across
// all of them (Pace). Schema migrations are versioned and applied when the store
// opens, under an advisory lock so that replicas starting together migrate
// once.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"travelbot/bot/store"
)

// DB is the PostgreSQL store. It is safe for concurrent use, by any number
// of processes.
type DB struct {
	pool   *pgxpool.Pool
	dsn    string
	closed atomic.Bool

	// SQL is the Store's queries that SQLite and PostgreSQL share.
	*store.SQL
}

var _ store.Store = (*DB)(nil)

// migrateLock is the advisory lock key held while migrating.
const migrateLock = 0x7472_6176_656c_01 // "travel" 1

// Open connects to the database at dsn (a postgres:// URL or a key=value
// string), checks it answers, and applies the migrations it lacks. A
// database migrated by a newer travelbot is refused. Errors never contain
// the password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres: the database URL does not parse") // the error would quote it
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &DB{pool: pool, dsn: dsn}
	s.SQL = store.NewSQL("postgres", conn{pool}, s.check)
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// migrations are applied in order; migrations[i] takes the schema to
// version i+1. Never edit one that has shipped: append a new one.
var migrations = []string{
	// 1: the question log, its events, cluster marks, audit and reloads,
	// as in the SQLite store (times in unix milliseconds).
	`CREATE TABLE questions (
		id          TEXT PRIMARY KEY,
		at          BIGINT NOT NULL,
		channel     TEXT NOT NULL,
		chat_kind   TEXT NOT NULL,
		user_hash   TEXT NOT NULL,
		text        TEXT NOT NULL,
		outcome     TEXT NOT NULL,
		entry       TEXT NOT NULL,
		confidence  DOUBLE PRECISION NOT NULL,
		candidates  JSONB NOT NULL,
		urgency     TEXT NOT NULL,
		language    TEXT NOT NULL,
		faq_version TEXT NOT NULL
	);
	CREATE INDEX questions_at ON questions(at);
	CREATE TABLE events (
		id          BIGSERIAL PRIMARY KEY,
		question_id TEXT NOT NULL,
		at          BIGINT NOT NULL,
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
		negative   BOOLEAN NOT NULL,
		text       TEXT NOT NULL,
		at         BIGINT NOT NULL
	);
	CREATE TABLE admin_actions (
		id      BIGSERIAL PRIMARY KEY,
		at      BIGINT NOT NULL,
		session TEXT NOT NULL,
		action  TEXT NOT NULL,
		detail  TEXT NOT NULL
	);
	CREATE INDEX admin_actions_at ON admin_actions(at);
	CREATE TABLE reloads (
		id          BIGSERIAL PRIMARY KEY,
		at          BIGINT NOT NULL,
		trigger     TEXT NOT NULL,
		ok          BOOLEAN NOT NULL,
		changed     BOOLEAN NOT NULL,
		version     TEXT NOT NULL,
		entries     INTEGER NOT NULL,
		duration_us BIGINT NOT NULL,
		problems    JSONB NOT NULL
	);
	CREATE INDEX reloads_at ON reloads(at);`,
	// 2: what several replicas share: claims on updates, FAQ versions.
	`CREATE TABLE claims (
		key        TEXT PRIMARY KEY,
		owner      TEXT NOT NULL,
		expires_at TIMESTAMPTZ NOT NULL,
		done       BOOLEAN NOT NULL DEFAULT false,
		attempts   INTEGER NOT NULL DEFAULT 1
	);
	CREATE INDEX claims_expires ON claims(expires_at);
	CREATE TABLE faq_versions (
		seq     BIGSERIAL PRIMARY KEY,
		version TEXT NOT NULL,
		name    TEXT NOT NULL,
		yaml    BYTEA NOT NULL,
		source  TEXT NOT NULL,
		at      TIMESTAMPTZ NOT NULL DEFAULT now()
	);
	CREATE INDEX faq_versions_version ON faq_versions(version);`,
	// 3: paced actions shared by the replicas (Discord's IDENTIFY).
	`CREATE TABLE paces (
		name    TEXT PRIMARY KEY,
		next_at TIMESTAMPTZ NOT NULL
	);`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

func (s *DB) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("postgres: the database has schema version %d, newer than this travelbot's %d", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %d: %w", v, err)
		}
	}
	return nil
}

func (s *DB) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// conn runs the shared queries (store.SQL) through pgx, their ?
// placeholders rewritten as $1, $2, ...: q is the pool or, within Tx, the
// transaction.
type conn struct {
	q interface {
		Begin(ctx context.Context) (pgx.Tx, error)
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	}
}

// Query implements store.Querier.
func (c conn) Query(ctx context.Context, read func(store.Rows) error, query string, args ...any) error {
	rows, err := c.q.Query(ctx, store.Dollars(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return read(rows)
}

// Exec implements store.Querier.
func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, store.Dollars(query), args...)
	return tag.RowsAffected(), err
}

// Tx implements store.DB.
func (c conn) Tx(ctx context.Context, fn func(store.Querier) error) error {
	return pgx.BeginFunc(ctx, c.q, func(tx pgx.Tx) error { return fn(conn{tx}) })
}

// The inserts of Write, one row a statement: pgx sends the batch's
// statements together.
var (
	insertQuestion = store.Dollars(store.InsertQuestions.Query(1))
	insertEvent    = store.Dollars(store.InsertEvents.Query(1))
)

// Write implements store.Store.
func (s *DB) Write(ctx context.Context, b store.Batch) error {
	if err := s.check(); err != nil {
		return err
	}
	if b.Len() == 0 {
		return nil
	}
	var batch pgx.Batch
	for _, q := range b.Questions {
		args, err := store.AppendQuestion(nil, q)
		if err != nil {
			return fmt.Errorf("postgres: write: %w", err)
		}
		batch.Queue(insertQuestion, args...)
	}
	for _, e := range b.Events {
		batch.Queue(insertEvent, store.AppendEvent(nil, e)...)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, &batch).Close()
	})
	if err != nil {
		return fmt.Errorf("postgres: write: %w", err)
	}
	return nil
}

// Purge implements store.Store. Claims of finished updates older than
// before go too (they are not counted).
func (s *DB) Purge(ctx context.Context, before time.Time) (int64, error) {
	return s.SQL.Purge(ctx, before, func(tx store.Querier) error {
		_, err := tx.Exec(ctx, `DELETE FROM claims WHERE expires_at < ?`, before)
		return err
	})
}

// Close implements store.Store. Leaders and listeners started from the
// store hold connections of their own, ended by their contexts.
func (s *DB) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.pool.Close()
	return nil
}

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
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"travelbot/bot/store"
)

// DB is the PostgreSQL store. It is safe for concurrent use, by any number
// of processes.
type DB struct {
	pool   *pgxpool.Pool
	dsn    string
	closed atomic.Bool
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

func ms(t time.Time) int64 { return t.UnixMilli() }

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
		cands := q.Candidates
		if cands == nil {
			cands = []store.Candidate{}
		}
		cj, err := json.Marshal(cands)
		if err != nil {
			return fmt.Errorf("postgres: write: %w", err)
		}
		batch.Queue(`INSERT INTO questions (id, at, channel, chat_kind, user_hash, text, outcome, entry, confidence, candidates, urgency, language, faq_version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
			q.ID, ms(q.Time), q.Channel, q.ChatKind, q.UserHash, q.Text, q.Outcome, q.Entry, q.Confidence, string(cj), q.Urgency, q.Language, q.FAQVersion)
	}
	for _, e := range b.Events {
		batch.Queue(`INSERT INTO events (question_id, at, kind, user_hash, vote, entry, text)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			e.QuestionID, ms(e.Time), e.Kind, e.UserHash, e.Vote, e.Entry, e.Text)
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
	if err := s.check(); err != nil {
		return 0, err
	}
	var total int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, table := range []string{"events", "questions", "admin_actions", "reloads"} {
			tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE at < $1`, ms(before))
			if err != nil {
				return err
			}
			total += tag.RowsAffected()
		}
		_, err := tx.Exec(ctx, `DELETE FROM claims WHERE expires_at < $1`, before)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: purge: %w", err)
	}
	return total, nil
}

// Records implements store.Store.
func (s *DB) Records(ctx context.Context, f store.Filter) ([]store.Record, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	since, until := store.Bounds(f)
	rows, err := s.pool.Query(ctx, `SELECT id, at, channel, chat_kind, user_hash, text, outcome, entry, confidence, candidates::text, urgency, language, faq_version
		FROM questions WHERE at >= $1 AND at < $2 ORDER BY at, id`, since, until)
	if err != nil {
		return nil, fmt.Errorf("postgres: records: %w", err)
	}
	out, index, err := store.ScanQuestions(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("postgres: records: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ev, err := s.pool.Query(ctx, `SELECT e.question_id, e.at, e.kind, e.user_hash, e.vote, e.entry, e.text
		FROM events e JOIN questions q ON q.id = e.question_id
		WHERE q.at >= $1 AND q.at < $2 ORDER BY e.at, e.id`, since, until)
	if err != nil {
		return nil, fmt.Errorf("postgres: records: %w", err)
	}
	defer ev.Close()
	if err := store.ScanEvents(ev, out, index); err != nil {
		return nil, fmt.Errorf("postgres: records: %w", err)
	}
	return out, nil
}

// Counts implements store.Store.
func (s *DB) Counts(ctx context.Context, f store.Filter, bucket time.Duration) ([]store.Count, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if bucket < time.Second || bucket%time.Second != 0 {
		return nil, fmt.Errorf("postgres: counts: bucket %v is not a whole number of seconds", bucket)
	}
	width := int64(bucket / time.Millisecond)
	since, until := store.Bounds(f)
	rows, err := s.pool.Query(ctx, `SELECT at - (((at % $1) + $1) % $1) AS b, outcome, urgency, COUNT(*)
		FROM questions WHERE at >= $2 AND at < $3 GROUP BY b, outcome, urgency ORDER BY b, outcome, urgency`,
		width, since, until)
	if err != nil {
		return nil, fmt.Errorf("postgres: counts: %w", err)
	}
	defer rows.Close()
	var out []store.Count
	for rows.Next() {
		var c store.Count
		var b int64
		if err := rows.Scan(&b, &c.Outcome, &c.Urgency, &c.N); err != nil {
			return nil, fmt.Errorf("postgres: counts: %w", err)
		}
		c.Start = store.FromMillis(b)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: counts: %w", err)
	}
	return out, nil
}

// TopEntries implements store.Store.
func (s *DB) TopEntries(ctx context.Context, f store.Filter, n int) ([]store.EntryStats, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	since, until := store.Bounds(f)
	rows, err := s.pool.Query(ctx, `SELECT q.entry, COUNT(*),
			COALESCE(SUM((SELECT COUNT(*) FROM events e WHERE e.question_id = q.id AND e.kind = 'vote' AND e.vote = 'up')), 0),
			COALESCE(SUM((SELECT COUNT(*) FROM events e WHERE e.question_id = q.id AND e.kind = 'vote' AND e.vote = 'down')), 0)
		FROM questions q WHERE q.outcome = 'answer' AND q.entry <> '' AND q.at >= $1 AND q.at < $2
		GROUP BY q.entry ORDER BY COUNT(*) DESC, q.entry LIMIT $3`, since, until, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: top entries: %w", err)
	}
	defer rows.Close()
	var out []store.EntryStats
	for rows.Next() {
		var e store.EntryStats
		if err := rows.Scan(&e.Entry, &e.Answers, &e.Up, &e.Down); err != nil {
			return nil, fmt.Errorf("postgres: top entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: top entries: %w", err)
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
	err := s.pool.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN e.vote = 'up' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN e.vote = 'down' THEN 1 ELSE 0 END), 0)
		FROM events e JOIN questions q ON q.id = e.question_id
		WHERE e.kind = 'vote' AND q.at >= $1 AND q.at < $2`, since, until).Scan(&v.Up, &v.Down)
	if err != nil {
		return v, fmt.Errorf("postgres: votes: %w", err)
	}
	return v, nil
}

// Mark implements store.Store.
func (s *DB) Mark(ctx context.Context, m store.Mark) error {
	if err := s.check(); err != nil {
		return err
	}
	if m.ClusterID == "" || (m.State != store.MarkPromoted && m.State != store.MarkDismissed) {
		return fmt.Errorf("postgres: mark: need a cluster id and a state %q or %q", store.MarkPromoted, store.MarkDismissed)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO cluster_marks (cluster_id, state, entry, negative, text, at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (cluster_id) DO UPDATE SET state = excluded.state, entry = excluded.entry, negative = excluded.negative, text = excluded.text, at = excluded.at`,
		m.ClusterID, m.State, m.Entry, m.Negative, m.Text, ms(m.Time))
	if err != nil {
		return fmt.Errorf("postgres: mark: %w", err)
	}
	return nil
}

// Marks implements store.Store.
func (s *DB) Marks(ctx context.Context) ([]store.Mark, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT cluster_id, state, entry, negative, text, at FROM cluster_marks ORDER BY at, cluster_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: marks: %w", err)
	}
	defer rows.Close()
	var out []store.Mark
	for rows.Next() {
		var m store.Mark
		var at int64
		if err := rows.Scan(&m.ClusterID, &m.State, &m.Entry, &m.Negative, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("postgres: marks: %w", err)
		}
		m.Time = store.FromMillis(at)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: marks: %w", err)
	}
	return out, nil
}

// RecordAction implements store.Store.
func (s *DB) RecordAction(ctx context.Context, a store.Action) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO admin_actions (at, session, action, detail) VALUES ($1, $2, $3, $4)`, ms(a.Time), a.Session, a.Action, a.Detail); err != nil {
		return fmt.Errorf("postgres: record action: %w", err)
	}
	return nil
}

// Actions implements store.Store.
func (s *DB) Actions(ctx context.Context, n int) ([]store.Action, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT at, session, action, detail FROM admin_actions ORDER BY at DESC, id DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: actions: %w", err)
	}
	defer rows.Close()
	var out []store.Action
	for rows.Next() {
		var a store.Action
		var at int64
		if err := rows.Scan(&at, &a.Session, &a.Action, &a.Detail); err != nil {
			return nil, fmt.Errorf("postgres: actions: %w", err)
		}
		a.Time = store.FromMillis(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: actions: %w", err)
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
		return fmt.Errorf("postgres: record reload: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO reloads (at, trigger, ok, changed, version, entries, duration_us, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ms(r.Time), r.Trigger, r.OK, r.Changed, r.Version, r.Entries, r.Duration.Microseconds(), string(pj)); err != nil {
		return fmt.Errorf("postgres: record reload: %w", err)
	}
	return nil
}

// Reloads implements store.Store.
func (s *DB) Reloads(ctx context.Context, n int) ([]store.Reload, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT at, trigger, ok, changed, version, entries, duration_us, problems::text FROM reloads ORDER BY at DESC, id DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: reloads: %w", err)
	}
	defer rows.Close()
	var out []store.Reload
	for rows.Next() {
		var r store.Reload
		var at, us int64
		var pj string
		if err := rows.Scan(&at, &r.Trigger, &r.OK, &r.Changed, &r.Version, &r.Entries, &us, &pj); err != nil {
			return nil, fmt.Errorf("postgres: reloads: %w", err)
		}
		r.Time, r.Duration = store.FromMillis(at), time.Duration(us)*time.Microsecond
		if err := json.Unmarshal([]byte(pj), &r.Problems); err != nil {
			return nil, fmt.Errorf("postgres: reloads: %w", err)
		}
		if len(r.Problems) == 0 {
			r.Problems = nil
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: reloads: %w", err)
	}
	return out, nil
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

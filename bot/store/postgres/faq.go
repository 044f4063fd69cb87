package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"travelbot/internal/retry"
)

// faqChannel is the LISTEN/NOTIFY channel told of every FAQ version
// published; the payload is the version.
const faqChannel = "travelbot_faq"

// FAQVersion is one FAQ kept in the database: the YAML as it was read, its
// content version (faq.Table.Version) and where it came from.
type FAQVersion struct {
	Seq     int64 // increases with every publication
	Version string
	Name    string // the file name problems are reported against
	YAML    []byte
	Source  string // the trigger that made it: "start", "file", "http", "promote", ...
	Time    time.Time
}

// faqLock is the transaction-level advisory lock every publication holds,
// so that PublishFAQAfter's check and its insert see no publication slip
// in between.
const faqLock = 0x7472_6176_6661_71 // "travfaq"

// ErrFAQChanged is returned by PublishFAQAfter when a version was
// published after the one the caller edited.
var ErrFAQChanged = errors.New("postgres: a newer FAQ version was published meanwhile")

// PublishFAQ appends v as the latest FAQ version and notifies every replica
// watching (WatchFAQ), in one transaction. It returns v's sequence number.
func (s *DB) PublishFAQ(ctx context.Context, v FAQVersion) (int64, error) {
	return s.publishFAQ(ctx, v, -1)
}

// PublishFAQAfter publishes v as PublishFAQ does, but only while the
// latest version is still the one numbered after (the one v was edited
// from; 0 when none was published); otherwise nothing is published and the
// error is ErrFAQChanged. An edit made on an older version never hides one
// published meanwhile.
func (s *DB) PublishFAQAfter(ctx context.Context, v FAQVersion, after int64) (int64, error) {
	return s.publishFAQ(ctx, v, after)
}

// publishFAQ publishes v; after, unless negative, is the sequence number
// the latest version must still have.
func (s *DB) publishFAQ(ctx context.Context, v FAQVersion, after int64) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var seq int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(faqLock)); err != nil {
			return err
		}
		if after >= 0 {
			var latest int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(max(seq), 0) FROM faq_versions`).Scan(&latest); err != nil {
				return err
			}
			if latest != after {
				return ErrFAQChanged
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO faq_versions (version, name, yaml, source) VALUES ($1, $2, $3, $4) RETURNING seq`,
			v.Version, v.Name, v.YAML, v.Source).Scan(&seq); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, faqChannel, v.Version)
		return err
	})
	if errors.Is(err, ErrFAQChanged) {
		return 0, ErrFAQChanged
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: publish faq: %w", err)
	}
	return seq, nil
}

// LatestFAQ returns the latest FAQ version published; ok is false when none
// was.
func (s *DB) LatestFAQ(ctx context.Context) (v FAQVersion, ok bool, err error) {
	if err := s.check(); err != nil {
		return v, false, err
	}
	err = s.pool.QueryRow(ctx, `SELECT seq, version, name, yaml, source, at FROM faq_versions ORDER BY seq DESC LIMIT 1`).
		Scan(&v.Seq, &v.Version, &v.Name, &v.YAML, &v.Source, &v.Time)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("postgres: latest faq: %w", err)
	}
	v.Time = v.Time.UTC()
	return v, true, nil
}

// KnowsFAQ reports whether version was ever published.
func (s *DB) KnowsFAQ(ctx context.Context, version string) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM faq_versions WHERE version = $1`, version).Scan(&n); err != nil {
		return false, fmt.Errorf("postgres: faq versions: %w", err)
	}
	return n > 0, nil
}

// WatchFAQ calls changed whenever a FAQ version may have been published:
// on every notification, after every (re)connection (a notification sent
// while disconnected is lost), and every recheck as a safety net. It holds
// a connection of its own, reconnects with a capped backoff, and returns
// when ctx ends. changed runs on WatchFAQ's goroutine, one call at a time.
func (s *DB) WatchFAQ(ctx context.Context, recheck time.Duration, changed func(ctx context.Context)) {
	backoff := retry.New(250*time.Millisecond, 30*time.Second)
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := pgx.Connect(cctx, s.dsn)
		if err == nil {
			_, err = conn.Exec(cctx, `LISTEN `+faqChannel)
		}
		cancel()
		if err != nil {
			if conn != nil {
				conn.Close(context.WithoutCancel(ctx))
			}
			retry.Sleep(ctx, backoff.NextBackOff())
			continue
		}
		backoff.Reset()
		changed(ctx)
		for ctx.Err() == nil && !conn.IsClosed() {
			wctx, cancel := context.WithTimeout(ctx, recheck)
			_, err := conn.WaitForNotification(wctx)
			cancel()
			if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed() {
				break // a broken connection: reconnect
			}
			if ctx.Err() == nil {
				changed(ctx)
			}
		}
		cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		conn.Close(cctx)
		cancel()
	}
}

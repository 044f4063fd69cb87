package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"travelbot/internal/retry"
)

// Claims records, in the store, which platform updates have been answered,
// so that a process restarted after a crash (kill -9 included) does not
// answer again what it answered before: the adapter claims an update
// before it replies and marks the claim done once the reply went out,
// before the update is confirmed to the platform. It has the semantics of
// the PostgreSQL store's Claims (a lease, renewed while the update is
// handled; a claim held by a process that died is taken over once its
// lease runs out), so several processes sharing the file also answer each
// update once. The clock is the machine's. Claims is safe for concurrent
// use.
//
// One window is left, as the platforms allow: a process killed after the
// platform took its reply but before the claim was marked done (one local
// write) answers that update again after the restart.
type Claims struct {
	db    *DB
	owner string
	ttl   time.Duration
	poll  time.Duration
	log   *slog.Logger
	now   func() time.Time
}

// Claims returns the claims of owner (unique per process: a restarted
// process is another owner) with leases of ttl (at least a second).
func (s *DB) Claims(owner string, ttl time.Duration, log *slog.Logger) *Claims {
	ttl = max(ttl, time.Second)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Claims{db: s, owner: owner, ttl: ttl, poll: min(ttl/4, 100*time.Millisecond), log: log, now: time.Now}
}

// Claim claims key for this owner. It returns a finish func when this
// owner must handle the key: call it once, with handled true when the
// reply went out (the key is done for good) or false to give the key up
// at once. It returns nil, nil when the key was handled already. While
// another holder's lease on the key is live, Claim waits; it returns
// ctx's error if ctx ends first, or the database's.
func (c *Claims) Claim(ctx context.Context, key string) (finish func(handled bool), err error) {
	if err := c.db.check(); err != nil {
		return nil, err
	}
	for {
		mine, done, left, err := c.try(ctx, key)
		switch {
		case err != nil:
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		case mine:
			return c.hold(key), nil
		case done:
			return nil, nil
		}
		if err := retry.Sleep(ctx, min(c.poll, max(left, 10*time.Millisecond))); err != nil {
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		}
	}
}

// try claims key once: mine when it is now this owner's, done when it was
// handled, or how long the other holder's lease has left.
func (c *Claims) try(ctx context.Context, key string) (mine, done bool, left time.Duration, err error) {
	now := ms(c.now())
	var one int
	err = c.db.db.QueryRowContext(ctx, `INSERT INTO claims (key, owner, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, attempts = claims.attempts + 1
		WHERE NOT claims.done AND claims.expires_at < ?
		RETURNING 1`, key, c.owner, now+c.ttl.Milliseconds(), now).Scan(&one)
	if err == nil {
		return true, false, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, false, 0, err
	}
	var expires int64
	err = c.db.db.QueryRowContext(ctx, `SELECT done, expires_at FROM claims WHERE key = ?`, key).Scan(&done, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, false, 0, nil // purged in between: claim it afresh
	case err != nil:
		return false, false, 0, err
	}
	return false, done, time.Duration(expires-now) * time.Millisecond, nil
}

// hold renews the lease on key until the returned finish is called.
func (c *Claims) hold(key string) func(bool) {
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(c.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), c.ttl/3)
				_, err := c.db.db.ExecContext(ctx, `UPDATE claims SET expires_at = ? WHERE key = ? AND owner = ? AND NOT done`, ms(c.now())+c.ttl.Milliseconds(), key, c.owner)
				cancel()
				if err != nil {
					c.log.Warn("cannot renew a claim; the update may be answered twice", "key", key, "err", err)
				}
			}
		}
	}()
	var once bool
	return func(handled bool) {
		if once {
			return
		}
		once = true
		close(stop)
		<-stopped
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q, args := `UPDATE claims SET done = 1 WHERE key = ? AND owner = ?`, []any{key, c.owner}
		if !handled {
			q, args = `UPDATE claims SET expires_at = ? WHERE key = ? AND owner = ? AND NOT done`, []any{ms(c.now()) - 1, key, c.owner}
		}
		if _, err := c.db.db.ExecContext(ctx, q, args...); err != nil {
			c.log.Warn("cannot finish a claim", "key", key, "handled", handled, "err", err)
		}
	}
}

// PurgeClaims deletes the claims whose lease ended before before (done or
// abandoned long ago) and returns how many went.
func (s *DB) PurgeClaims(ctx context.Context, before time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM claims WHERE expires_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge claims: %w", err)
	}
	return res.RowsAffected()
}

// claimsKept is how long LocalClaims keeps the record of an answered key:
// Telegram keeps an unconfirmed update, and so may deliver it again, for
// 24 hours.
const claimsKept = 25 * time.Hour

// LocalClaims records which platform updates one process has answered, for
// a bot that a single process serves from this store (Telegram lets one
// process poll a bot at a time): a process restarted after a crash, kill -9
// included, does not answer again what its predecessor answered. It takes
// no lease, because no other process handles the same updates: Claim only
// reads, and finish(true) is the one write per key, made right after the
// reply went out and before the update is confirmed to the platform (the
// Telegram adapter claims an update, and each message of a reply in
// several under a key of its own).
// A key claimed by an earlier process that died before answering it (a
// lease of Claims, or nothing at all) is handled again at once, with no
// wait for a lease to run out.
//
// Within the process the adapter makes sure an update is handled by one
// goroutine at a time; across processes sharing the file, use Claims.
//
// The window left is Claims': a process killed after the platform took a
// reply but before finish(true) was written answers that update again
// after the restart. It is safe for concurrent use.
type LocalClaims struct {
	db    *DB
	owner string
	log   *slog.Logger
	now   func() time.Time

	mu     sync.Mutex
	purged time.Time // when records past claimsKept were last deleted
}

// LocalClaims returns the claims of a process (owner names it in the
// records, for diagnosis) that alone serves the bot from this store.
func (s *DB) LocalClaims(owner string, log *slog.Logger) *LocalClaims {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &LocalClaims{db: s, owner: owner, log: log, now: time.Now}
}

// Claim returns a finish func when key has not been answered (call it
// once, with handled true when the reply went out), nil, nil when it has.
func (c *LocalClaims) Claim(ctx context.Context, key string) (finish func(handled bool), err error) {
	if err := c.db.check(); err != nil {
		return nil, err
	}
	var done bool
	err = c.db.db.QueryRowContext(ctx, `SELECT done FROM claims WHERE key = ?`, key).Scan(&done)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	case done:
		return nil, nil
	}
	var once sync.Once
	return func(handled bool) {
		if handled {
			once.Do(func() { c.answered(key) })
		}
	}, nil
}

// answered records key as answered, and now and then deletes the records
// too old to matter.
func (c *LocalClaims) answered(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.now()
	_, err := c.db.db.ExecContext(ctx, `INSERT INTO claims (key, owner, expires_at, done) VALUES (?, ?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, done = 1`, key, c.owner, ms(now))
	if err != nil {
		c.log.Warn("cannot record an answered update; it may be answered again after a restart", "key", key, "err", err)
		return
	}
	c.mu.Lock()
	purge := now.Sub(c.purged) >= time.Hour
	if purge {
		c.purged = now
	}
	c.mu.Unlock()
	if purge {
		if _, err := c.db.PurgeClaims(ctx, now.Add(-claimsKept)); err != nil {
			c.log.Warn("cannot delete old claims", "err", err)
		}
	}
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"travelbot/internal/retry"
)

// Claims makes each key (a Telegram update id, a Discord interaction id)
// handled by one replica: the first to claim it holds a lease, renewed
// while it works, and marks the key done when it has answered. A replica
// that claims a key held by another waits until that one is done (and then
// leaves it alone) or its lease runs out because it died (and then takes
// it over). The database's clock decides expiry, so replicas' clocks do not
// matter. Claims is safe for concurrent use.
//
// Exactly once holds except for one window: a replica killed after the
// platform took its reply but before it marked the key done gets the key
// retried by another replica, which answers it a second time.
type Claims struct {
	db    *DB
	owner string
	ttl   time.Duration
	poll  time.Duration
	log   *slog.Logger
}

// Claims returns the claims of owner (unique per process: a restarted
// replica is another owner) with leases of ttl (at least a second).
func (s *DB) Claims(owner string, ttl time.Duration, log *slog.Logger) *Claims {
	ttl = max(ttl, time.Second)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Claims{db: s, owner: owner, ttl: ttl, poll: min(ttl/4, 100*time.Millisecond), log: log}
}

// Claim claims key for this replica. It returns a finish func when this
// replica must handle the key: call it once, with handled true when the
// reply went out (the key is done for good) or false to give the key up at
// once for a retry. It returns nil, nil when the key was handled by a
// replica already. While another replica holds a live lease on the key,
// Claim waits; it returns ctx's error if ctx ends first, or the database's.
func (c *Claims) Claim(ctx context.Context, key string) (finish func(handled bool), err error) {
	if err := c.db.check(); err != nil {
		return nil, err
	}
	for {
		finish, done, left, err := c.try(ctx, key)
		switch {
		case err != nil:
			return nil, err
		case finish != nil:
			return finish, nil
		case done:
			return nil, nil
		}
		if err := retry.Sleep(ctx, min(c.poll, max(left, 10*time.Millisecond))); err != nil {
			return nil, fmt.Errorf("postgres: claim: %w", err)
		}
	}
}

// try claims key once. It returns a finish func when the key is now this
// replica's, done when it was handled, or how long the other holder's
// lease has left.
func (c *Claims) try(ctx context.Context, key string) (finish func(bool), done bool, left time.Duration, err error) {
	// A database that hangs must not hold the reply up for long: the
	// queries get the lease's length, then the error says why.
	ctx, cancel := context.WithTimeout(ctx, c.ttl)
	defer cancel()
	var mine bool
	err = c.db.pool.QueryRow(ctx, `INSERT INTO claims (key, owner, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, attempts = claims.attempts + 1
		WHERE NOT claims.done AND claims.expires_at < now()
		RETURNING true`, key, c.owner, c.ttl.Seconds()).Scan(&mine)
	if err == nil && mine {
		return c.hold(key), false, 0, nil
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, false, 0, fmt.Errorf("postgres: claim: %w", err)
	}
	var secs float64
	err = c.db.pool.QueryRow(ctx, `SELECT done, EXTRACT(EPOCH FROM expires_at - now())::float8 FROM claims WHERE key = $1`, key).Scan(&done, &secs)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, false, 0, nil // purged in between: claim it afresh
	case err != nil:
		return nil, false, 0, fmt.Errorf("postgres: claim: %w", err)
	}
	return nil, done, time.Duration(secs * float64(time.Second)), nil
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
				tag, err := c.db.pool.Exec(ctx, `UPDATE claims SET expires_at = now() + make_interval(secs => $3) WHERE key = $1 AND owner = $2 AND NOT done`, key, c.owner, c.ttl.Seconds())
				cancel()
				if err != nil {
					c.log.Warn("cannot renew a claim; another replica may answer it too", "key", key, "err", err)
				} else if tag.RowsAffected() == 0 {
					c.log.Warn("lost a claim to another replica", "key", key)
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
		q := `UPDATE claims SET done = true WHERE key = $1 AND owner = $2`
		if !handled {
			q = `UPDATE claims SET expires_at = now() WHERE key = $1 AND owner = $2 AND NOT done`
		}
		if _, err := c.db.pool.Exec(ctx, q, key, c.owner); err != nil {
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
	tag, err := s.pool.Exec(ctx, `DELETE FROM claims WHERE expires_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: purge claims: %w", err)
	}
	return tag.RowsAffected(), nil
}

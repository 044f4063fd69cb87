package postgres

import (
	"context"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"travelbot/internal/retry"
)

// Elector elects one leader among the replicas: the process holding a
// session-level advisory lock on a connection of its own. PostgreSQL
// releases the lock when that connection ends, so when the leader dies
// (even by SIGKILL: the kernel closes its socket) another replica gets the
// lock at its next try, within Interval. A leader that cannot reach the
// database for 2×Interval steps down on its own. It is safe for concurrent
// use.
type Elector struct {
	dsn      string
	key      int64
	interval time.Duration
	log      *slog.Logger
	leading  atomic.Bool
}

// Elector returns an elector for the role name ("gateway"); every replica
// asking for the same name competes for one lock. interval is how often a
// follower tries and a leader checks its connection (default 1s).
func (s *DB) Elector(name string, interval time.Duration, log *slog.Logger) *Elector {
	h := fnv.New64a()
	h.Write([]byte("travelbot leader " + name))
	if interval <= 0 {
		interval = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Elector{dsn: s.dsn, key: int64(h.Sum64()), interval: interval, log: log}
}

// Leading reports whether this process is the leader now.
func (e *Elector) Leading() bool { return e.leading.Load() }

// Run campaigns until ctx ends. Each time this process becomes the leader it
// calls lead with a context that ends when leadership is lost (or ctx
// ends), and waits for lead to return before campaigning again; if lead
// returns on its own, leadership is given up for another replica to take.
// Run returns when ctx ends, after lead has returned.
func (e *Elector) Run(ctx context.Context, lead func(ctx context.Context)) {
	backoff := retry.New(e.interval, 30*time.Second)
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := pgx.Connect(cctx, e.dsn)
		cancel()
		if err != nil {
			d := backoff.NextBackOff()
			if ctx.Err() == nil {
				e.log.Warn("leader election: cannot connect; retrying", "err", err, "in", d)
			}
			retry.Sleep(ctx, d)
			continue
		}
		backoff.Reset()
		e.campaign(ctx, conn, lead)
		cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), e.interval)
		conn.Close(cctx) // releases the lock, if held
		cancel()
	}
}

// campaign tries for the lock on conn until ctx ends or conn fails; when it
// gets it, it leads until leadership ends, then returns.
func (e *Elector) campaign(ctx context.Context, conn *pgx.Conn, lead func(context.Context)) {
	for {
		var got bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, e.key).Scan(&got); err != nil {
			if ctx.Err() == nil {
				e.log.Warn("leader election: lost the database connection", "err", err)
			}
			return
		}
		if got {
			e.leadOn(ctx, conn, lead)
			return
		}
		if retry.Sleep(ctx, e.interval) != nil {
			return
		}
	}
}

// leadOn runs lead while conn, which holds the lock, stays healthy.
func (e *Elector) leadOn(ctx context.Context, conn *pgx.Conn, lead func(context.Context)) {
	e.log.Info("became the leader")
	e.leading.Store(true)
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer cancel()
		lead(lctx)
	})
	defer func() {
		cancel()
		wg.Wait()
		e.leading.Store(false)
		e.log.Info("no longer the leader")
	}()
	t := time.NewTicker(e.interval)
	defer t.Stop()
	for {
		select {
		case <-lctx.Done():
			return
		case <-t.C:
		}
		pctx, pcancel := context.WithTimeout(lctx, 2*e.interval)
		err := conn.Ping(pctx)
		pcancel()
		if err != nil && lctx.Err() == nil {
			e.log.Warn("leader: lost the database connection; stepping down", "err", err)
			return
		}
	}
}

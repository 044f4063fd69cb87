package postgres

import (
	"context"
	"fmt"
	"time"

	"travelbot/internal/retry"
)

// Pace spaces out an action every replica takes but the platform limits
// for all of them together: Discord allows one gateway IDENTIFY per 5 s per
// application (max_concurrency 1), whichever process sends it. Each call
// reserves the next slot of name, at least spacing after the one before,
// and waits for it; it returns ctx's error if ctx ends first. The
// database's clock sets the slots. It is safe for concurrent use, by any
// number of processes.
func (s *DB) Pace(ctx context.Context, name string, spacing time.Duration) error {
	if err := s.check(); err != nil {
		return err
	}
	var wait float64
	err := s.pool.QueryRow(ctx, `INSERT INTO paces (name, next_at) VALUES ($1, now() + make_interval(secs => $2))
		ON CONFLICT (name) DO UPDATE SET next_at = greatest(paces.next_at, now()) + make_interval(secs => $2)
		RETURNING EXTRACT(EPOCH FROM paces.next_at - make_interval(secs => $2) - now())::float8`, name, spacing.Seconds()).Scan(&wait)
	if err != nil {
		return fmt.Errorf("postgres: pace %s: %w", name, err)
	}
	if wait <= 0 {
		return nil
	}
	if err := retry.Sleep(ctx, time.Duration(wait*float64(time.Second))); err != nil {
		return fmt.Errorf("postgres: pace %s: %w", name, err)
	}
	return nil
}

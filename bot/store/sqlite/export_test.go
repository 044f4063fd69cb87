package sqlite

import (
	"context"
	"time"
)

// ExecForTest runs a statement on the database, for tests that need to
// tamper with it.
func (s *DB) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

// SetNowForTest sets the clock the claims' leases are read with.
func (c *Claims) SetNowForTest(now func() time.Time) { c.now = now }

package sqlite

import "context"

// ExecForTest runs a statement on the database, for tests that need to
// tamper with it.
func (s *DB) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

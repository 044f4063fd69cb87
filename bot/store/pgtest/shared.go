package pgtest

import (
	"sync"
	"testing"
)

// Shared is one cluster that all the tests of a package share, started by
// the first test that asks for it (so a run that selects no PostgreSQL test
// starts none) and stopped by TestMain. A cluster takes a second or more to
// initialise; each test still gets a database of its own (Database), so
// sharing the server costs no isolation. The zero value is ready:
//
//	var pg pgtest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pg.Close()
//		os.Exit(code)
//	}
//
//	func TestX(t *testing.T) { dsn := pg.Start(t).Database(t); ... }
type Shared struct {
	mu  sync.Mutex
	c   *Cluster
	err error
}

// Start returns the shared cluster, starting it on the first call. Like
// the package's Start it skips t when PostgreSQL is not installed, unless
// CI is set: then it fails t. A cluster that failed to start fails every
// test that asks for it, with the same error.
func (s *Shared) Start(t testing.TB) *Cluster {
	t.Helper()
	s.mu.Lock()
	if s.c == nil && s.err == nil {
		s.c, s.err = New()
	}
	c, err := s.c, s.err
	s.mu.Unlock()
	check(t, err)
	return c
}

// Close stops the cluster if one was started. TestMain calls it after
// m.Run; it is safe to call more than once.
func (s *Shared) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != nil {
		s.c.Close()
		s.c = nil
	}
}

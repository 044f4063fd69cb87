// Package testutil holds the helpers travelbot's tests share: a log sink
// safe for concurrent writes, a clock tests move by hand, and the check of
// accuracy floors. It is for tests only and imports nothing of ours, so any
// package's tests (internal or external) may use it.
package testutil

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// SyncBuffer is an io.Writer safe for concurrent writes (a log sink that
// many goroutines write to while a test reads it). The zero value is ready.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Clock is a time source that moves only when the test moves it. It is
// safe for concurrent use; pass its Now where code takes a
// func() time.Time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Start is the time a NewClock starts at: during the Games.
var Start = time.Date(2026, 2, 6, 20, 0, 0, 0, time.UTC)

// NewClock returns a Clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Floor is one figure a quality test holds up: Got must be at least Min.
type Floor struct {
	Name     string
	Got, Min float64
}

// CheckFloors fails the test, naming every figure, when any of floors is
// under its minimum; it logs the figures either way. It reports whether all
// held, so a caller can log the failing cases.
func CheckFloors(t testing.TB, what string, floors ...Floor) bool {
	t.Helper()
	var figures []string
	ok := true
	for _, f := range floors {
		figures = append(figures, fmt.Sprintf("%s %.3f (floor %.2f)", f.Name, f.Got, f.Min))
		if !(f.Got >= f.Min) {
			ok = false
		}
	}
	if ok {
		t.Logf("%s: %s", what, strings.Join(figures, ", "))
	} else {
		t.Errorf("%s regressed: %s", what, strings.Join(figures, ", "))
	}
	return ok
}

package testutil

import (
	"sync"
	"testing"
	"time"
)

// Events is a list of things that happened (reloads, log records), that
// the code under test appends to from any goroutine and a test waits on
// without polling: every Add wakes the waiters. The zero value is ready.
type Events[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{} // closed and replaced by Add; nil until a waiter needs it
}

// Add appends v and wakes every waiter.
func (e *Events[T]) Add(v T) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.items = append(e.items, v)
	if e.changed != nil {
		close(e.changed)
		e.changed = nil
	}
}

// Len is how many events there are: pass it to Wait as from, taken before
// the action whose event the test waits for, so that an earlier event
// alike does not count.
func (e *Events[T]) Len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.items)
}

// All returns a copy of the events so far.
func (e *Events[T]) All() []T {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]T(nil), e.items...)
}

// Wait returns the first event at index from or later that match accepts,
// waiting up to timeout for it to happen, and the index after it (the from
// of a wait for a later one). match sees each event once, in order. ok is
// false on timeout.
func (e *Events[T]) Wait(from int, timeout time.Duration, match func(T) bool) (v T, next int, ok bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for i := from; ; {
		e.mu.Lock()
		for ; i < len(e.items); i++ {
			if match(e.items[i]) {
				v = e.items[i]
				e.mu.Unlock()
				return v, i + 1, true
			}
		}
		if e.changed == nil {
			e.changed = make(chan struct{})
		}
		changed := e.changed
		e.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return v, i, false
		}
	}
}

// Eventually reports whether cond holds within timeout, checking it at once
// and then every 10 ms. It polls, so it is only for state that nothing
// announces and the test can only look at from outside: another process
// (its HTTP endpoints, its exit), rows in a database. In-process, wait on
// what the code under test announces instead (a channel, Events, a fake
// server's notification). It stops early, false, when t's context ends.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return cond()
		case <-t.Context().Done():
			return false
		}
	}
}

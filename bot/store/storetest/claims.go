package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Claims is what the adapters need of a store's claims on updates (the
// method set of telegram.Claims and discord.Claims): Claim returns a
// finish func when the caller must handle key, to be called once with
// whether the reply went out, and nil, nil when key was handled already.
type Claims interface {
	Claim(ctx context.Context, key string) (finish func(handled bool), err error)
}

// RunClaims runs the claims contract. open returns, for one subtest, a
// function that makes the claims of an owner over one fresh store, shared
// by every owner of that subtest. Leases are to be long (seconds): the
// contract never waits for one to run out.
func RunClaims(t *testing.T, open func(t *testing.T) (owner func(name string) Claims)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, owner func(string) Claims)
	}{
		{"AnsweredOnce", testClaimAnsweredOnce},
		{"GivenUp", testClaimGivenUp},
		{"HeldWaits", testClaimHeldWaits},
		{"ConcurrentOneWinner", testClaimConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func claim(t *testing.T, c Claims, key string) func(bool) {
	t.Helper()
	finish, err := c.Claim(context.Background(), key)
	if err != nil {
		t.Fatalf("Claim(%q): %v", key, err)
	}
	return finish
}

// A key handled by one owner is handled: not by it again, not by another
// (a restarted process is another owner); other keys are unaffected.
func testClaimAnsweredOnce(t *testing.T, owner func(string) Claims) {
	a, b := owner("a"), owner("b")
	finish := claim(t, a, "telegram:1:100")
	if finish == nil {
		t.Fatal("the first claim of a key got nothing to handle")
	}
	finish(true)
	finish(true) // a second call is harmless
	if f := claim(t, a, "telegram:1:100"); f != nil {
		t.Error("the owner that answered a key claimed it again")
	}
	if f := claim(t, b, "telegram:1:100"); f != nil {
		t.Error("another owner claimed a key already answered")
	}
	if f := claim(t, b, "telegram:1:101"); f == nil {
		t.Error("a new key was not claimed")
	} else {
		f(true)
	}
}

// A key given up (finish(false)) is claimed again at once.
func testClaimGivenUp(t *testing.T, owner func(string) Claims) {
	a, b := owner("a"), owner("b")
	claim(t, a, "k")(false)
	f := claim(t, b, "k")
	if f == nil {
		t.Fatal("a key given up was not claimed again")
	}
	f(true)
	if claim(t, a, "k") != nil {
		t.Error("a key answered after being given up was claimed again")
	}
}

// While a key is held, another owner's claim waits (here until its
// deadline) and gets nothing to handle; once the holder answers, it
// is told the key was handled.
func testClaimHeldWaits(t *testing.T, owner func(string) Claims) {
	a, b := owner("a"), owner("b")
	finish := claim(t, a, "k")
	// A deadline bounds the wait; the claim must not take the key.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if f, err := b.Claim(ctx, "k"); f != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("claim of a held key = %v, %v; want it waited for until the deadline", f != nil, err)
	}
	waited := make(chan func(bool), 1)
	go func() {
		f, err := b.Claim(context.Background(), "k")
		if err != nil {
			t.Errorf("Claim: %v", err)
		}
		waited <- f
	}()
	finish(true)
	if f := <-waited; f != nil {
		t.Error("the claim that waited for the holder got the key the holder answered")
	}
}

// Owners racing for one key: exactly one handles it.
func testClaimConcurrent(t *testing.T, owner func(string) Claims) {
	var handled atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		c := owner(string(rune('a' + i)))
		wg.Go(func() {
			f, err := c.Claim(context.Background(), "race")
			if err != nil {
				t.Errorf("Claim: %v", err)
				return
			}
			if f != nil {
				handled.Add(1)
				f(true)
			}
		})
	}
	wg.Wait()
	if n := handled.Load(); n != 1 {
		t.Errorf("%d owners handled the key, want 1", n)
	}
}

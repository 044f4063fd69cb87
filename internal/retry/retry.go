// Package retry is the project's one backoff: how long every retry loop
// (the Telegram and Discord adapters' API calls and connections, the FAQ
// file watcher's re-added watches, the PostgreSQL store's leader election
// and FAQ listener) waits before its next attempt. It is
// github.com/cenkalti/backoff/v5's exponential backoff with the project's
// defaults, plus the two things every caller needs around it: a wait the
// server asked for (Telegram's retry_after, Discord's Retry-After) takes
// the place of the backoff's interval, and a sleep that ends with its
// context.
package retry

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// The project's backoff: each wait twice the last, from the caller's first
// wait up to its most, each moved by up to a quarter either way so that
// replicas (or many watchers) started together do not retry in step.
const (
	Multiplier = 2
	Jitter     = 0.25
)

// New returns a backoff whose waits start near first and double up to
// near most (within Jitter either way), and that never gives up: callers
// bound their attempts or their context. Reset starts it again from first,
// as after a success.
func New(first, most time.Duration) *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = first
	b.MaxInterval = most
	b.Multiplier = Multiplier
	b.RandomizationFactor = Jitter
	b.Reset()
	return b
}

// Next is how long to wait before the next attempt: asked, the wait the
// server asked for (a 429's Retry-After or retry_after), when it asked for
// one, otherwise b's next interval. The server's wait is taken as is, not
// jittered and not capped: waiting less is refused again, and the caller's
// deadline bounds the rest.
func Next(b backoff.BackOff, asked time.Duration) time.Duration {
	if asked > 0 {
		return asked
	}
	return b.NextBackOff()
}

// Sleep waits d, or until ctx is done, then returning ctx's error. A wait
// of 0 or less returns at once, with ctx's error if it is done already.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

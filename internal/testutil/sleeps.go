package testutil

import (
	"context"
	"time"
)

// Sleeps stands in for an injected sleep function (the
// func(ctx, d) error that code under test waits with): it records each
// wait asked for and returns at once, so a test sees the waits a backoff
// or a limit imposes without taking them. The zero value is ready; its
// Events hold the waits in order.
type Sleeps struct {
	Events[time.Duration]
}

// Sleep records d and returns ctx's error, as a sleep cut short by ctx
// would.
func (s *Sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.Add(d)
	return ctx.Err()
}

package telegram

import (
	"context"
	"errors"
	"time"

	"golang.org/x/time/rate"
)

// SetWebhookWait shortens how long a webhook request waits for its update
// (25s in production). Call it before the first request.
func SetWebhookWait(a *Adapter, d time.Duration) { a.hookWait = d }

// WebhookDuplicates is the number of webhook deliveries that arrived while
// their update id was still being handled.
func WebhookDuplicates(a *Adapter) int {
	st := a.hooks.Load()
	if st == nil {
		return 0
	}
	st.calls.mu.Lock()
	defer st.calls.mu.Unlock()
	return st.calls.duplicates
}

// SetRepoll shortens the waits between polls while updates are in flight
// (250 ms doubling to 2 s in production). Call it before Run.
func SetRepoll(a *Adapter, lo, hi time.Duration) { a.repollMin, a.repollMax = lo, hi }

// SetLimitClock makes the limits on outgoing messages reserve their tokens
// at now() and wait for them with sleep, instead of reading the wall clock
// and sleeping, so a test can see each wait a limit imposes without taking
// it. Call it before Run.
func SetLimitClock(a *Adapter, now func() time.Time, sleep func(context.Context, time.Duration) error) {
	a.out.take = func(ctx context.Context, l *rate.Limiter) error {
		r := l.ReserveN(now(), 1)
		if !r.OK() {
			return errors.New("the limit's burst is under one message")
		}
		if d := r.DelayFrom(now()); d > 0 {
			return sleep(ctx, d)
		}
		return ctx.Err()
	}
}

// OnGlobalQueue calls f each time a send joins the queue for the global
// limit's tokens, urgent or not. f runs with the queue locked: it must not
// block. Call it before Run.
func OnGlobalQueue(a *Adapter, f func(urgent bool)) { a.out.global.onQueued = f }

// resolve turns e: or h: callback data back into an entry id, scanning the
// FAQ for a hash no longer remembered, as decode does.
func (a *Adapter) resolve(data string) (string, bool) {
	id, ok, _ := a.resolveEntry(data, true)
	return id, ok
}

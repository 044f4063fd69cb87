package faq

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Reloader is the one reload path: the file watcher, SIGHUP, the HTTP admin
// call and the admins' chat command all call Reload. A reload loads (parses
// and validates) the FAQ, skips everything else when its content is what is
// already serving, and otherwise compiles a complete new table off to the
// side and swaps it in with one atomic store. On any failure the table that
// was serving keeps serving.
//
// Reloads run one at a time; a trigger that arrives during a reload waits for
// it and then reloads again, so it always sees the file as it was when it
// asked. Reload is safe for concurrent use.
type Reloader struct {
	live *Live
	load func(context.Context) (*FAQ, error)
	opts []Option
	sem  chan struct{} // a one-slot lock that a waiting caller can give up on

	// OnReload, when set, is told about every attempt (after the swap, if
	// any), for logs and metrics. Set it before the first Reload; it is
	// called with no reload running concurrently and must not call Reload.
	OnReload func(ReloadResult)
}

// NewReloader returns a Reloader that swaps tables into live. load returns
// the FAQ to serve (Parse and Load give problems as *ValidationError); opts
// are the compile options every table is built with (WithThresholds).
func NewReloader(live *Live, load func(context.Context) (*FAQ, error), opts ...Option) *Reloader {
	return &Reloader{live: live, load: load, opts: opts, sem: make(chan struct{}, 1)}
}

// Reload runs one reload for trigger ("file", "signal", "http", "telegram",
// ...) and reports it. It returns early, with Err set to the context's
// error, if ctx ends while waiting for another reload to finish.
func (r *Reloader) Reload(ctx context.Context, trigger string) ReloadResult {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		cur := r.live.Current()
		return ReloadResult{Trigger: trigger, Version: cur.Version(), Entries: cur.Len(), Err: fmt.Errorf("reload: %w", ctx.Err())}
	}
	defer func() { <-r.sem }()

	start := time.Now()
	res := r.reload(ctx)
	res.Trigger = trigger
	res.Duration = time.Since(start)
	cur := r.live.Current()
	res.Version, res.Entries = cur.Version(), cur.Len()
	if r.OnReload != nil {
		r.OnReload(res)
	}
	return res
}

// reload does the work; Reload fills in what is serving afterwards.
func (r *Reloader) reload(ctx context.Context) ReloadResult {
	f, err := r.load(ctx)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && len(ve.Problems) > 0 {
			// Warnings are not why it failed: report the errors only.
			var errs []Problem
			for _, p := range ve.Problems {
				if !p.Warning {
					errs = append(errs, p)
				}
			}
			if len(errs) == 0 {
				errs = ve.Problems
			}
			return ReloadResult{Problems: errs}
		}
		return ReloadResult{Err: err}
	}
	// Hash what Compile hashes: its clone of f, whose empty lists are
	// spelled the same whatever the loader produced.
	if hashFAQ(cloneFAQ(f)) == r.live.Current().Version() {
		return ReloadResult{OK: true}
	}
	t, err := Compile(f, r.opts...)
	if err != nil {
		return ReloadResult{Err: fmt.Errorf("%s: %w", f.File, err)}
	}
	r.live.Store(t)
	return ReloadResult{OK: true, Changed: true}
}

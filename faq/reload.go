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
// asked. Every reload has a deadline (Timeout): one whose load or compile
// has not finished by then is reported as failed and abandoned, and the
// next one runs, so a stuck file never stops reloading or shutdown. The
// matcher never waits for a reload: the swap is one atomic store.
//
// A reload triggered by the file (TriggerFile) is refused when the new FAQ
// has fewer than half the entries of the one serving: a file that lost half
// its entries is more likely a mistake or a cut-off write than an edit. An
// admin's reload (SIGHUP, HTTP, chat) loads it. Reload is safe for
// concurrent use.
type Reloader struct {
	live *Live
	load func(context.Context) (*Document, error)
	opts []Option
	sem  chan struct{} // a one-slot lock that a waiting caller can give up on
	// compiling is held by the goroutine that compiles until the compile
	// ends, even when its reload has given up on it: an abandoned compile
	// and a new one never run at once, so their memory stays that of one.
	// (A load, which may block on I/O, holds nothing: a stuck one never
	// stops the next reload.)
	compiling chan struct{}

	// Timeout bounds one reload, load and compile together
	// (DefaultReloadTimeout unless set before the first Reload).
	Timeout time.Duration

	// OnReload, when set, is told about every attempt (after the swap, if
	// any), for logs and metrics. Set it before the first Reload; it is
	// called with no reload running concurrently and must not call Reload.
	OnReload func(ReloadResult)
}

// NewReloader returns a Reloader that swaps tables into live. load returns
// the FAQ to serve (Parse and Load give problems as *ValidationError); opts
// are the compile options every table is built with (WithThresholds). It
// compiles with WithWorkers(ReloadWorkers()) (unless opts say otherwise)
// and WithLowPriority, so that a reload leaves the matcher the cores.
func NewReloader(live *Live, load func(context.Context) (*Document, error), opts ...Option) *Reloader {
	opts = append([]Option{WithWorkers(ReloadWorkers()), WithLowPriority()}, opts...) // theirs override
	return &Reloader{live: live, load: load, opts: opts, sem: make(chan struct{}, 1), compiling: make(chan struct{}, 1), Timeout: DefaultReloadTimeout}
}

// DefaultReloadTimeout is a Reloader's Timeout: several times what the
// largest FAQ the caps accept takes to load and compile on a small machine.
const DefaultReloadTimeout = 5 * time.Minute

// TriggerFile is the trigger of a reload started by a change of the file,
// to which the shrink rule applies.
const TriggerFile = "file"

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
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	res := r.reload(ctx, trigger)
	res.Trigger = trigger
	res.Duration = time.Since(start)
	cur := r.live.Current()
	res.Version, res.Entries = cur.Version(), cur.Len()
	if r.OnReload != nil {
		r.OnReload(res)
	}
	return res
}

// loaded is what a load and compile made of the file.
type loaded struct {
	f       *Document
	t       *Table // nil when the content is what is serving
	loadErr error
	err     error // compile error
}

// reload does the work; Reload fills in what is serving afterwards. The
// load and compile run on their own goroutine so that the deadline is kept
// even by a load that blocks; only this goroutine swaps a table in.
func (r *Reloader) reload(ctx context.Context, trigger string) ReloadResult {
	serving := r.live.Current()
	done := make(chan loaded, 1) // an abandoned load still finishes, unread
	go func() { done <- r.build(ctx, serving) }()
	var l loaded
	select {
	case l = <-done:
	case <-ctx.Done():
		return ReloadResult{Err: fmt.Errorf("reload: gave up after %v: %w", r.Timeout, context.Cause(ctx))}
	}
	f, err := l.f, l.loadErr
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
	if l.t == nil && l.err == nil {
		return ReloadResult{OK: true}
	}
	if l.err != nil {
		return ReloadResult{Err: fmt.Errorf("%s: %w", f.File, l.err)}
	}
	if n, was := len(f.Entries), serving.Len(); trigger == TriggerFile && 2*n < was {
		return ReloadResult{Problems: []Problem{{File: f.File, Line: 1, Col: 1, Msg: fmt.Sprintf(
			"the file has %d entries, under half of the %d serving: a file change does not load that (reload by SIGHUP, the admin call or chat to load it)", n, was)}}}
	}
	if r.live.Current() != serving {
		// Cannot happen while reloads run one at a time; never swap out
		// a table this reload did not compare against.
		return ReloadResult{Err: errors.New("reload: the serving table changed during the reload")}
	}
	r.live.Store(l.t)
	return ReloadResult{OK: true, Changed: true}
}

// build loads the FAQ and, unless its content is what is serving, compiles it.
func (r *Reloader) build(ctx context.Context, serving *Table) loaded {
	f, err := r.load(ctx)
	if err != nil {
		return loaded{loadErr: err}
	}
	if VersionOf(f) == serving.Version() {
		return loaded{f: f}
	}
	select {
	case r.compiling <- struct{}{}:
		defer func() { <-r.compiling }()
	case <-ctx.Done():
		return loaded{f: f, err: fmt.Errorf("an earlier reload that gave up is still compiling: %w", context.Cause(ctx))}
	}
	if err := ctx.Err(); err != nil {
		return loaded{f: f, err: err}
	}
	// The slot is held until the work is really over; a reload that gives
	// up ends ctx, which stops the compile within a few hundred phrasings.
	t, err := compile(ctx, f, r.opts...)
	return loaded{f: f, t: t, err: err}
}

package faq

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// cancelAfter is a context that cancels itself at its n-th Err call, so a
// test can stop a compile at a chosen point of its work without waiting on
// a clock. calls counts every Err call, before and after.
type cancelAfter struct {
	context.Context
	cancel context.CancelFunc
	n      int64
	calls  atomic.Int64
}

func newCancelAfter(n int64) *cancelAfter {
	ctx, cancel := context.WithCancel(context.Background())
	return &cancelAfter{Context: ctx, cancel: cancel, n: n}
}

func (c *cancelAfter) Err() error {
	if c.calls.Add(1) == c.n {
		c.cancel()
	}
	return c.Context.Err()
}

// TestCompileContextStops cancels compiles of a 10,000-phrasing FAQ in
// feature extraction and in training and checks that CompileContext
// returns the cancellation having looked at the context at most a few
// times more (so within a few hundred phrasings), with no goroutine of its
// own left running.
func TestCompileContextStops(t *testing.T) {
	big := genFAQ(100, 100)                          // batched, parallel training
	if _, err := Compile(genFAQ(2, 2)); err != nil { // the once-per-process work
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		after int64 // Err calls before the cancel
		opts  []Option
	}{
		{"before it starts", 1, nil},
		{"in feature extraction", 10, nil},
		// 10,000 phrasings: 80 looks in feature extraction, then training
		{"in training, all cores", 100, []Option{WithWorkers(0)}},
		{"in training, low priority", 100, []Option{WithWorkers(1), WithLowPriority()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := newCancelAfter(tc.after)
			defer ctx.cancel()
			type result struct {
				tab *Table
				err error
			}
			done := make(chan result, 1)
			go func() {
				tab, err := CompileContext(ctx, big, tc.opts...)
				done <- result{tab, err}
			}()
			r := <-done
			if !errors.Is(r.err, context.Canceled) || r.tab != nil {
				t.Fatalf("CompileContext = %v, %v; want no table and context.Canceled", r.tab, r.err)
			}
			if calls := ctx.calls.Load(); calls < tc.after || calls > tc.after+2 {
				t.Errorf("the context was looked at %d times, want %d to %d: the compile did not stop at the next look", calls, tc.after, tc.after+2)
			}
			// The workers have returned (train waits for them); let the
			// runtime retire them, then no goroutine may still be in the
			// compile. Counting goroutines instead would see whatever else
			// the package's tests leave running.
			var left string
			for i := 0; i < 10_000; i++ {
				if left = compileGoroutine(); left == "" {
					break
				}
				runtime.Gosched()
			}
			if left != "" {
				t.Errorf("a goroutine is still compiling after the cancelled compile:\n%s", left)
			}
		})
	}
}

// compileGoroutine returns the stack of a goroutine, other than the
// caller's, that is inside the compile (training or feature extraction), or
// "" when there is none.
func compileGoroutine() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the caller's own goroutine comes first
		}
		if strings.Contains(g, "travelbot/faq.train") || strings.Contains(g, "travelbot/faq.newMatcher") || strings.Contains(g, "travelbot/faq.CompileContext") {
			return g
		}
	}
	return ""
}

// TestCompileWorkersSameTable checks that the number of training workers
// and the priority change nothing in the table: the weights are the same.
func TestCompileWorkersSameTable(t *testing.T) {
	f := genFAQ(40, 60) // 2,400 phrasings: batched training
	var want *Table
	for _, opts := range [][]Option{
		{WithWorkers(1)},
		{WithWorkers(2)},
		{WithWorkers(4)},
		{WithWorkers(1), WithLowPriority()},
	} {
		tab, err := Compile(f, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = tab
			continue
		}
		if !slices.Equal(tab.m.clf.w, want.m.clf.w) || !slices.Equal(tab.m.clf.b, want.m.clf.b) {
			t.Errorf("options %d: weights differ from one worker's", len(opts))
		}
	}
}

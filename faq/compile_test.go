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

// TestCompileContextStops cancels compiles of a 2,400-phrasing FAQ (enough
// for batched, parallel training) before they start, in feature extraction
// and in training, and checks that CompileContext returns the cancellation
// from that stage having looked at the context at most a few times more
// (so within a few hundred phrasings), with no goroutine of its own left
// running.
func TestCompileContextStops(t *testing.T) {
	big := genFAQ(40, 60)
	if _, err := Compile(genFAQ(2, 2)); err != nil { // the once-per-process work
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		after int64  // Err calls before the cancel
		stage string // what the error names: "" for the compile itself
		opts  []Option
	}{
		{"before it starts", 1, "", nil},
		// 2,400 phrasings: one look at the start, then 2 x 10 in feature
		// extraction, then one every 256 examples of training
		{"in feature extraction", 10, "features: ", nil},
		{"in training, all cores", 23, "train: ", []Option{WithWorkers(0)}},
		{"in training, low priority", 23, "train: ", []Option{WithWorkers(1), WithLowPriority()}},
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
			if want := "compile: " + tc.stage + "context canceled"; r.err.Error() != want {
				t.Errorf("error %q, want %q: the compile stopped at another stage", r.err, want)
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

// withEpochs trains for n epochs instead of the 60 a 2,400-phrasing FAQ
// gets: what workers would change shows from the first batch on, and a
// full training takes half a minute under the race detector.
func withEpochs(n int) Option {
	return func(o *compileOptions) { o.epochs = n }
}

// TestCompileWorkersSameTable checks that the number of training workers
// and the priority change nothing in the table: the weights are the same.
// Under the race detector it also checks that the workers of one batch
// never touch the same weight.
func TestCompileWorkersSameTable(t *testing.T) {
	f := genFAQ(40, 60) // 2,400 phrasings: batched training
	var want *Table
	for i, opts := range [][]Option{
		{WithWorkers(1)},
		{WithWorkers(3)}, // 40 classes and batches of 32 do not split evenly
		{WithWorkers(4), WithLowPriority()},
	} {
		// one epoch: 75 batches of 32
		tab, err := Compile(f, append(opts, withEpochs(1))...)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = tab
			continue
		}
		if !slices.Equal(tab.m.clf.w, want.m.clf.w) || !slices.Equal(tab.m.clf.b, want.m.clf.b) {
			t.Errorf("options #%d: weights differ from one worker's", i)
		}
	}
}

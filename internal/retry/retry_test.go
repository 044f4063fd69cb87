package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestNewDoublesWithinJitterUpToMost checks the schedule every retry loop
// of the project follows: doubling from first, capped at most, each wait
// within a quarter of its nominal value, and back to first after Reset.
func TestNewDoublesWithinJitterUpToMost(t *testing.T) {
	first, most := 100*time.Millisecond, time.Second
	b := New(first, most)
	nominal := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	within := func(i int, got, want time.Duration) {
		lo, hi := time.Duration(float64(want)*(1-Jitter)), time.Duration(float64(want)*(1+Jitter))
		if got < lo || got > hi {
			t.Errorf("wait %d = %v, want %v ± 25%% (%v..%v)", i, got, want, lo, hi)
		}
	}
	for i, n := range nominal {
		within(i, b.NextBackOff(), n*time.Millisecond)
	}
	b.Reset()
	within(0, b.NextBackOff(), first)
}

func TestNextTakesTheServersWait(t *testing.T) {
	b := New(time.Second, time.Minute)
	if got := Next(b, 7*time.Second); got != 7*time.Second {
		t.Errorf("Next with Retry-After 7s = %v, want 7s as asked", got)
	}
	// The server's wait does not advance the backoff: the next failure
	// without one waits the first interval.
	if got := Next(b, 0); got < 750*time.Millisecond || got > 1250*time.Millisecond {
		t.Errorf("Next without a server wait = %v, want the first interval, 1s ± 25%%", got)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) on a cancelled context = %v, want context.Canceled", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v, want nil", err)
	}
}

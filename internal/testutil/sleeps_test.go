package testutil

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestSleepsRecordAndReturnAtOnce(t *testing.T) {
	var s Sleeps
	if err := s.Sleep(context.Background(), time.Hour); err != nil {
		t.Errorf("Sleep = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sleep(ctx, time.Second); err != context.Canceled {
		t.Errorf("Sleep after cancel = %v, want context.Canceled", err)
	}
	if got := s.All(); !slices.Equal(got, []time.Duration{time.Hour, time.Second}) {
		t.Errorf("recorded %v, want [1h 1s]", got)
	}
}

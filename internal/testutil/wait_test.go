package testutil

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestEventsWaitFrom(t *testing.T) {
	var e Events[int]
	e.Add(1)
	from := e.Len()
	got := make(chan int, 1)
	go func() {
		v, next, ok := e.Wait(from, 10*time.Second, func(v int) bool { return v%2 == 1 })
		if !ok || next != 3 {
			v = -1
		}
		got <- v
	}()
	e.Add(2) // not odd: the waiter keeps waiting
	e.Add(3)
	if v := <-got; v != 3 {
		t.Errorf("Wait from %d = %d, want 3 at index 2 (1 is before from, 2 does not match)", from, v)
	}
	if v, _, ok := e.Wait(0, 0, func(v int) bool { return v == 1 }); !ok || v != 1 {
		t.Errorf("Wait from 0 = %d, %v; want the event already there", v, ok)
	}
	if _, _, ok := e.Wait(0, time.Millisecond, func(v int) bool { return v == 4 }); ok {
		t.Error("Wait found an event that never happened")
	}
	if all := e.All(); len(all) != 3 {
		t.Errorf("All = %v", all)
	}
}

func TestEventually(t *testing.T) {
	var n atomic.Int32
	if !Eventually(t, 10*time.Second, func() bool { return n.Add(1) >= 3 }) {
		t.Error("a condition that comes true was not seen")
	}
	if Eventually(t, 20*time.Millisecond, func() bool { return false }) {
		t.Error("a condition that never holds was reported")
	}
}

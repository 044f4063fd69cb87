package telegram

import "testing"

// TestTracker walks the bookkeeping through a slow update: updates above
// it finish first, the offset waits for it, and ids in flight or done are
// not started twice.
func TestTracker(t *testing.T) {
	tr := newTracker()
	type step struct {
		name      string
		start     []int // ids passed to start, in order
		started   []bool
		finish    []int
		offset    int
		busy      int
		signalled bool // whether a finish closed the channel taken before the step
	}
	steps := []step{
		{name: "nothing yet", offset: 0},
		{name: "a batch", start: []int{10, 11, 12, 13}, started: []bool{true, true, true, true}, offset: 0, busy: 4},
		{name: "the batch again", start: []int{10, 11, 12, 13}, started: []bool{false, false, false, false}, offset: 0, busy: 4},
		{name: "first finishes", finish: []int{10}, offset: 11, busy: 3, signalled: true},
		{name: "later ones finish before 11", finish: []int{12, 13}, offset: 11, busy: 1, signalled: true},
		{name: "done ones are not started again", start: []int{12, 13, 14}, started: []bool{false, false, true}, offset: 11, busy: 2},
		{name: "the slow one finishes", finish: []int{11}, offset: 14, busy: 1, signalled: true},
		{name: "below the offset", start: []int{10, 13}, started: []bool{false, false}, offset: 14, busy: 1},
		{name: "finishing an unknown id changes nothing", finish: []int{99}, offset: 14, busy: 1},
		{name: "a gap in ids", start: []int{20}, started: []bool{true}, offset: 14, busy: 2},
		{name: "all done", finish: []int{14, 20}, offset: 21, busy: 0, signalled: true},
	}
	for _, s := range steps {
		ch := tr.changes()
		for i, id := range s.start {
			if got := tr.start(id); got != s.started[i] {
				t.Errorf("%s: start(%d) = %v, want %v", s.name, id, got, s.started[i])
			}
		}
		for _, id := range s.finish {
			tr.finish(id)
		}
		if got := tr.nextOffset(); got != s.offset {
			t.Errorf("%s: offset %d, want %d", s.name, got, s.offset)
		}
		if got := tr.busy(); got != s.busy {
			t.Errorf("%s: busy %d, want %d", s.name, got, s.busy)
		}
		signalled := false
		select {
		case <-ch:
			signalled = true
		default:
		}
		if signalled != s.signalled {
			t.Errorf("%s: change signalled = %v, want %v", s.name, signalled, s.signalled)
		}
	}
	if n := len(tr.done); n != 0 {
		t.Errorf("%d done ids kept below the offset, want none", n)
	}
}

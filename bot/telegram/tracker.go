package telegram

import "sync"

// tracker is the poll loop's record of update ids: which are being handled,
// which have finished, and so which offset may be confirmed to Telegram.
//
// getUpdates' offset confirms every update below it at once, so it can only
// advance to the lowest id that has not finished: an update is confirmed
// only once it and everything before it are handled. Updates above a slow
// one may finish first; they are remembered as done, so that when
// getUpdates returns them again (it will, until the offset passes them)
// they are not answered twice.
//
// It is safe for concurrent use.
type tracker struct {
	mu       sync.Mutex
	offset   int              // every id below it has finished
	next     int              // one past the highest id started
	inFlight map[int]struct{} // started, not finished
	done     map[int]struct{} // finished ids at or above offset
	changed  chan struct{}    // closed and replaced when an update finishes
}

func newTracker() *tracker {
	return &tracker{
		inFlight: make(map[int]struct{}),
		done:     make(map[int]struct{}),
		changed:  make(chan struct{}),
	}
}

// start claims id for handling. It reports false when the id is already
// known: in flight, finished, or below the offset.
func (t *tracker) start(id int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id < t.offset {
		return false
	}
	if _, ok := t.inFlight[id]; ok {
		return false
	}
	if _, ok := t.done[id]; ok {
		return false
	}
	t.inFlight[id] = struct{}{}
	t.next = max(t.next, id+1)
	return true
}

// finish records that id was handled. An update whose handling did not
// finish (shutdown came first) is never finished: it stays in flight, and
// the offset stays below it.
func (t *tracker) finish(id int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.inFlight[id]; !ok {
		return
	}
	delete(t.inFlight, id)
	t.done[id] = struct{}{}
	low := t.next
	for id := range t.inFlight {
		low = min(low, id)
	}
	t.offset = low
	for id := range t.done {
		if id < low {
			delete(t.done, id)
		}
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

// nextOffset is the offset to confirm: the lowest id not yet finished, or 0
// before anything has finished (getUpdates then confirms nothing).
func (t *tracker) nextOffset() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.offset
}

// busy is the number of updates in flight.
func (t *tracker) busy() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.inFlight)
}

// changes returns a channel that is closed when the next update finishes.
// Take it before polling so that a finish during the poll is not missed.
func (t *tracker) changes() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

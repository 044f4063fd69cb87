package telegram

import (
	"sync"
	"time"
)

// recentIDs remembers the last n handled update ids, so an update Telegram
// delivers again (a webhook retried after a timeout, a batch fetched again
// after a partial shutdown) is not answered twice by the same process.
type recentIDs struct {
	mu   sync.Mutex
	set  map[int]struct{}
	ring []int
	next int
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{set: make(map[int]struct{}, n), ring: make([]int, 0, n)}
}

func (r *recentIDs) seen(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.set[id]
	return ok
}

func (r *recentIDs) add(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[id]; ok {
		return
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % len(r.ring)
	}
	r.set[id] = struct{}{}
}

// callbackKeys maps the short hashed callback data of entries whose ids are
// too long for Telegram's 64 bytes back to the ids. It is bounded: when full
// it starts over (a forgotten key is found again by scanning the entries).
type callbackKeys struct {
	mu  sync.Mutex
	max int
	m   map[string]string
}

func newCallbackKeys(max int) *callbackKeys {
	return &callbackKeys{max: max, m: make(map[string]string)}
}

func (k *callbackKeys) put(key, id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[key]; ok {
		return
	}
	if len(k.m) >= k.max {
		clear(k.m)
	}
	k.m[key] = id
}

func (k *callbackKeys) get(key string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	id, ok := k.m[key]
	return id, ok
}

// oncePerID says yes at most once per id (a chat, a user) per window: the
// "I only read text" note goes out once, not for every sticker of a sticker
// flood, and the "slow down" note once, not for every message of a flood.
type oncePerID struct {
	mu     sync.Mutex
	window time.Duration
	max    int
	now    func() time.Time
	last   map[int64]time.Time
}

func newOncePerID(window time.Duration, max int, now func() time.Time) *oncePerID {
	return &oncePerID{window: window, max: max, now: now, last: make(map[int64]time.Time)}
}

func (o *oncePerID) allow(id int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if t, ok := o.last[id]; ok && now.Sub(t) < o.window {
		return false
	}
	if len(o.last) >= o.max {
		for k, t := range o.last {
			if now.Sub(t) >= o.window {
				delete(o.last, k)
			}
		}
		if len(o.last) >= o.max {
			clear(o.last)
		}
	}
	o.last[id] = now
	return true
}

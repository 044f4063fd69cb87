package telegram

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// The adapter's memory is a few bounded caches, all of one kind
// (golang-lru's expirable LRU, safe for concurrent use): whatever the
// traffic, each holds at most its size, and forgets the least recently used
// entry first.

// recentTTL is how long a handled update id is remembered: Telegram keeps
// an unconfirmed update, and so may deliver it again, for 24 hours.
const recentTTL = 24 * time.Hour

// recentIDs remembers the last n handled update ids, so an update Telegram
// delivers again (a webhook retried after a timeout, a batch fetched again
// after a partial shutdown) is not answered twice by the same process.
type recentIDs struct {
	ids *expirable.LRU[int, struct{}]
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{ids: expirable.NewLRU[int, struct{}](n, nil, recentTTL)}
}

func (r *recentIDs) seen(id int) bool { return r.ids.Contains(id) }

func (r *recentIDs) add(id int) { r.ids.Add(id, struct{}{}) }

// callbackKeys maps the short hashed callback data of ids too long for
// Telegram's 64 bytes back to the ids. A forgotten entry key is found again
// by scanning the entries; a forgotten question key makes its button
// expired.
type callbackKeys struct {
	m *expirable.LRU[string, string]
}

func newCallbackKeys(max int) *callbackKeys {
	return &callbackKeys{m: expirable.NewLRU[string, string](max, nil, 0)}
}

func (k *callbackKeys) put(key, id string) { k.m.Add(key, id) }

func (k *callbackKeys) get(key string) (string, bool) { return k.m.Get(key) }

// oncePerID says yes at most once per id (a chat, a user) per window: the
// "I only read text" note goes out once, not for every sticker of a sticker
// flood, and the "slow down" note once, not for every message of a flood.
// The window is measured on the adapter's clock (Options.Now), so the
// cache keeps when each id was last told and expires nothing on its own.
type oncePerID struct {
	mu     sync.Mutex // makes allow's look-then-add one step
	window time.Duration
	now    func() time.Time
	last   *expirable.LRU[int64, time.Time]
}

func newOncePerID(window time.Duration, max int, now func() time.Time) *oncePerID {
	return &oncePerID{window: window, now: now, last: expirable.NewLRU[int64, time.Time](max, nil, 0)}
}

func (o *oncePerID) allow(id int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if t, ok := o.last.Peek(id); ok && now.Sub(t) < o.window {
		return false
	}
	o.last.Add(id, now)
	return true
}

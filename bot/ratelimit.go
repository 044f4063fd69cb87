package bot

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys bounds the users a RateLimiter remembers at once.
const DefaultMaxKeys = 100_000

// RateLimiter is a token bucket per key (channel:user): Burst questions back
// to back, refilled at a steady rate. Memory is bounded: a key idle long
// enough for its bucket to refill completely is forgotten (a fresh bucket is
// the same as a full one), and beyond MaxKeys the least recently seen key is
// forgotten first. It is safe for concurrent use.
type RateLimiter struct {
	limit   rate.Limit
	burst   int
	idle    time.Duration // time for an empty bucket to refill
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucket
	lru  list.List                // most recently seen at the front
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

// RateLimiterOptions tune a RateLimiter beyond its rate and burst. The zero
// value is the production setting.
type RateLimiterOptions struct {
	MaxKeys int              // 0: DefaultMaxKeys
	Now     func() time.Time // nil: time.Now
}

// NewRateLimiter allows burst questions at once per key, refilled at
// perMinute, which must be positive (serve uses no limiter at all for
// "no limit"). burst is at least 1.
func NewRateLimiter(perMinute float64, burst int, o RateLimiterOptions) *RateLimiter {
	burst = max(burst, 1)
	l := &RateLimiter{
		limit:   rate.Limit(perMinute / 60),
		burst:   burst,
		idle:    time.Duration(float64(burst) / perMinute * float64(time.Minute)),
		maxKeys: o.MaxKeys,
		now:     o.Now,
		keys:    make(map[string]*list.Element),
	}
	if l.maxKeys <= 0 {
		l.maxKeys = DefaultMaxKeys
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

var _ Limiter = (*RateLimiter)(nil)

// Allow takes one token from key's bucket and reports whether there was one.
func (l *RateLimiter) Allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetIdle(now)
	var b *bucket
	if el, ok := l.keys[key]; ok {
		b = el.Value.(*bucket)
		l.lru.MoveToFront(el)
	} else {
		b = &bucket{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
		l.keys[key] = l.lru.PushFront(b)
		if l.lru.Len() > l.maxKeys {
			l.remove(l.lru.Back())
		}
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// forgetIdle drops keys whose buckets have refilled completely; they are the
// least recently seen, so they sit at the back.
func (l *RateLimiter) forgetIdle(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		if now.Sub(el.Value.(*bucket).seen) < l.idle {
			return
		}
		l.remove(el)
	}
}

func (l *RateLimiter) remove(el *list.Element) {
	delete(l.keys, el.Value.(*bucket).key)
	l.lru.Remove(el)
}

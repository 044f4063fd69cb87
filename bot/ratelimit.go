package bot

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// DefaultMaxKeys bounds the users a RateLimiter remembers at once.
const DefaultMaxKeys = 100_000

// RateLimiter is a token bucket per key (channel:user): Burst questions back
// to back, refilled at a steady rate. Memory is bounded: a key idle long
// enough for its bucket to refill completely is forgotten (a fresh bucket is
// the same as a full one), and beyond MaxKeys the least recently seen key is
// forgotten first (golang-lru, the project's one bounded cache: the mutex
// below makes its look-up and update one step, so its unlocked form). It is
// safe for concurrent use.
type RateLimiter struct {
	limit   rate.Limit
	burst   int
	idle    time.Duration // time for an empty bucket to refill
	maxKeys int
	now     func() time.Time

	mu  sync.Mutex
	lru *simplelru.LRU[string, *bucket]
}

type bucket struct {
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
	}
	if l.maxKeys <= 0 {
		l.maxKeys = DefaultMaxKeys
	}
	l.lru, _ = simplelru.NewLRU[string, *bucket](l.maxKeys, nil) // fails only for a size < 1
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
	b, ok := l.lru.Get(key)
	if !ok {
		// At MaxKeys, adding evicts the least recently seen key.
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.lru.Add(key, b)
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// forgetIdle drops keys whose buckets have refilled completely; they are the
// least recently seen, so they are the oldest.
func (l *RateLimiter) forgetIdle(now time.Time) {
	for {
		_, b, ok := l.lru.GetOldest()
		if !ok || now.Sub(b.seen) < l.idle {
			return
		}
		l.lru.RemoveOldest()
	}
}

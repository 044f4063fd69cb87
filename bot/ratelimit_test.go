package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"travelbot/faq"
	"travelbot/internal/testutil"
)

func newClock() *testutil.Clock { return testutil.NewClock(testutil.Start) }

func TestRateLimiterBucket(t *testing.T) {
	c := newClock()
	l := NewRateLimiter(20, 5, RateLimiterOptions{Now: c.Now}) // a token every 3 s
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		want    bool
	}{
		{"burst 1", 0, "telegram:1", true},
		{"burst 2", 0, "telegram:1", true},
		{"burst 3", 0, "telegram:1", true},
		{"burst 4", 0, "telegram:1", true},
		{"burst 5", 0, "telegram:1", true},
		{"bucket empty", 0, "telegram:1", false},
		{"another user has their own bucket", 0, "telegram:2", true},
		{"the same id on another channel is another user", 0, "discord:1", true},
		{"not refilled yet", 2 * time.Second, "telegram:1", false},
		{"one token back after 3 s", time.Second, "telegram:1", true},
		{"and only one", 0, "telegram:1", false},
		{"full again after 15 s", 15 * time.Second, "telegram:1", true},
	}
	for _, s := range steps {
		c.Advance(s.advance)
		if got := l.Allow(s.key); got != s.want {
			t.Errorf("%s: Allow(%s) = %v, want %v", s.name, s.key, got, s.want)
		}
	}
}

// TestRateLimiterForgetsIdleKeys checks memory stays bounded by the users
// active within one refill period, and that forgetting a key gives it no
// more than a full bucket, which it would have had anyway.
func TestRateLimiterForgetsIdleKeys(t *testing.T) {
	c := newClock()
	l := NewRateLimiter(60, 2, RateLimiterOptions{Now: c.Now}) // refills completely in 2 s
	for i := range 1000 {
		l.Allow(fmt.Sprintf("http:10.0.%d.%d", i/256, i%256))
		c.Advance(10 * time.Millisecond) // 1000 users over 10 s
	}
	if n := l.size(); n > 201 {
		t.Errorf("remembers %d keys, want at most the ~200 seen in the last 2 s", n)
	}
	if n := l.size(); n < 150 {
		t.Errorf("remembers only %d keys: forgot users whose buckets had not refilled", n)
	}

	l.Allow("telegram:9")
	l.Allow("telegram:9")
	if l.Allow("telegram:9") {
		t.Errorf("a third question within the burst of 2 was allowed")
	}
	c.Advance(time.Second) // half refilled: must still be remembered
	l.Allow("http:other")  // triggers forgetting
	if !l.Allow("telegram:9") || l.Allow("telegram:9") {
		t.Errorf("after 1 s the user should have exactly one token back")
	}
}

func TestRateLimiterMaxKeys(t *testing.T) {
	c := newClock()
	l := NewRateLimiter(1, 1, RateLimiterOptions{Now: c.Now, MaxKeys: 3})
	for _, k := range []string{"a", "b", "c", "d"} {
		if !l.Allow(k) {
			t.Errorf("first question from %s refused", k)
		}
	}
	if n := l.size(); n != 3 {
		t.Errorf("Len = %d, want the cap 3", n)
	}
	if l.Allow("d") || l.Allow("c") || l.Allow("b") {
		t.Errorf("recent users b, c, d were forgotten")
	}
	if !l.Allow("a") {
		t.Errorf("the least recently seen user a should have been forgotten (and so allowed)")
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	l := NewRateLimiter(60, 10, RateLimiterOptions{MaxKeys: 1000})
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				l.Allow(fmt.Sprintf("k%d", (g*500+i)%100))
				if i%100 == g { // one shared key too
					if l.Allow("shared") {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}
			}
		})
	}
	wg.Wait()
	if allowed > 11 { // burst 10, plus at most one refilled token in a slow run
		t.Errorf("the shared key was allowed %d times, want at most its burst", allowed)
	}
	if n := l.size(); n != 101 {
		t.Errorf("Len = %d, want the 101 keys used", n)
	}
}

// TestAskUsesTheLimiter drives the limiter through Bot.Ask, keyed by
// channel and user.
func TestAskUsesTheLimiter(t *testing.T) {
	tab, err := faq.Compile(&faq.Document{Version: 1, Entries: []faq.Entry{{ID: "water", Question: "Is tap water safe to drink in Milan?", Answer: "Yes."}}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	b := New(Options{Tables: faq.NewLive(tab), Limiter: NewRateLimiter(1, 1, RateLimiterOptions{Now: c.Now})})
	ask := func(user string) Kind {
		return b.Ask(context.Background(), Message{Channel: "http", UserID: user, Text: "Is tap water safe to drink in Milan?"}).Kind
	}
	if k := ask("1.2.3.4"); k == KindRateLimited {
		t.Errorf("first question limited")
	}
	if k := ask("1.2.3.4"); k != KindRateLimited {
		t.Errorf("second question within the burst of 1 = %s, want rate_limited", k)
	}
	if k := ask("5.6.7.8"); k == KindRateLimited {
		t.Errorf("another user limited")
	}
	c.Advance(time.Minute)
	if k := ask("1.2.3.4"); k == KindRateLimited {
		t.Errorf("limited after a minute's refill")
	}
}

// size is the number of keys remembered now.
func (l *RateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

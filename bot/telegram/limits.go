package telegram

import (
	"context"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// outbox holds the limits on outgoing messages: one token bucket per chat,
// one more per group, and a global one shared in priority order.
type outbox struct {
	chats  *chatLimiters
	groups *chatLimiters
	global *gate
	// take waits for one token of a bucket (l.Wait). Tests replace it to
	// reserve tokens on a clock they move and record the waits.
	take func(ctx context.Context, l *rate.Limiter) error
}

func newOutbox(l Limits) *outbox {
	o := &outbox{
		chats:  newChatLimiters(l.Chat, l.ChatBurst, 4096),
		groups: newChatLimiters(l.Group, l.GroupBurst, 1024),
		take:   func(ctx context.Context, l *rate.Limiter) error { return l.Wait(ctx) },
	}
	o.global = newGate(globalTokens{o, rate.NewLimiter(l.Global, l.GlobalBurst)})
	return o
}

// globalTokens is the global bucket as the gate waits on it: through take.
type globalTokens struct {
	o   *outbox
	lim *rate.Limiter
}

func (g globalTokens) Wait(ctx context.Context) error { return g.o.take(ctx, g.lim) }

// wait blocks until a message to chatID may be sent. The per-chat buckets
// come first, so a message waiting on its own chat holds no global token.
func (o *outbox) wait(ctx context.Context, chatID int64, group, urgent bool) error {
	if err := o.take(ctx, o.chats.get(chatID)); err != nil {
		return err
	}
	if group {
		if err := o.take(ctx, o.groups.get(chatID)); err != nil {
			return err
		}
	}
	return o.global.wait(ctx, urgent)
}

// chatLimiters is a bounded map of per-chat buckets: at most max, the
// least recently used chat forgotten first (golang-lru, the project's one
// bounded cache, unlocked under the mutex below).
//
// Forgetting a bucket that is not full gives that chat a full one when it
// comes back. That takes max other chats (4096) messaged since its last
// message, and what it gains is small: at most its burst (one message by
// default) sent up to one refill early, still behind the global bucket
// every message waits on; Telegram would answer a 429 whose retry_after
// call waits out. A cap that never forgets a busy bucket would instead
// grow without bound when every chat is busy.
type chatLimiters struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	lru   *simplelru.LRU[int64, *rate.Limiter]
}

func newChatLimiters(limit rate.Limit, burst, max int) *chatLimiters {
	lru, _ := simplelru.NewLRU[int64, *rate.Limiter](max, nil) // fails only for a size < 1
	return &chatLimiters{limit: limit, burst: burst, lru: lru}
}

func (c *chatLimiters) get(chatID int64) *rate.Limiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.lru.Get(chatID); ok {
		return l
	}
	l := rate.NewLimiter(c.limit, c.burst)
	c.lru.Add(chatID, l)
	return l
}

func (c *chatLimiters) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// tokenWaiter is the part of *rate.Limiter the gate uses.
type tokenWaiter interface {
	Wait(ctx context.Context) error
}

// gate hands out the global limiter's tokens one waiter at a time, urgent
// waiters (emergency replies) before normal ones, each class in arrival
// order. Only the waiter at the head waits on the limiter, so an emergency
// reply that arrives behind a hundred queued answers is next in line, not
// last: at most the one send already holding the head goes before it.
type gate struct {
	lim tokenWaiter

	mu       sync.Mutex
	busy     bool              // a waiter is at the head
	queues   [2][]*waiter      // 0: urgent, 1: normal
	onQueued func(urgent bool) // test hook, called with mu held
}

type waiter struct {
	ready    chan struct{}
	promoted bool
}

func newGate(lim tokenWaiter) *gate { return &gate{lim: lim} }

func (g *gate) wait(ctx context.Context, urgent bool) error {
	class := 1
	if urgent {
		class = 0
	}
	w := &waiter{ready: make(chan struct{})}
	g.mu.Lock()
	g.queues[class] = append(g.queues[class], w)
	if g.onQueued != nil {
		g.onQueued(urgent)
	}
	g.promoteLocked()
	g.mu.Unlock()

	select {
	case <-w.ready:
	case <-ctx.Done():
		g.mu.Lock()
		if w.promoted {
			g.busy = false
			g.promoteLocked()
		} else {
			g.removeLocked(class, w)
		}
		g.mu.Unlock()
		return ctx.Err()
	}
	err := g.lim.Wait(ctx)
	g.mu.Lock()
	g.busy = false
	g.promoteLocked()
	g.mu.Unlock()
	return err
}

func (g *gate) promoteLocked() {
	if g.busy {
		return
	}
	for c := range g.queues {
		if len(g.queues[c]) == 0 {
			continue
		}
		w := g.queues[c][0]
		g.queues[c][0] = nil
		g.queues[c] = g.queues[c][1:]
		w.promoted = true
		g.busy = true
		close(w.ready)
		return
	}
}

func (g *gate) removeLocked(class int, w *waiter) {
	q := g.queues[class]
	for i, x := range q {
		if x == w {
			g.queues[class] = append(q[:i:i], q[i+1:]...)
			return
		}
	}
}

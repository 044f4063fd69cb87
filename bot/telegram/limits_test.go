package telegram

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// tokens is a limiter whose tokens the test hands out one by one.
type tokens chan struct{}

func (t tokens) Wait(ctx context.Context) error {
	select {
	case <-t:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestGateServesUrgentFirst queues normal sends behind a blocked limiter,
// then an urgent one: the urgent one must get the next token after the
// send already at the head, ahead of every other queued normal send.
func TestGateServesUrgentFirst(t *testing.T) {
	tok := make(tokens)
	g := newGate(tok)
	queued := make(chan bool, 16)
	g.onQueued = func(urgent bool) { queued <- urgent }
	served := make(chan string, 16)
	wait := func(name string, urgent bool) {
		go func() {
			if err := g.wait(context.Background(), urgent); err == nil {
				served <- name
			}
		}()
		select {
		case <-queued:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s never queued", name)
		}
	}
	for _, n := range []string{"n1", "n2", "n3"} {
		wait(n, false)
	}
	wait("urgent", true)

	want := []string{"n1", "urgent", "n2", "n3"}
	for i, w := range want {
		tok <- struct{}{}
		select {
		case got := <-served:
			if got != w {
				t.Errorf("token %d went to %s, want %s", i, got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("token %d not taken", i)
		}
	}
}

func TestGateWaiterGivingUpPassesTheHead(t *testing.T) {
	tok := make(tokens)
	g := newGate(tok)
	queued := make(chan bool, 4)
	g.onQueued = func(bool) { queued <- true }

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { first <- g.wait(ctx, false) }()
	<-queued
	second := make(chan error, 1)
	go func() { second <- g.wait(context.Background(), false) }()
	<-queued

	cancel() // the head gives up: the next waiter must take over
	if err := <-first; err == nil {
		t.Fatal("cancelled waiter got a token")
	}
	tok <- struct{}{}
	select {
	case err := <-second:
		if err != nil {
			t.Errorf("second waiter: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second waiter stuck after the head gave up")
	}
}

// TestChatLimitersKeepTheMostRecentChats: the map stays within its cap
// even when every chat is busy, and what it forgets is the least recently
// used chat, never one of the last max: those keep their spent buckets.
func TestChatLimitersKeepTheMostRecentChats(t *testing.T) {
	c := newChatLimiters(rate.Inf, 1, 10)
	for i := range 100 {
		c.get(int64(i))
	}
	if n := c.len(); n != 10 {
		t.Errorf("%d idle chats kept, want the cap 10", n)
	}
	busy := newChatLimiters(rate.Every(time.Hour), 1, 10)
	for i := range 20 {
		busy.get(int64(i)).Allow() // spend the token: the chat is busy
	}
	if n := busy.len(); n != 10 {
		t.Errorf("%d busy chats kept, want the cap 10", n)
	}
	for i := 10; i < 20; i++ {
		if busy.get(int64(i)).Allow() {
			t.Errorf("chat %d, one of the 10 most recent, got a fresh bucket", i)
		}
	}
}

func TestRecentIDs(t *testing.T) {
	r := newRecentIDs(3)
	for _, id := range []int{1, 2, 3, 4} {
		r.add(id)
	}
	for id, want := range map[int]bool{1: false, 2: true, 3: true, 4: true, 5: false} {
		if got := r.seen(id); got != want {
			t.Errorf("seen(%d) = %v, want %v", id, got, want)
		}
	}
}

func TestOncePerID(t *testing.T) {
	now := time.Unix(0, 0)
	o := newOncePerID(time.Hour, 100, func() time.Time { return now })
	steps := []struct {
		chat    int64
		advance time.Duration
		want    bool
	}{
		{1, 0, true}, {1, time.Minute, false}, {2, 0, true}, {1, time.Hour, true}, {1, 0, false},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := o.allow(s.chat); got != s.want {
			t.Errorf("step %d: allow(%d) = %v, want %v", i, s.chat, got, s.want)
		}
	}
}

package telegram_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
)

// memClaims is an in-memory telegram.Claims: a key is done once its finish
// was called with true. onDone, when set, runs in that finish before the
// key is recorded.
type memClaims struct {
	mu     sync.Mutex
	done   map[string]bool
	onDone func(key string)
}

func newMemClaims(done ...string) *memClaims {
	c := &memClaims{done: map[string]bool{}}
	for _, k := range done {
		c.done[k] = true
	}
	return c
}

func (c *memClaims) Claim(_ context.Context, key string) (func(bool), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done[key] {
		return nil, nil
	}
	return func(handled bool) {
		if !handled {
			return
		}
		if c.onDone != nil {
			c.onDone(key)
		}
		c.mu.Lock()
		c.done[key] = true
		c.mu.Unlock()
	}, nil
}

func (c *memClaims) isDone(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done[key]
}

func updateKey(id int) string {
	return "telegram:" + strconv.FormatInt(telegramtest.Me.ID, 10) + ":" + strconv.Itoa(id)
}

// TestPollClaimsRecordBeforeConfirm: polling goes through the claims. An
// update the claims say was answered (before a restart) is not answered
// again; the others are answered, and each is recorded done while its
// offset is still unconfirmed, so a crash after the record and before the
// confirmation leaves the next process the record.
func TestPollClaimsRecordBeforeConfirm(t *testing.T) {
	fake := newFake(t)
	before := fake.Enqueue(telegramtest.PrivateText(501, "Where is the U.S. consulate?"))
	a := fake.Enqueue(telegramtest.PrivateText(502, "Where is the U.S. consulate?"))
	b := fake.Enqueue(telegramtest.PrivateText(503, "Where is the U.S. consulate?"))
	claims := newMemClaims(updateKey(before))
	var mu sync.Mutex
	offsetAtDone := map[string]int{}
	claims.onDone = func(key string) {
		mu.Lock()
		defer mu.Unlock()
		offsetAtDone[key] = fake.Offset()
	}
	e := startOn(t, fake, nil, nil, func(o *telegram.Options) { o.Claims = claims })
	e.settle()
	if got := fake.SentTo(501); len(got) != 0 {
		t.Errorf("the update answered before the restart got %d answers, want none", len(got))
	}
	for chat, id := range map[int64]int{502: a, 503: b} {
		if got := fake.SentTo(chat); len(got) != 1 {
			t.Errorf("chat %d: %d answers, want 1", chat, len(got))
		}
		if !claims.isDone(updateKey(id)) {
			t.Errorf("update %d answered but not recorded done", id)
		}
		mu.Lock()
		off, ok := offsetAtDone[updateKey(id)]
		mu.Unlock()
		if !ok || off > id {
			t.Errorf("update %d recorded done with the offset at %d (recorded: %v), want it still unconfirmed (<= %d)", id, off, ok, id)
		}
	}
}

// TestClaimsLongReplyResumes: a reply in several messages claims each
// message, so after a restart between two of them the next process sends
// only those not sent yet.
func TestClaimsLongReplyResumes(t *testing.T) {
	fake := newFake(t)
	whole := fake.Enqueue(telegramtest.PrivateText(601, transitQ))
	cut := fake.Enqueue(telegramtest.PrivateText(602, transitQ))
	// The process before the restart sent the first two messages of the
	// second reply, and died before the third.
	claims := newMemClaims(updateKey(cut)+"/0", updateKey(cut)+"/1")
	e := startOn(t, fake, nil, nil, func(o *telegram.Options) { o.Claims = claims })
	e.settle()
	all, rest := fake.SentTo(601), fake.SentTo(602)
	if len(all) < 3 {
		t.Fatalf("the long reply is %d messages, want at least 3", len(all))
	}
	if len(rest) != len(all)-2 {
		t.Fatalf("after a restart past 2 of its %d messages, the reply was sent in %d, want %d", len(all), len(rest), len(all)-2)
	}
	for i, m := range rest {
		if m.Text != all[i+2].Text {
			t.Errorf("message %d after the restart is %q, want message %d of the reply %q", i, firstLine(m), i+2, firstLine(all[i+2]))
		}
	}
	for _, id := range []int{whole, cut} {
		if !claims.isDone(updateKey(id)) {
			t.Errorf("update %d not recorded done", id)
		}
		for i := range all {
			if !claims.isDone(updateKey(id) + "/" + strconv.Itoa(i)) {
				t.Errorf("update %d: message %d not recorded sent", id, i)
			}
		}
	}
}

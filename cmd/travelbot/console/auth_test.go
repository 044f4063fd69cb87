package console

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"travelbot/internal/testutil"
)

// TestSessionsStayBoundedAndKeepTheOneInUse: past maxSessions logins the
// least recently used session is forgotten, not the admin who keeps
// working in an early one; an expired session is refused and dropped.
func TestSessionsStayBoundedAndKeepTheOneInUse(t *testing.T) {
	clock := testutil.NewClock(testutil.Start)
	ss := newSessions(time.Hour, clock.Now)
	lookup := func(s *session) bool {
		r := httptest.NewRequest("GET", "/admin/", nil)
		r.Header.Set("Cookie", sessionCookie+"="+s.id)
		_, ok := ss.get(r)
		return ok
	}
	working, idle := ss.create(), ss.create()
	for range maxSessions - 1 {
		if !lookup(working) {
			t.Fatal("the session in use was forgotten")
		}
		ss.create()
	}
	if n := ss.m.Len(); n != maxSessions {
		t.Errorf("%d sessions kept, want the cap %d", n, maxSessions)
	}
	if lookup(idle) {
		t.Error("the least recently used session was kept past the cap")
	}
	if !lookup(working) {
		t.Error("the session in use was forgotten")
	}
	clock.Advance(time.Hour)
	if lookup(working) {
		t.Error("an expired session was accepted")
	}
	if ss.m.Contains(working.id) {
		t.Error("an expired session was kept after it was refused")
	}
}

// TestLoginBackoffStaysBounded: a flood of failing clients keeps at most
// maxClients records, forgetting the least recently failed, while the
// client that keeps failing stays slowed down.
func TestLoginBackoffStaysBounded(t *testing.T) {
	clock := testutil.NewClock(testutil.Start)
	b := newBackoff(clock.Now)
	for i := range maxClients + 100 {
		b.fail("attacker")
		b.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if n := b.m.Len(); n != maxClients {
		t.Errorf("%d clients remembered, want the cap %d", n, maxClients)
	}
	if b.wait("attacker") != maxBackoff {
		t.Errorf("the client failing all along waits %v, want %v", b.wait("attacker"), maxBackoff)
	}
	if b.wait("10.0.0.0") != 0 {
		t.Error("the least recently failed client is still remembered past the cap")
	}
	clock.Advance(forgetAfter + time.Second)
	if n := b.fail("attacker"); n != 1 {
		t.Errorf("after a quiet day the client's failures in a row = %d, want 1", n)
	}
}

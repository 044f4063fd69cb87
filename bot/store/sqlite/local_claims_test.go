package sqlite_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"travelbot/bot/store/sqlite"
	"travelbot/internal/testutil"
)

// TestLocalClaims: what one process answered is answered for the next
// process on the same file; a key given up, or claimed (with a live lease)
// by a process that died, is handled at once, with no wait; records older
// than Telegram's 24 hours are deleted.
func TestLocalClaims(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	first := db.LocalClaims("first", nil)
	claim := func(c *sqlite.LocalClaims, key string) func(bool) {
		t.Helper()
		f, err := c.Claim(ctx, key)
		if err != nil {
			t.Fatalf("Claim(%q): %v", key, err)
		}
		return f
	}
	claim(first, "answered")(true)
	claim(first, "given up")(false)
	if f := claim(first, "answered"); f != nil {
		t.Error("an answered key was claimed again")
	}
	// A process with the lease claims of a replica dies holding one.
	deadLog := &testutil.SyncBuffer{}
	held, err := db.Claims("dead", time.Hour, slog.New(slog.NewTextHandler(deadLog, nil))).Claim(ctx, "leased")
	if err != nil || held == nil {
		t.Fatalf("lease claim = %v, %v", held != nil, err)
	}
	db.Close() // kill -9: nothing more is written
	// Finishing stops the lease's renewal goroutine (finish waits for it)
	// but, the file closed, writes nothing: the lease stays as the dead
	// process left it.
	held(false)
	if !strings.Contains(deadLog.String(), "cannot finish a claim") {
		t.Fatalf("finishing a claim on a closed database did not fail: %q", deadLog.String())
	}

	db, err = sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	next := db.LocalClaims("next", nil)
	if f := claim(next, "answered"); f != nil {
		t.Error("the key answered before the restart was claimed again")
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, key := range []string{"given up", "leased"} {
		f, err := next.Claim(cctx, key)
		if err != nil || f == nil {
			t.Fatalf("Claim(%q) after the restart = %v, %v; want it to handle", key, f != nil, err)
		}
		f(true)
		if f := claim(next, key); f != nil {
			t.Errorf("%q: claimed again once answered", key)
		}
	}
	if n, err := db.PurgeClaims(ctx, time.Now().Add(-26*time.Hour)); err != nil || n != 0 {
		t.Errorf("PurgeClaims of what is under a day old = %d, %v; want 0", n, err)
	}
	if n, err := db.PurgeClaims(ctx, time.Now().Add(time.Minute)); err != nil || n != 3 {
		t.Errorf("PurgeClaims of everything answered = %d, %v; want 3", n, err)
	}
}

// TestLocalClaimsPurgeOnTheirOwn: answering a key deletes, at most once an
// hour, the records answered more than 25 hours before (Telegram's 24 and
// an hour's margin), on the claims' own clock.
func TestLocalClaimsPurgeOnTheirOwn(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenDir(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clk := testutil.NewClock(testutil.Start)
	c := db.LocalClaims("p", nil)
	c.SetNowForTest(clk.Now)
	answer := func(key string) {
		t.Helper()
		f, err := c.Claim(ctx, key)
		if err != nil || f == nil {
			t.Fatalf("Claim(%q) = %v, %v; want it to handle", key, f != nil, err)
		}
		f(true)
	}
	answered := func(key string) bool {
		t.Helper()
		f, err := c.Claim(ctx, key)
		if err != nil {
			t.Fatalf("Claim(%q): %v", key, err)
		}
		return f == nil
	}

	answer("a") // the first answer purges: nothing yet
	clk.Advance(59 * time.Minute)
	answer("b") // within the hour: no purge
	clk.Advance(25*time.Hour - 29*time.Minute)
	answer("c") // 25 h 30 min after a: a purged, b (24 h 31 min) kept
	if answered("a") {
		t.Error("a key answered 25 h 30 min ago is still recorded")
	}
	if !answered("b") || !answered("c") {
		t.Error("a key answered less than 25 h ago was purged")
	}
	clk.Advance(59 * time.Minute)
	answer("d") // b is now 25 h 30 min old, but the last purge was 59 min ago
	if !answered("b") {
		t.Error("purged twice within the hour")
	}
	clk.Advance(time.Minute)
	answer("e") // an hour since the last purge: b goes
	if answered("b") {
		t.Error("a key answered 25 h 31 min ago is still recorded an hour after the last purge")
	}
	for _, key := range []string{"c", "d", "e"} {
		if !answered(key) {
			t.Errorf("%q, answered within 25 h, was purged", key)
		}
	}
}

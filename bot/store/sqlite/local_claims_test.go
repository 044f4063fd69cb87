package sqlite_test

import (
	"context"
	"testing"
	"time"

	"travelbot/bot/store/sqlite"
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
	if f, err := db.Claims("dead", time.Hour, nil).Claim(ctx, "leased"); err != nil || f == nil {
		t.Fatalf("lease claim = %v, %v", f != nil, err)
	}
	db.Close() // kill -9: nothing more is written

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

package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"travelbot/bot/store/sqlite"
	"travelbot/bot/store/storetest"
)

func TestClaimsContract(t *testing.T) {
	storetest.RunClaims(t, func(t *testing.T) func(string) storetest.Claims {
		db := open(t).(*sqlite.DB)
		return func(owner string) storetest.Claims { return db.Claims(owner, time.Minute, nil) }
	})
}

// TestClaimOfACrashedOwnerTakenOver: a claim whose holder died (its lease
// never renewed again) is taken over once the lease has run out, and not
// before; a restart on the same file sees what was answered.
func TestClaimOfACrashedOwnerTakenOver(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	dead := db.Claims("dead", 10*time.Second, nil)
	dead.SetNowForTest(func() time.Time { return t0 })
	if f, err := dead.Claim(ctx, "held"); err != nil || f == nil {
		t.Fatalf("Claim = %v, %v", f != nil, err)
	}
	if f, err := dead.Claim(ctx, "answered"); err != nil || f == nil {
		t.Fatalf("Claim = %v, %v", f != nil, err)
	} else {
		f(true)
	}
	db.Close() // the process dies holding "held"

	db, err = sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	next := db.Claims("next", 10*time.Second, nil)
	next.SetNowForTest(func() time.Time { return t0.Add(5 * time.Second) }) // lease still live
	// It waits for the lease rather than take it: here until a deadline.
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if f, err := next.Claim(cctx, "held"); f != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("claim of a live lease of another owner = %v, %v; want it waited for", f != nil, err)
	}
	if f, err := next.Claim(ctx, "answered"); err != nil || f != nil {
		t.Errorf("the answered key after a restart = %v, %v; want handled", f != nil, err)
	}
	next.SetNowForTest(func() time.Time { return t0.Add(11 * time.Second) })
	f, err := next.Claim(ctx, "held")
	if err != nil || f == nil {
		t.Fatalf("the expired claim = %v, %v; want it taken over", f != nil, err)
	}
	f(true)
	if n, err := db.PurgeClaims(ctx, t0.Add(time.Hour)); err != nil || n != 2 {
		t.Errorf("PurgeClaims = %d, %v; want 2", n, err)
	}
}

package postgres_test

import (
	"testing"
	"time"

	"travelbot/bot/store/storetest"
)

// TestClaimsContract runs the claims contract the SQLite store passes too.
func TestClaimsContract(t *testing.T) {
	storetest.RunClaims(t, func(t *testing.T) func(string) storetest.Claims {
		db := open(t)
		return func(owner string) storetest.Claims { return db.Claims(owner, time.Minute, nil) }
	})
}

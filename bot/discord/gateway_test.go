package discord

import (
	"testing"
	"time"
)

// The random waits stay within what Discord documents: the first
// heartbeat within one interval, a new session 1-5 s after op 9 d:false.
func TestGatewayRandomWaits(t *testing.T) {
	for range 1000 {
		if j := randomJitter(); j < 0 || j >= 1 {
			t.Fatalf("jitter %v outside [0, 1)", j)
		}
		if w := randomReidentifyWait(); w < time.Second || w > 5*time.Second {
			t.Fatalf("re-identify wait %v outside 1-5 s", w)
		}
	}
}

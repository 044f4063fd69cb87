package discord_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
)

// gateCalls records the calls of an Options.IdentifyGate: for each, how
// many IDENTIFYs and RESUMEs the fake had received when it was called.
type gateCalls struct {
	srv *discordtest.Server
	mu  sync.Mutex
	at  [][2]int
}

func (g *gateCalls) record() {
	ids, res := len(g.srv.Identifies()), g.srv.Resumes()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.at = append(g.at, [2]int{ids, res})
}

func (g *gateCalls) calls() [][2]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][2]int(nil), g.at...)
}

func TestIdentifyGateComesBeforeEachIdentifyAndNoResume(t *testing.T) {
	t.Parallel()
	const pause = 50 * time.Millisecond
	srv := discordtest.New(t)
	srv.SetInvalidSessionPause(pause)
	srv.SetHeartbeatInterval(200)
	gate := &gateCalls{srv: srv}
	h := startOn(t, srv, newBot(t, nil), func(o *discord.Options) {
		discord.SetGatewayTiming(o, 0.1, pause)
		o.IdentifyGate = func(ctx context.Context) error {
			gate.record()
			if len(gate.calls()) > 1 {
				return nil
			}
			// The heartbeats run while the gate holds the first IDENTIFY
			// back: the first connection's first one reaches the fake
			// before it.
			_, err := srv.WaitHeartbeats(wait, 1)
			return err
		}
	})
	if got := gate.calls(); len(got) != 1 || got[0] != [2]int{0, 0} {
		t.Fatalf("gate calls (IDENTIFYs, RESUMEs seen then) %v, want one before the first IDENTIFY", got)
	}

	// A resumed session does not ask the gate.
	if err := srv.Reconnect(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitResumes(wait, 1); err != nil {
		t.Fatal(err)
	}
	// A new session (op 9 d:false) does, before its IDENTIFY.
	if err := srv.InvalidateSession(); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitIdentifies(wait, 2); err != nil {
		t.Fatal(err)
	}
	if got := gate.calls(); len(got) != 2 || got[1] != [2]int{1, 1} {
		t.Errorf("gate calls (IDENTIFYs, RESUMEs seen then) %v, want [[0 0] [1 1]]: one before each IDENTIFY, none for the RESUME", got)
	}
	rs := h.interact(srv.Command("7", true, "ask", "question", "games-dates"), 1)
	if _, m := callback(t, rs[0]); len(m.Embeds) != 1 {
		t.Errorf("after the gated new session: %s, want the answer", rs[0])
	}
}

func TestIdentifyGateErrorEndsTheConnectionWithoutIdentify(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	var mu sync.Mutex
	calls := 0
	h := startOn(t, srv, newBot(t, nil), func(o *discord.Options) {
		o.IdentifyGate = func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			if calls++; calls == 1 {
				return errors.New("the pace table is locked")
			}
			return nil
		}
	})
	// start returned after the commands were registered: a session is up.
	dials, ids := srv.Dials(), srv.Identifies()
	if len(dials) != 2 || len(ids) != 1 {
		t.Errorf("%d connections and %d IDENTIFYs, want 2 and 1: the refused one ends without IDENTIFY, the next is gated again", len(dials), len(ids))
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("gate called %d times, want 2", calls)
	}
	if !h.a.Connected() {
		t.Errorf("not connected after the gate let the second connection identify")
	}
}

func TestShutdownWhileWaitingAtTheIdentifyGate(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	waiting := make(chan struct{})
	o := discord.Options{
		Token:        discordtest.Token,
		APIBase:      srv.URL,
		Conversation: &fakeConv{},
		IdentifyGate: func(ctx context.Context) error {
			close(waiting)
			<-ctx.Done() // another process holds the window for long
			return ctx.Err()
		},
	}
	discord.SetBackoffs(&o, reconnectBackoff, restBackoff)
	a, err := discord.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("Run returned %v before reaching the gate", err)
	case <-time.After(wait):
		t.Fatal("the gate was never called")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v after shutdown at the gate, want nil", err)
		}
	case <-time.After(wait):
		t.Fatalf("Run did not return within %v of cancel while at the gate", wait)
	}
	if dials, ids := srv.Dials(), srv.Identifies(); len(dials) != 1 || len(ids) != 0 {
		t.Errorf("%d connections and %d IDENTIFYs, want 1 and none", len(dials), len(ids))
	}
}

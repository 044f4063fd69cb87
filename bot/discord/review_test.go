package discord_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
	"travelbot/internal/testutil"
)

// Close codes decide whether to reconnect exactly as the docs' table says:
// 4004 and 4010-4014 end Run with an error and no new connection (the fake
// refuses one); every other code is followed by a new connection that
// serves again, and Run goes on until it is cancelled. After 4007 and 4009
// (start a new session) the new IDENTIFY comes the identify interval after
// the first at the soonest (5 s in production, identifyGap here): the fake
// refuses two IDENTIFYs closer than identifyWindow.
func TestGatewayCloseCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []int{4000, 4001, 4002, 4003, 4005, 4007, 4008, 4009, 4004, 4010, 4011, 4012, 4013, 4014} {
		final := discordtest.FinalCloseCode(code)
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			srv := discordtest.New(t)
			srv.SetIdentifyWindow(identifyWindow)
			o := discord.Options{Token: discordtest.Token, APIBase: srv.URL, Conversation: newBot(t, nil),
				Logger: slog.New(slog.DiscardHandler)}
			discord.SetGatewayTiming(&o, 0.1, time.Second)
			discord.SetBackoffs(&o, reconnectBackoff, restBackoff)
			discord.SetIdentifyInterval(&o, identifyGap)
			a, err := discord.New(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// cancelled says whether Run returned because it was
			// cancelled, not on its own.
			type result struct {
				err       error
				cancelled bool
			}
			done := make(chan result, 1)
			go func() {
				err := a.Run(ctx)
				done <- result{err, ctx.Err() != nil}
			}()
			if _, err := srv.Wait(wait, discordtest.Is("PUT", "/api/v9/applications/")); err != nil {
				t.Fatalf("never served: %v", err)
			}
			if err := srv.CloseGateway(code, "closed by the test"); err != nil {
				t.Fatal(err)
			}
			if final {
				select {
				case r := <-done:
					if r.err == nil {
						t.Errorf("Run returned nil after close %d", code)
					}
				case <-time.After(wait):
					t.Fatalf("Run still running %v after close %d, which must not be reconnected", wait, code)
				}
				if d := srv.Dials(); len(d) != 1 {
					t.Errorf("%d connections after close %d, want 1", len(d), code)
				}
				return
			}
			if _, err := srv.WaitDials(wait, 2); err != nil {
				t.Fatalf("no new connection after close %d: %v", code, err)
			}
			if !srv.WaitConnected(wait) {
				t.Fatalf("not serving again after close %d", code)
			}
			ix := srv.Command("7", true, "help")
			if err := srv.Interact(ix); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Wait(wait, func(r discordtest.Request) bool {
				return discordtest.ForInteraction(ix.Token)(r) && strings.HasSuffix(r.Path, "/callback")
			}); err != nil {
				t.Errorf("after close %d: %v", code, err)
			}
			cancel()
			if r := <-done; !r.cancelled {
				t.Errorf("Run returned %v before it was cancelled, after close %d, which the docs say to reconnect after", r.err, code)
			} else if r.err != nil {
				t.Errorf("Run: %v", r.err)
			}
		})
	}
}

// slowClaims takes its time to grant every claim, as a store under load
// or a claim held by another replica does.
type slowClaims struct{ delay time.Duration }

func (c slowClaims) Claim(ctx context.Context, _ string) (func(bool), error) {
	t := time.NewTimer(c.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return func(bool) {}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Options.DeferAfter counts from the interaction's arrival, like Discord's
// 3 s: a claim that took 2 s leaves 1 s, so a slow answer is deferred at
// once instead of 1.5 s later, past the deadline (when the adapter could
// no longer acknowledge it at all).
func TestDeferralCountsTheTimeTheClaimTook(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	conv := &fakeConv{ask: func(ctx context.Context, m bot.Message) bot.Reply {
		<-release
		return bot.Reply{Kind: bot.KindAnswer, ID: "x", Question: "Slow?", Answer: "Eventually."}
	}}
	h := start(t, conv, func(o *discord.Options) {
		o.Claims = slowClaims{delay: 2 * time.Second}
		o.DeferAfter = discord.DefaultDeferAfter
	})
	defer close(release)
	ix := h.srv.Command("7", true, "ask", "question", "slow question")
	rs := h.interact(ix, 1)
	if typ, _ := callback(t, rs[0]); typ != 5 || rs[0].Status != 204 {
		t.Fatalf("first response %s, want an accepted deferral (type 5)", rs[0])
	}
}

// A 502 is retried by the adapter's one retry policy (backoff, counted),
// not by discordgo's own loop, which repeats it back to back three times
// and then returns an error the adapter cannot classify, so a fourth 502
// lost the reply.
func TestBadGatewayIsRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	const ch = "500000000000000020"
	h.srv.Fail(func(method, path string) bool { return method == "POST" && path == "/api/v9/channels/"+ch+"/messages" },
		4, 502, `{"message":"502: Bad Gateway","code":0}`)
	if _, err := h.srv.Send(discordtest.Message{ChannelID: ch, AuthorID: "7", Content: "When do the Winter Games start?"}); err != nil {
		t.Fatal(err)
	}
	rs, err := h.srv.WaitN(wait, 5, discordtest.Is("POST", "/api/v9/channels/"+ch+"/messages"))
	if err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, r := range rs {
		statuses = append(statuses, r.Status)
	}
	if fmt.Sprint(statuses) != "[502 502 502 502 200]" {
		t.Errorf("statuses %v, want four 502s then the reply", statuses)
	}
	if errs, retries := h.events.counts("channel_message"); errs != 0 || retries != 4 {
		t.Errorf("events: %d errors, %d retries; want 0 and 4", errs, retries)
	}
}

// A 429 whose wait is only in Retry-After (seconds, with fractions), or
// whose body is not JSON at all (Cloudflare's), is waited out for as long
// as the header says, then retried: discordgo reads the body alone, so it
// retried the first at once and gave up on the second. The fake refuses
// a retry before Retry-After.
func TestRetryAfterHeaderIsHonoured(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"json without retry_after": `{"message":"You are being rate limited.","global":false}`,
		"not json":                 `error code: 1015`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, newBot(t, nil))
			const ch = "500000000000000030"
			hdr := http.Header{}
			hdr.Set("Retry-After", "0.1")
			h.srv.FailWithHeader(func(method, path string) bool { return method == "POST" && path == "/api/v9/channels/"+ch+"/messages" },
				1, 429, hdr, body)
			if _, err := h.srv.Send(discordtest.Message{ChannelID: ch, AuthorID: "7", Content: "When do the Winter Games start?"}); err != nil {
				t.Fatal(err)
			}
			rs, err := h.srv.WaitN(wait, 2, discordtest.Is("POST", "/api/v9/channels/"+ch+"/messages"))
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Status != 429 || rs[1].Status != 200 {
				t.Errorf("statuses %d %d, want 429 then the reply", rs[0].Status, rs[1].Status)
			}
		})
	}
}

// A gateway that accepts every session and drops it at once (here READY,
// then close 4009) gets IDENTIFYs further and further apart, the wait
// doubling from the identify interval, so the bot cannot burn its 1000
// IDENTIFYs a day (the token is reset when it does). The gateway's clock
// stands still and its waits are recorded, not taken, so they are exact:
// before IDENTIFY k+1 it waits interval × 2^(k-1).
func TestSessionsThatDropAtOnceBackOffTheirIdentifies(t *testing.T) {
	t.Parallel()
	const interval = 5 * time.Second // production's
	srv := discordtest.New(t)
	srv.SetIdentifyWindow(0) // the waits are not taken: the fake's clock would see none
	// waits are the gateway's waits, each with the number of IDENTIFYs
	// the fake had seen when it was asked for.
	type pause struct {
		d          time.Duration
		identifies int
	}
	var waits testutil.Events[pause]
	clk := testutil.NewClock(testutil.Start)
	o := discord.Options{Token: discordtest.Token, APIBase: srv.URL, Conversation: newBot(t, nil),
		Logger: slog.New(slog.DiscardHandler)}
	discord.SetGatewayTiming(&o, 0.1, time.Second)
	discord.SetBackoffs(&o, reconnectBackoff, restBackoff)
	discord.SetIdentifyInterval(&o, interval)
	discord.SetGatewayClock(&o, clk.Now, func(ctx context.Context, d time.Duration) error {
		waits.Add(pause{d, len(srv.Identifies())})
		return ctx.Err()
	})
	a, err := discord.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	const sessions = 5
	for n := 1; n <= sessions; n++ {
		if _, err := srv.WaitIdentifies(wait, n); err != nil {
			t.Fatal(err)
		}
		if !srv.WaitConnected(wait) {
			t.Fatal("no READY")
		}
		if n < sessions {
			if err := srv.CloseGateway(4009, "Session timed out."); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := waits.All()
	if len(got) != sessions-1 {
		t.Fatalf("%d waits before %d new sessions: %+v", len(got), sessions-1, got)
	}
	for k, w := range got {
		if want := interval << k; w.d != want || w.identifies != k+1 {
			t.Errorf("wait %d: %v after IDENTIFY %d, want %v after IDENTIFY %d", k+1, w.d, w.identifies, want, k+1)
		}
	}
}

package discord_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
)

// ctxClaims is memClaims that fails, as a database does, under a context
// already done.
type ctxClaims struct{ *memClaims }

func (c ctxClaims) Claim(ctx context.Context, key string) (func(bool), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.memClaims.Claim(ctx, key)
}

// TestInlineAnswerAfterAShutdownThatTimedOut: an adapter whose shutdown
// gave up waiting for a slow answer has cancelled its own context. An
// interaction posted to the endpoint after that is still claimed (under
// the request's context) and answered in the response, not acknowledged
// with a 202 nothing would follow.
func TestInlineAnswerAfterAShutdownThatTimedOut(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	claims := ctxClaims{&memClaims{done: map[string]bool{}, held: map[string]bool{}, refused: make(chan string, 4)}}
	asked := make(chan struct{})
	conv := &fakeConv{ask: func(ctx context.Context, _ bot.Message) bot.Reply {
		close(asked)
		<-ctx.Done() // outlasts the shutdown timeout; ends when the adapter cancels it
		return bot.Reply{Kind: bot.KindAnswer, ID: "x", Question: "Slow?", Answer: "Too late."}
	}}
	h := start(t, conv, func(o *discord.Options) {
		o.Claims = claims
		o.ShutdownTimeout = time.Millisecond
		o.DeferAfter = time.Hour
	})
	handler, err := discord.NewInteractionsHandler(h.a, hex.EncodeToString(pub))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(handler)
	defer web.Close()

	slow := h.srv.Command("7", true, "ask", "question", "slow question")
	h.srv.Expect(slow)
	if code, body := postInteraction(t, web.URL, priv, slow); code != 202 || body != "" {
		t.Fatalf("before shutdown: %d %q, want 202 and no body", code, body)
	}
	<-asked
	if err := h.stop(); err != nil { // times out on the slow answer and cancels it
		t.Fatal(err)
	}

	late := h.srv.Command("7", true, "ask", "question", "games-dates")
	h.srv.Expect(late)
	code, body := postInteraction(t, web.URL, priv, late)
	checkInlineRefusal(t, "/ask after a shutdown that timed out", code, body, false)
	claims.mu.Lock()
	done := claims.done["discord:"+discordtest.AppID+":"+late.ID]
	claims.mu.Unlock()
	if !done {
		t.Error("the interaction answered in the response was not recorded answered in the claims")
	}
	if rs, _ := h.srv.WaitN(0, 1, discordtest.ForInteraction(late.Token)); len(rs) != 0 {
		t.Errorf("answered in the response and on the callback too: %v", rs)
	}
}

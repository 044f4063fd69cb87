package discord_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
)

// inlineResponse is an interaction response written in the HTTP response
// to Discord's POST (the "Inline HTTP Response" of receiving-and-responding).
type inlineResponse struct {
	Type int `json:"type"`
	Data struct {
		Content *string  `json:"content"`
		Flags   int      `json:"flags"`
		Choices []choice `json:"choices"`
		Allowed *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	} `json:"data"`
}

type choice struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// postInteraction posts ix to the endpoint at url, signed, and returns the
// status and the body.
func postInteraction(t *testing.T, url string, priv ed25519.PrivateKey, ix discordtest.Interaction) (int, string) {
	t.Helper()
	body, err := json.Marshal(ix.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, signed(t, url, priv, time.Now(), body))
}

// checkInlineRefusal checks an interaction answered in the HTTP response
// during shutdown: 200 with a private "try again" and the 112 line (a
// command, a button), or no choices (autocomplete).
func checkInlineRefusal(t *testing.T, what string, code int, body string, autocomplete bool) {
	t.Helper()
	var r inlineResponse
	if err := json.Unmarshal([]byte(body), &r); code != http.StatusOK || err != nil {
		t.Errorf("%s during shutdown: %d %q (%v), want 200 and an interaction response", what, code, body, err)
		return
	}
	if autocomplete {
		if r.Type != 8 || r.Data.Choices == nil || len(r.Data.Choices) != 0 {
			t.Errorf("%s during shutdown: %s, want type 8 with \"choices\": []", what, body)
		}
		return
	}
	if r.Type != 4 || r.Data.Flags != 64 || r.Data.Content == nil || !strings.Contains(*r.Data.Content, "try again") ||
		!strings.Contains(*r.Data.Content, "112") || r.Data.Allowed == nil || r.Data.Allowed.Parse == nil {
		t.Errorf("%s during shutdown: %s, want a private message (4, flags 64) to try again, with the 112 line, pinging no one", what, body)
	}
}

// TestInteractionsOverHTTPDuringShutdown: once the adapter has stopped, an
// interaction posted to the endpoint is not acknowledged with a 202 that
// nothing would follow: it is answered in the HTTP response itself, and
// nothing is posted to its callback.
func TestInteractionsOverHTTPDuringShutdown(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, newBot(t, nil))
	handler, err := discord.NewInteractionsHandler(h.a, hex.EncodeToString(pub))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(handler)
	defer web.Close()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	cmd := h.srv.Command("7", true, "ask", "question", "games-dates")
	h.srv.Expect(cmd)
	code, body := postInteraction(t, web.URL, priv, cmd)
	checkInlineRefusal(t, "/ask", code, body, false)
	button := h.srv.Button("7", true, "e:games-dates")
	h.srv.Expect(button)
	code, body = postInteraction(t, web.URL, priv, button)
	checkInlineRefusal(t, "a button", code, body, false)
	ac := h.srv.Autocomplete("7", true, "ask", "question", "gam")
	h.srv.Expect(ac)
	code, body = postInteraction(t, web.URL, priv, ac)
	checkInlineRefusal(t, "autocomplete", code, body, true)

	for _, ix := range []discordtest.Interaction{cmd, button, ac} {
		if rs, _ := h.srv.WaitN(0, 1, discordtest.ForInteraction(ix.Token)); len(rs) != 0 {
			t.Errorf("answered in the response and on the callback too: %v", rs)
		}
	}
}

// TestInteractionsHandlerShutdownWaits: an adapter that only serves the
// endpoint (a replica's, never Run) has no shutdown of its own; the
// handler's Shutdown waits until what it acknowledged with 202 is
// answered, and from then on answers in the response.
func TestInteractionsHandlerShutdownWaits(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := discordtest.New(t)
	asked, release := make(chan struct{}), make(chan struct{})
	conv := &fakeConv{ask: func(context.Context, bot.Message) bot.Reply {
		close(asked)
		<-release
		return bot.Reply{Kind: bot.KindAnswer, ID: "x", Question: "Slow?", Answer: "Eventually."}
	}}
	a, err := discord.New(discord.Options{Token: discordtest.Token, APIBase: srv.URL, Conversation: conv, DeferAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := discord.NewInteractionsHandler(a, hex.EncodeToString(pub))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(handler)
	defer web.Close()

	slow := srv.Command("7", true, "ask", "question", "slow question")
	srv.Expect(slow)
	if code, body := postInteraction(t, web.URL, priv, slow); code != http.StatusAccepted || body != "" {
		t.Fatalf("before shutdown: %d %q, want 202 and no body", code, body)
	}
	<-asked

	// The slow answer holds Shutdown: with a context already done it
	// returns that context's error, not nil.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := handler.Shutdown(done); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with an answer in flight and a cancelled context = %v, want context.Canceled", err)
	}
	late := srv.Command("7", true, "ask", "question", "games-dates")
	srv.Expect(late)
	code, body := postInteraction(t, web.URL, priv, late)
	checkInlineRefusal(t, "/ask after Shutdown", code, body, false)

	close(release)
	ctx, stop := context.WithTimeout(context.Background(), wait)
	defer stop()
	if err := handler.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v, want nil once the answer in flight is sent", err)
	}
	rs, _ := srv.WaitN(0, 1, discordtest.ForInteraction(slow.Token))
	if len(rs) != 1 {
		t.Fatalf("the interaction acknowledged before Shutdown got %d responses by the time it returned, want 1", len(rs))
	}
	if typ, m := callback(t, rs[0]); typ != 4 || len(m.Embeds) != 1 || m.Embeds[0].Description != "Eventually." {
		t.Errorf("the slow answer went as %s", rs[0])
	}
}

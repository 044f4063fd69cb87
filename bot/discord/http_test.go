package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
)

// signed is a request as Discord sends it to the Interactions Endpoint
// URL, signed with priv at time at.
func signed(t *testing.T, url string, priv ed25519.PrivateKey, at time.Time, body []byte) *http.Request {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...))))
	return req
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestInteractionsOverHTTP(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	h := start(t, newBot(t, nil))
	handler, err := discord.NewInteractionsHandler(h.a, hex.EncodeToString(pub))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(handler)
	defer web.Close()

	ping := []byte(`{"id":"1","application_id":"` + discordtest.AppID + `","type":1,"token":"t","version":1}`)
	now := time.Now()
	refusals := []struct {
		name string
		req  *http.Request
	}{
		{"signed by another key", signed(t, web.URL, other, now, ping)},
		{"stale", signed(t, web.URL, priv, now.Add(-6*time.Minute), ping)},
		{"from the future", signed(t, web.URL, priv, now.Add(6*time.Minute), ping)},
		{"body altered after signing", func() *http.Request {
			r := signed(t, web.URL, priv, now, ping)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(string(ping), `"type":1`, `"type":2`, 1)))
			return r
		}()},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest("POST", web.URL, bytes.NewReader(ping))
			return r
		}()},
	}
	for _, c := range refusals {
		if code, _ := do(t, c.req); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", c.name, code)
		}
	}
	if code, body := do(t, signed(t, web.URL, priv, now, ping)); code != 200 || strings.TrimSpace(body) != `{"type":1}` {
		t.Errorf("PING: %d %q, want 200 and a PONG", code, body)
	}

	// A slash command over HTTP is answered like one from the gateway, on
	// its callback endpoint, after a 202.
	ix := h.srv.Command("7", true, "ask", "question", "games-dates")
	h.srv.Expect(ix)
	body, _ := json.Marshal(ix.Payload)
	if code, _ := do(t, signed(t, web.URL, priv, time.Now(), body)); code != http.StatusAccepted {
		t.Fatalf("command: status %d, want 202", code)
	}
	rs, err := h.srv.WaitN(wait, 1, discordtest.ForInteraction(ix.Token))
	if err != nil {
		t.Fatal(err)
	}
	if typ, m := callback(t, rs[0]); typ != 4 || len(m.Embeds) != 1 || m.Embeds[0].Title != "When do the Winter Games start?" {
		t.Errorf("command over HTTP answered %s", rs[0])
	}
	if _, err := discord.NewInteractionsHandler(h.a, "not hex"); err == nil {
		t.Error("a key that is not hex was accepted")
	}
}

// memClaims is a shared claim table, as replicas on one database have.
type memClaims struct {
	mu   sync.Mutex
	done map[string]bool
	held map[string]bool
	// refused gets every key refused because it was taken already.
	refused chan string
}

func (c *memClaims) Claim(_ context.Context, key string) (func(bool), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done[key] || c.held[key] {
		c.refused <- key
		return nil, nil
	}
	c.held[key] = true
	return func(handled bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.held, key)
		c.done[key] = c.done[key] || handled
	}, nil
}

func TestAnInteractionDeliveredTwiceIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	claims := &memClaims{done: map[string]bool{}, held: map[string]bool{}, refused: make(chan string, 4)}
	h := start(t, newBot(t, nil), func(o *discord.Options) { o.Claims = claims })
	// A second replica: the same application, HTTP only.
	other, err := discord.New(discord.Options{Token: discordtest.Token, APIBase: h.srv.URL, Conversation: newBot(t, nil), Claims: claims})
	if err != nil {
		t.Fatal(err)
	}
	var webs []string
	for _, a := range []*discord.Adapter{h.a, other} {
		handler, err := discord.NewInteractionsHandler(a, hex.EncodeToString(pub))
		if err != nil {
			t.Fatal(err)
		}
		web := httptest.NewServer(handler)
		defer web.Close()
		webs = append(webs, web.URL)
	}
	ix := h.srv.Command("7", true, "ask", "question", "games-dates")
	h.srv.Expect(ix)
	body, _ := json.Marshal(ix.Payload)
	for _, u := range webs {
		if code, _ := do(t, signed(t, u, priv, time.Now(), body)); code != http.StatusAccepted {
			t.Fatalf("status %d, want 202", code)
		}
	}
	if _, err := h.srv.WaitN(wait, 1, discordtest.ForInteraction(ix.Token)); err != nil {
		t.Fatal(err)
	}
	// The replica that lost the claim gave up without answering.
	select {
	case key := <-claims.refused:
		if key != "discord:"+discordtest.AppID+":"+ix.ID {
			t.Errorf("refused claim %q, want the interaction's", key)
		}
	case <-time.After(wait):
		t.Fatal("the second delivery never asked for the claim")
	}
	if rs, _ := h.srv.WaitN(0, 2, discordtest.ForInteraction(ix.Token)); len(rs) != 1 {
		t.Errorf("%d responses to one interaction delivered to two replicas, want 1: %v", len(rs), rs)
	}
}

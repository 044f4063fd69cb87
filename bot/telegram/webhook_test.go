package telegram_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
)

func TestWebhook(t *testing.T) {
	const secret = "s3cret_Token-1"
	e := start(t, nil, func(o *telegram.Options) {
		o.WebhookURL = "https://bot.example/telegram/hook"
		o.WebhookSecret = secret
	})
	if got := e.adapter.WebhookPath(); got != "/telegram/hook" {
		t.Errorf("WebhookPath() = %q", got)
	}
	if !e.fake.WaitUntil(5*time.Second, e.adapter.Connected) {
		t.Fatal("webhook mode never connected")
	}
	u, sec := e.fake.Webhook()
	if u != "https://bot.example/telegram/hook" || sec != secret {
		t.Errorf("setWebhook url=%q secret_token=%q", u, sec)
	}
	sw := e.fake.Calls("setWebhook")
	var allowed []string
	if len(sw) != 1 || json.Unmarshal([]byte(sw[0].Form.Get("allowed_updates")), &allowed) != nil || len(allowed) == 0 {
		t.Errorf("setWebhook allowed_updates = %q", sw[0].Form.Get("allowed_updates"))
	}

	post := func(header string, body []byte, method string) int {
		r := httptest.NewRequest(method, "/telegram/hook", bytes.NewReader(body))
		if header != "" {
			r.Header.Set("X-Telegram-Bot-Api-Secret-Token", header)
		}
		w := httptest.NewRecorder()
		e.adapter.ServeHTTP(w, r)
		return w.Code
	}
	update := func(id int, chat int64) []byte {
		u := telegramtest.PrivateText(chat, consulateQ)
		u.UpdateID = id
		b, _ := json.Marshal(u)
		return b
	}
	cases := []struct {
		name   string
		header string
		body   []byte
		method string
		code   int
		chat   int64
		sent   int
	}{
		{"no secret", "", update(1, 600), http.MethodPost, 401, 600, 0},
		{"wrong secret", "s3cret_Token-2", update(2, 601), http.MethodPost, 401, 601, 0},
		{"secret prefix", "s3cret", update(3, 602), http.MethodPost, 401, 602, 0},
		{"GET", secret, nil, http.MethodGet, 405, 0, 0},
		{"not JSON", secret, []byte("{nope"), http.MethodPost, 400, 0, 0},
		{"right secret", secret, update(4, 603), http.MethodPost, 200, 603, 1},
		{"redelivered", secret, update(4, 603), http.MethodPost, 200, 603, 1},
	}
	for _, tc := range cases {
		if code := post(tc.header, tc.body, tc.method); code != tc.code {
			t.Errorf("%s: status %d, want %d", tc.name, code, tc.code)
		}
		if tc.chat == 0 {
			continue
		}
		got := e.fake.SentTo(tc.chat)
		if len(got) != tc.sent {
			t.Errorf("%s: %d messages to chat %d, want %d", tc.name, len(got), tc.chat, tc.sent)
		}
		if tc.sent > 0 && !strings.HasPrefix(got[0].Visible, consulateQ) {
			t.Errorf("%s: reply %q", tc.name, got[0].Visible)
		}
	}
	if n := len(e.fake.Calls("getUpdates")); n != 0 {
		t.Errorf("webhook mode polled %d times", n)
	}
	if err := e.stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestWebhookRejectedIsAnError(t *testing.T) {
	fake := newFake(t)
	fake.Fail("setWebhook", telegramtest.Fault{Code: 400, Description: "Bad Request: bad webhook: HTTPS url must be provided for webhook"})
	e := startOn(t, fake, nil, nil, func(o *telegram.Options) { o.WebhookURL = "http://bot.example/hook" })
	select {
	case err := <-e.done:
		close(e.done)
		if err == nil || !strings.Contains(err.Error(), "webhook") {
			t.Errorf("Run = %v, want a webhook error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not fail")
	}
}

func TestWebhookGeneratesSecretWhenNoneGiven(t *testing.T) {
	e := start(t, nil, func(o *telegram.Options) { o.WebhookURL = "https://bot.example/" })
	if !e.fake.WaitUntil(5*time.Second, e.adapter.Connected) {
		t.Fatal("not connected")
	}
	if _, sec := e.fake.Webhook(); len(sec) < 32 {
		t.Errorf("generated secret %q is too short", sec)
	}
	if got := e.adapter.WebhookPath(); got != "/" {
		t.Errorf("WebhookPath() = %q, want /", got)
	}
}

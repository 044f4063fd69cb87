package telegram

import (
	"context"
	"errors"
	"go/build"
	"net/http"
	"net/url"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"travelbot/bot/telegram/telegramtest"
)

func TestEntityBytes(t *testing.T) {
	cases := []struct {
		text         string
		offset, size int
		want         string
		ok           bool
	}{
		{"@faq_bot hi", 0, 8, "@faq_bot", true},
		{"😀 @faq_bot", 3, 8, "@faq_bot", true}, // the emoji is two UTF-16 units
		{"é @faq_bot", 2, 8, "@faq_bot", true},
		{"hi", 0, 2, "hi", true},
		{"hi", 1, 5, "", false},
		{"hi", 5, 1, "", false},
		{"hi", -1, 1, "", false},
		{"hi", 0, 0, "", false},
	}
	for _, tc := range cases {
		s, e, ok := entityBytes(tc.text, tgbotapi.MessageEntity{Offset: tc.offset, Length: tc.size})
		if ok != tc.ok || (ok && tc.text[s:e] != tc.want) {
			t.Errorf("entityBytes(%q, %d, %d) = %d, %d, %v; want %q, %v", tc.text, tc.offset, tc.size, s, e, ok, tc.want, tc.ok)
		}
	}
}

func TestAddressed(t *testing.T) {
	self := telegramtest.Me
	cases := []struct {
		name    string
		text    string
		private bool
		want    string
		ok      bool
	}{
		{"private text", "Where?", true, "Where?", true},
		{"private unknown command", "/weather", true, "/weather", true},
		{"private command for another bot", "/start@other_bot", true, "", false},
		{"group plain", "Where?", false, "", false},
		{"group ask", "/ask Where?", false, "/ask Where?", true},
		{"group unknown command", "/weather", false, "", false},
		{"group mention first", "@faq_bot Where?", false, "Where?", true},
		{"group mention last", "Where? @faq_bot", false, "Where?", true},
		{"group mention only", "@faq_bot", false, "", true},
		{"group mention of another", "@faq_botty Where?", false, "", false},
	}
	for _, tc := range cases {
		m := &tgbotapi.Message{Text: tc.text, Entities: telegramtest.Entities(tc.text)}
		got, ok := addressed(m, self, tc.private)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s: addressed(%q) = %q, %v; want %q, %v", tc.name, tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

// TestImports keeps the adapter an adapter: it knows bot, never the FAQ
// engine, the config, or the other adapter.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if imp == "travelbot/faq" || imp == "travelbot/config" || strings.HasPrefix(imp, "travelbot/bot/discord") || strings.HasPrefix(imp, "travelbot/cmd") {
			t.Errorf("bot/telegram imports %s", imp)
		}
	}
}

// failingClient fails every request the way net/http does: a *url.Error
// carrying the full URL, token included.
type failingClient struct{}

func (failingClient) Do(r *http.Request) (*http.Response, error) {
	return nil, &url.Error{Op: "Post", URL: r.URL.String(), Err: errors.New("connection refused")}
}

func TestTokenIsRedactedFromTransportErrors(t *testing.T) {
	const tok = "123:SECRET"
	c := &ctxClient{ctx: context.Background(), base: failingClient{}, token: tok}
	req, _ := http.NewRequest("POST", "https://api.telegram.org/bot"+tok+"/getMe", nil)
	_, err := c.Do(req)
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), tok) {
			t.Errorf("error in the chain contains the token: %s", e)
		}
	}
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "/bot<token>/getMe") {
		t.Errorf("want a *url.Error with the token replaced, got %#v", err)
	}
	if classify(err) != errNetwork {
		t.Errorf("redacted transport error classified as %v, want a network error", classify(err))
	}

	a := testAdapter(t, nil)
	a.token = tok
	odd := errors.New("something mentioning " + tok)
	if got := a.wrap("getMe", odd).Error(); strings.Contains(got, tok) {
		t.Errorf("wrap kept the token: %s", got)
	}
}

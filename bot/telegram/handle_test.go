package telegram

import (
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
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
	const tok = "123:SECRET-secret_0123"
	c := &ctxClient{ctx: context.Background(), base: failingClient{}, secret: newRedactor(tok)}
	req, _ := http.NewRequest("POST", "https://api.telegram.org/bot"+tok+"/getMe", nil)
	_, err := c.Do(req)
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), tok) {
			t.Errorf("error in the chain contains the token: %s", e)
		}
	}
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "/bot"+redactedToken+"/getMe") {
		t.Errorf("want a *url.Error with the token replaced, got %#v", err)
	}
	if classify(err) != errNetwork {
		t.Errorf("redacted transport error classified as %v, want a network error", classify(err))
	}
}

// TestRedactionCoversEveryFormAndKeepsTheCause: the token in any encoding a
// URL gives it is taken out, at every level of the chain, and the chain's
// types survive for errors.Is and errors.As.
func TestRedactionCoversEveryFormAndKeepsTheCause(t *testing.T) {
	const tok = "7000001:SECRET-abc_DEF-123"
	forms := []string{
		tok,
		"7000001%3ASECRET-abc_DEF-123",
		"7000001%3aSECRET-abc_DEF-123",
		url.PathEscape(tok + " "),  // a trailing space: ...%20
		url.QueryEscape(tok + " "), // %3A and +
		"SECRET-abc_DEF-123",
	}
	// The adapter is given the token with a trailing space, as read from a
	// file: the space-encoded forms must still be caught.
	r := newRedactor(tok + " ")
	for _, f := range forms {
		cases := []struct {
			name string
			err  error
			// check is what must survive redaction.
			check func(error) bool
		}{
			{"plain", errors.New("echo /bot" + f + "/getMe"), func(error) bool { return true }},
			{"url.Error", &url.Error{Op: "Post", URL: "https://x/bot" + f + "/getMe", Err: context.DeadlineExceeded},
				func(e error) bool {
					var ue *url.Error
					return errors.As(e, &ue) && errors.Is(e, context.DeadlineExceeded) && ue.Op == "Post"
				}},
			{"tgbotapi.Error", fmt.Errorf("getMe: %w", &tgbotapi.Error{Code: 404, Message: "Not Found: /bot" + f + "/getMe"}),
				func(e error) bool {
					var te *tgbotapi.Error
					return errors.As(e, &te) && te.Code == 404 && rejectedToken(e)
				}},
			{"joined", errors.Join(errors.New("first "+f), io.ErrUnexpectedEOF),
				func(e error) bool { return errors.Is(e, io.ErrUnexpectedEOF) }},
		}
		for _, tc := range cases {
			got := r.redact(tc.err)
			var walk func(e error)
			walk = func(e error) {
				if e == nil {
					return
				}
				for _, leak := range forms {
					if strings.Contains(e.Error(), leak) {
						t.Errorf("%s with %q: %q still has %q", tc.name, f, e.Error(), leak)
					}
				}
				switch u := e.(type) {
				case interface{ Unwrap() error }:
					walk(u.Unwrap())
				case interface{ Unwrap() []error }:
					for _, c := range u.Unwrap() {
						walk(c)
					}
				}
			}
			walk(got)
			if !strings.Contains(got.Error(), redactedToken) {
				t.Errorf("%s with %q: %q does not say where the token was", tc.name, f, got)
			}
			if !tc.check(got) {
				t.Errorf("%s with %q: redaction lost the cause: %#v", tc.name, f, got)
			}
		}
	}
	if clean := errors.New("nothing secret"); r.redact(clean) != clean {
		t.Error("an error without the token was rebuilt")
	}
}

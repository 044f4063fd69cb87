package secret

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
)

// walk calls f on err and every error its chain holds.
func walk(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, c := range u.Unwrap() {
			walk(c, f)
		}
	}
}

// codeError stands for an adapter library's error type, which only a
// Rebuild can keep.
type codeError struct {
	Code int
	Text string
}

func (e *codeError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Text) }

func TestRedactTakesEveryFormOutOfEveryLevel(t *testing.T) {
	const tok = "7000001:SECRET-abc_DEF-123"
	r := New(Options{
		Secrets: []string{tok + " "}, // as read from a file
		Rebuild: func(err error, r *Redactor) (error, bool) {
			if e, ok := err.(*codeError); ok {
				return &codeError{Code: e.Code, Text: r.Scrub(e.Text)}, true
			}
			return nil, false
		},
	})
	forms := []string{tok, "7000001%3ASECRET-abc_DEF-123", "7000001%3aSECRET-abc_DEF-123", url.PathEscape(tok + " "), url.QueryEscape(tok + " "), "SECRET-abc_DEF-123"}
	for _, f := range forms {
		cases := []struct {
			name  string
			err   error
			keeps func(error) bool
		}{
			{"plain", errors.New("GET /bot" + f + "/getMe"), func(error) bool { return true }},
			{"url.Error", fmt.Errorf("poll: %w", &url.Error{Op: "Post", URL: "https://x/bot" + f + "/getMe", Err: context.DeadlineExceeded}),
				func(e error) bool {
					ue, ok := errors.AsType[*url.Error](e)
					return ok && ue.Op == "Post" && errors.Is(e, context.DeadlineExceeded)
				}},
			{"rebuilt library error", fmt.Errorf("send: %w", &codeError{Code: 404, Text: "Not Found: /bot" + f}),
				func(e error) bool {
					ce, ok := errors.AsType[*codeError](e)
					return ok && ce.Code == 404
				}},
			{"joined", errors.Join(errors.New("first "+f), io.ErrUnexpectedEOF), func(e error) bool { return errors.Is(e, io.ErrUnexpectedEOF) }},
		}
		for _, tc := range cases {
			got := r.Wrap("call", tc.err)
			walk(got, func(e error) {
				for _, leak := range forms {
					if strings.Contains(e.Error(), leak) {
						t.Errorf("%s with %q: %q in the chain still has %q", tc.name, f, e.Error(), leak)
					}
				}
			})
			if !strings.HasPrefix(got.Error(), "call: ") || !strings.Contains(got.Error(), Mark) {
				t.Errorf("%s with %q: %q does not say what failed and where the secret was", tc.name, f, got)
			}
			if !tc.keeps(got) {
				t.Errorf("%s with %q: redaction lost the cause: %#v", tc.name, f, got)
			}
		}
	}
	if clean := errors.New("nothing secret"); r.Redact(clean) != clean {
		t.Error("an error without a secret was rebuilt")
	}
	if r.Redact(nil) != nil || r.Wrap("x", nil) != nil {
		t.Error("a nil error became an error")
	}
}

func TestScrubRunsTheExtraScrubAfterTheSecrets(t *testing.T) {
	r := New(Options{
		Secrets: []string{"s3cret", ""},
		Scrub:   func(s string) string { return strings.ReplaceAll(s, "/found/", "/"+Mark+"/") },
	})
	if got, want := r.Scrub("Bot s3cret at /found/"), "Bot "+Mark+" at /"+Mark+"/"; got != want {
		t.Errorf("Scrub = %q, want %q", got, want)
	}
	// An error only the extra scrub finds is redacted too.
	if got := r.Redact(errors.New("PATCH /found/")); strings.Contains(got.Error(), "/found/") {
		t.Errorf("Redact left what Scrub finds: %q", got)
	}
	if got := New(Options{Secrets: []string{"abc"}}).Scrub("abc"); got != "abc" {
		t.Errorf("a 3-byte secret was replaced (%q): too short to tell from ordinary text", got)
	}
}

// hiddenError stands for a library error that holds a secret in a field
// its text never shows (discordgo's *RESTError keeps the request, with its
// Authorization header).
type hiddenError struct {
	Code   int
	Header string
}

func (e *hiddenError) Error() string { return fmt.Sprintf("HTTP %d", e.Code) }

func TestRedactRebuildsWhatACleanTextHides(t *testing.T) {
	const tok = "Bot-hidden-token-0123"
	r := New(Options{
		Secrets: []string{tok},
		Rebuild: func(err error, r *Redactor) (error, bool) {
			if e, ok := err.(*hiddenError); ok {
				return &hiddenError{Code: e.Code}, true
			}
			return nil, false
		},
	})
	hidden := func() error { return &hiddenError{Code: 401, Header: "Authorization: " + tok} }
	for name, err := range map[string]error{
		"bare":      hidden(),
		"wrapped":   fmt.Errorf("connect: %w", hidden()),
		"joined":    errors.Join(io.EOF, fmt.Errorf("gateway: %w", hidden())),
		"url.Error": &url.Error{Op: "Get", URL: "https://x/gateway", Err: hidden()},
	} {
		got := r.Redact(err)
		if got.Error() != err.Error() {
			t.Errorf("%s: text %q became %q, but it carried no secret", name, err, got)
		}
		he, ok := errors.AsType[*hiddenError](got)
		if !ok || he.Code != 401 {
			t.Errorf("%s: errors.As lost the library error: %#v", name, got)
			continue
		}
		walk(got, func(e error) {
			if h, ok := e.(*hiddenError); ok && strings.Contains(h.Header, tok) {
				t.Errorf("%s: %+v in the chain still holds the token", name, *h)
			}
		})
	}
	if _, ok := errors.AsType[*url.Error](r.Redact(&url.Error{Op: "Get", URL: "u", Err: hidden()})); !ok {
		t.Error("a *url.Error wrapping a rebuilt error is no longer a *url.Error")
	}
	if !errors.Is(r.Redact(errors.Join(io.EOF, hidden())), io.EOF) {
		t.Error("a sentinel beside a rebuilt error was lost")
	}
}

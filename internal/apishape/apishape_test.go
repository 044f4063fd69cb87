package apishape

import (
	"errors"
	"strings"
	"testing"
)

func TestOrigin(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      error
	}{
		{"https://api.telegram.org", "https://api.telegram.org", nil},
		{"https://api.telegram.org/", "https://api.telegram.org", nil},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081", nil},
		{"https://api.telegram.org//", "", ErrNotOrigin},
		{"https://api.telegram.org/bot", "", ErrNotOrigin},
		{"https://api.telegram.org?x=1", "", ErrNotOrigin},
		{"https://api.telegram.org?", "", ErrNotOrigin},
		{"https://api.telegram.org#", "", ErrNotOrigin},
		{"https://api.telegram.org/%2F", "", ErrNotOrigin},
		{"https://api.tele%67ram.org", "", ErrNotHTTP},
		{"https://user:pw@api.telegram.org", "", ErrNotOrigin},
		{"ws://api.telegram.org", "", ErrNotHTTP},
		{"api.telegram.org", "", ErrNotHTTP},
		{"https://", "", ErrNotHTTP},
		{"", "", ErrNotHTTP},
	} {
		got, err := Origin(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Origin(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("Origin(%q) shows the password: %v", tt.in, err)
		}
	}
}

func TestTelegramWebhookSecret(t *testing.T) {
	for s, want := range map[string]bool{
		"hook_secret-1":          true,
		strings.Repeat("a", 256): true,
		strings.Repeat("a", 257): false,
		"":                       false,
		"has spaces":             false,
		"dollar$":                false,
		"é":                      false,
	} {
		if got := TelegramWebhookSecret(s); got != want {
			t.Errorf("TelegramWebhookSecret(%q) = %v, want %v", s, got, want)
		}
	}
}

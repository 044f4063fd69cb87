// Package apishape holds the rules for values that both the config and the
// chat adapters check: an API origin and Telegram's webhook secret. The
// config checks them at start, to name the setting at fault; the adapters
// check them again for callers that build Options themselves. Written once
// here, a value the config accepts is one the adapter accepts too.
//
// It is a leaf: it imports nothing of travelbot.
package apishape

import (
	"errors"
	"net/url"
	"strings"
)

// Origin problems, for errors.Is; their text completes "VALUE: ".
var (
	ErrNotHTTP   = errors.New("must be an http or https origin such as https://example.org")
	ErrNotOrigin = errors.New("must be an origin only (scheme and host, no path, query or user)")
)

// Origin checks that s is an http(s) origin, a scheme and a host with
// nothing after them but one optional slash, and returns it without the
// slash, ready for s+"/api/...". Anything more (a path, a query, a
// fragment, a user, a percent escape) is refused rather than dropped: a
// client that silently called another URL than the one configured would
// be hard to debug. Errors are ErrNotHTTP or ErrNotOrigin and never quote
// s, which may hold a password.
func Origin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", ErrNotHTTP
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.User != nil || strings.ContainsAny(s, "#%") {
		return "", ErrNotOrigin
	}
	return strings.TrimSuffix(s, "/"), nil
}

// TelegramWebhookSecret reports whether s is a secret_token Telegram
// accepts for a webhook: 1 to 256 of A-Z a-z 0-9 _ -.
func TelegramWebhookSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

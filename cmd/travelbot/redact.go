package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"slices"
	"strings"

	"travelbot/config"
)

// redactingHandler removes every configured secret from every log record
// before the handler it wraps sees it: from the message, from string
// attributes, from errors and anything else that prints a secret, in
// groups too. It is applied once, to the process's logger (newLogger), so
// no adapter or library log line, nor an error that echoes a URL, can show
// a token, whatever form it takes there.
type redactingHandler struct {
	h slog.Handler
	r *strings.Replacer
}

// newRedactingHandler wraps h to redact the secrets of cfg: the tokens,
// the webhook secret, the database URL and its password, each raw,
// percent-encoded as a path and as a query (spaces as "+" and as "%20");
// and the Telegram webhook's unguessable path, shown as its directory and
// "[redacted]" (/telegram/[redacted]).
func newRedactingHandler(h slog.Handler, cfg *config.Config) slog.Handler {
	const mark = "[redacted]"
	pairs := map[string]string{}
	add := func(secret, with string) {
		if secret == "" {
			return
		}
		for _, form := range []string{
			secret,
			url.PathEscape(secret),
			url.QueryEscape(secret),
			strings.ReplaceAll(url.QueryEscape(secret), "+", "%20"),
		} {
			pairs[form] = with
		}
	}
	for _, s := range []config.Secret{cfg.Telegram.Token, cfg.Discord.Token, cfg.AdminToken, cfg.Telegram.WebhookSecret, cfg.DatabaseURL} {
		add(s.Value(), mark)
	}
	if _, secret, ok := strings.Cut(cfg.Telegram.Token.Value(), ":"); ok {
		add(secret, mark) // the part after the bot's id is the secret one
	}
	if u, err := url.Parse(cfg.DatabaseURL.Value()); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			add(pw, mark)
		}
	}
	if u, err := url.Parse(cfg.Telegram.WebhookURL); err == nil && len(u.Path) > 1 {
		p := u.EscapedPath()
		add(p, path.Dir(p)+"/"+mark)
		if p != u.Path {
			add(u.Path, path.Dir(u.Path)+"/"+mark)
		}
	}
	// Longest first, so a secret's encoded form is not half-replaced by
	// a shorter secret inside it.
	olds := make([]string, 0, len(pairs))
	for old := range pairs {
		olds = append(olds, old)
	}
	slices.SortFunc(olds, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	args := make([]string, 0, 2*len(olds))
	for _, old := range olds {
		args = append(args, old, pairs[old])
	}
	return &redactingHandler{h: h, r: strings.NewReplacer(args...)}
}

// Enabled reports what the wrapped handler does.
func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.h.Enabled(ctx, l)
}

// Handle passes on a copy of rec with the secrets redacted.
func (h *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Replace(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

// WithAttrs redacts attrs once, as they are added.
func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &redactingHandler{h: h.h.WithAttrs(clean), r: h.r}
}

// WithGroup opens a group on the wrapped handler.
func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{h: h.h.WithGroup(name), r: h.r}
}

func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Replace(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		// Errors and other values are printed by the handler: print them
		// here, and keep the value itself when that shows no secret.
		s := fmt.Sprint(v.Any())
		if clean := h.r.Replace(s); clean != s {
			return slog.String(a.Key, clean)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

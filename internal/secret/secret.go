// Package secret takes secrets (the bot tokens, Discord's interaction
// tokens) out of errors before they leave an adapter, so that no error a
// caller logs, returns or shows carries one. It is the one redaction of
// errors both adapters use; the log handler of cmd/travelbot redacts every
// configured secret again at the end, from every record, whatever its
// source.
//
// A redacted error keeps its chain for errors.Is and errors.As, with the
// secret taken out of every level, not only of the outer text: what
// errors.Unwrap hands a caller is as clean as what Error() says. The
// *url.Error net/http returns (and, through Options.Rebuild, an adapter's
// own library error types) is rebuilt as the same type with its fields
// scrubbed, so errors.As still finds it. Rebuild runs on every level of
// every chain, whatever the text says: a library error may hold a secret
// in a field its text never shows (the request of a *discordgo.RESTError
// carries the Authorization header). Sentinel errors and errors whose text
// carries no secret and whose chain holds nothing to rebuild are kept as
// they are, so errors.Is finds them. An error of another type whose own
// text carries a secret, or that wraps something rebuilt, is replaced by a
// stand-in with the scrubbed text wrapping its redacted causes: errors.As
// to that type then fails, which is the price of not handing its secret on.
package secret

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Mark replaces a secret wherever it appeared.
const Mark = "[redacted]"

// Options say what a Redactor takes out.
type Options struct {
	// Secrets are taken out in every form an error may carry them in: as
	// they are, trimmed, percent-encoded as a URL path or query carries
	// them (a colon as %3A or %3a, a space as %20 or +), and, for a token
	// of the form id:secret (a Telegram bot token), the part after the
	// colon on its own, which survives any encoding. Empty secrets and
	// forms shorter than 4 bytes are ignored.
	Secrets []string
	// Scrub, when set, takes out more from a text once the secrets are
	// out: secrets the adapter does not know in advance but finds by
	// their place (Discord's interaction tokens in webhook URLs).
	Scrub func(string) string
	// Rebuild, when set, returns a copy of an error of a type the package
	// does not know with every text field passed through r.Scrub, every
	// wrapped error through r.Redact and any field that may hold a secret
	// its text does not show cleaned or dropped, and true; false for other
	// types. It is called for every error of every chain Redact is given,
	// including those whose text is clean.
	Rebuild func(err error, r *Redactor) (error, bool)
}

// Redactor takes one adapter's secrets out of texts and errors. It is
// immutable, so safe for concurrent use.
type Redactor struct {
	forms   []string // longest first, so no form is half-replaced by a shorter one
	scrub   func(string) string
	rebuild func(error, *Redactor) (error, bool)
}

// New returns a Redactor for o.
func New(o Options) *Redactor {
	seen := map[string]bool{}
	var forms []string
	add := func(s string) {
		if len(s) >= 4 && !seen[s] {
			seen[s] = true
			forms = append(forms, s)
		}
	}
	for _, secret := range o.Secrets {
		for _, t := range []string{secret, strings.TrimSpace(secret)} {
			for _, f := range []string{t, url.PathEscape(t), url.QueryEscape(t), strings.ReplaceAll(url.PathEscape(t), ":", "%3A")} {
				add(f)
				add(strings.ReplaceAll(f, "%3A", "%3a"))
				add(strings.ReplaceAll(f, " ", "%20"))
			}
			if _, part, ok := strings.Cut(t, ":"); ok && len(part) >= 8 {
				add(part)
				add(url.PathEscape(part))
				add(url.QueryEscape(part))
			}
		}
	}
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	return &Redactor{forms: forms, scrub: o.Scrub, rebuild: o.Rebuild}
}

// Scrub returns s with every secret replaced by Mark.
func (r *Redactor) Scrub(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, Mark)
	}
	if r.scrub != nil {
		s = r.scrub(s)
	}
	return s
}

// Redact returns err with every secret taken out of its text and out of
// every error it wraps (see the package comment for what the chain keeps).
// An error whose text carries no secret and whose chain holds nothing
// Rebuild or the package rebuilds is returned as is.
func (r *Redactor) Redact(err error) error {
	e, _ := r.redact(err)
	return e
}

// redact is Redact, and reports whether the result differs from err, so
// that a wrapper of a changed cause is replaced too (comparing the errors
// with == could panic on an uncomparable error type).
func (r *Redactor) redact(err error) (error, bool) {
	if err == nil {
		return nil, false
	}
	if r.rebuild != nil {
		if e, ok := r.rebuild(err, r); ok {
			return e, true
		}
	}
	msg := err.Error()
	clean := r.Scrub(msg)
	if e, ok := err.(*url.Error); ok {
		inner, changed := r.redact(e.Err)
		if clean == msg && !changed {
			return err, false
		}
		return &url.Error{Op: e.Op, URL: r.Scrub(e.URL), Err: inner}, true
	}
	var causes []error
	changed := clean != msg
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		c, ch := r.redact(u.Unwrap())
		causes, changed = []error{c}, changed || ch
	case interface{ Unwrap() []error }:
		for _, c := range u.Unwrap() {
			c, ch := r.redact(c)
			causes, changed = append(causes, c), changed || ch
		}
	}
	if !changed {
		return err, false
	}
	return &standIn{msg: clean, causes: causes}, true
}

// Wrap returns err redacted, prefixed with what failed ("getMe: ...",
// "connect: ..."). It is where an adapter's errors get their one prefix:
// the layers below add none, and callers add only their own.
func (r *Redactor) Wrap(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", prefix, r.Redact(err))
}

// standIn replaces an error whose own text carried a secret: its text is
// scrubbed, and it wraps the redacted versions of what the original
// wrapped.
type standIn struct {
	msg    string
	causes []error
}

func (e *standIn) Error() string   { return e.msg }
func (e *standIn) Unwrap() []error { return e.causes }

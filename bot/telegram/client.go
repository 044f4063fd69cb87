package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ctxClient gives every request the library makes a context (the library
// builds them with http.NewRequest, so they have none and a long poll could
// not be cancelled) and takes the token out of transport errors, which
// net/http reports with the full URL, /bot<token>/ included.
type ctxClient struct {
	ctx    context.Context
	base   HTTPClient
	secret *redactor
}

func (c *ctxClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.base.Do(r.WithContext(c.ctx))
	if err != nil {
		return nil, c.secret.redact(err)
	}
	return resp, nil
}

// redactedToken replaces the token wherever it would appear.
const redactedToken = "<token>"

// redactor takes a bot token out of errors in every form it can take in
// one: as is; percent-encoded the way a URL path or query carries it (the
// colon as %3A or %3a, a stray space as %20 or +); and its secret part (after
// the colon) on its own, which survives any of those encodings.
type redactor struct {
	forms []string // longest first
}

func newRedactor(token string) *redactor {
	seen := map[string]bool{}
	var forms []string
	add := func(s string) {
		if len(s) >= 4 && !seen[s] {
			seen[s] = true
			forms = append(forms, s)
		}
	}
	for _, t := range []string{token, strings.TrimSpace(token)} {
		for _, f := range []string{t, url.PathEscape(t), url.QueryEscape(t), strings.ReplaceAll(url.PathEscape(t), ":", "%3A")} {
			add(f)
			add(strings.ReplaceAll(f, "%3A", "%3a"))
			add(strings.ReplaceAll(f, " ", "%20"))
		}
		if _, secret, ok := strings.Cut(t, ":"); ok && len(secret) >= 8 {
			add(secret)
			add(url.PathEscape(secret))
			add(url.QueryEscape(secret))
		}
	}
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	return &redactor{forms: forms}
}

// scrub replaces every form of the token in s.
func (r *redactor) scrub(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, redactedToken)
	}
	return s
}

func (r *redactor) leaks(s string) bool {
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// redact returns err with the token taken out of its text and out of every
// error it wraps, keeping the chain: errors.Is and errors.As still find the
// *url.Error (with a scrubbed URL), the *tgbotapi.Error (with a scrubbed
// description), context.DeadlineExceeded and the network errors. An error
// whose text carries no form of the token is returned as is.
func (r *redactor) redact(err error) error {
	if err == nil || !r.leaks(err.Error()) {
		return err
	}
	switch e := err.(type) {
	case *url.Error:
		return &url.Error{Op: e.Op, URL: r.scrub(e.URL), Err: r.redact(e.Err)}
	case *tgbotapi.Error:
		return &tgbotapi.Error{Code: e.Code, Message: r.scrub(e.Message), ResponseParameters: e.ResponseParameters}
	}
	re := &redactedError{msg: r.scrub(err.Error())}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		re.causes = []error{r.redact(u.Unwrap())}
	case interface{ Unwrap() []error }:
		for _, c := range u.Unwrap() {
			re.causes = append(re.causes, r.redact(c))
		}
	}
	return re
}

// redactedError stands in for an error whose own text carried the token:
// its text is scrubbed, and it wraps the scrubbed versions of what the
// original wrapped.
type redactedError struct {
	msg    string
	causes []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.causes }

func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	return c.String()
}

// botFor returns a shallow copy of the library client whose requests carry
// ctx. The BotAPI holds no mutable state we use, so copies are safe.
func (a *Adapter) botFor(ctx context.Context) *tgbotapi.BotAPI {
	c := *a.api.Load()
	c.Client = &ctxClient{ctx: ctx, base: a.http, secret: a.secret}
	return &c
}

// wrap prefixes err with the method and guarantees the token is not in it.
// The package name is not repeated: the caller of Run and New says which
// adapter failed.
func (a *Adapter) wrap(method string, err error) error {
	return fmt.Errorf("%s: %w", method, a.secret.redact(err))
}

type errorKind int

const (
	errPermanent   errorKind = iota // a 4xx other than 429: retrying cannot help
	errRateLimit                    // 429: wait retry_after
	errServer                       // 5xx: Telegram did not act on the request
	errNetwork                      // no response: the request may or may not have arrived
	errBadResponse                  // a response that is not the Bot API's JSON (a proxy's error page)
)

func classify(err error) errorKind {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		switch {
		case te.Code == http.StatusTooManyRequests:
			return errRateLimit
		case te.Code >= 500:
			return errServer
		default:
			return errPermanent
		}
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errBadResponse
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.EOF) || errors.Is(err, context.DeadlineExceeded) {
		return errNetwork
	}
	return errNetwork
}

// newBackOff is the package's one backoff, for every retry loop (getMe at
// start, every API call, the poll loop): 500 ms doubling to 30 s, with 25%
// jitter so that replicas restarted together do not retry in step.
func newBackOff() backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 500 * time.Millisecond
	b.Multiplier = 2
	b.MaxInterval = 30 * time.Second
	b.RandomizationFactor = 0.25
	b.Reset()
	return b
}

// retryDelay is how long to wait before the next attempt after err:
// Telegram's retry_after for a 429, the backoff's next interval otherwise.
func retryDelay(b backoff.BackOff, err error) time.Duration {
	var te *tgbotapi.Error
	if errors.As(err, &te) && te.Code == http.StatusTooManyRequests && te.RetryAfter > 0 {
		return time.Duration(te.RetryAfter) * time.Second
	}
	return b.NextBackOff()
}

// call performs one API call with retries, each attempt bounded by
// SendTimeout. wait, when set, runs before every attempt (the rate limits).
//
// What is retried: 429 (after retry_after) and 5xx, where Telegram answered
// that it did not act on the request, so a retry cannot duplicate anything;
// and network errors and garbled responses, where the request may have
// arrived. Retrying those risks a rare duplicate message; not retrying
// risks a lost one, and a traveler missing an answer is worse than seeing
// it twice. Everything else (400, 403 "bot was blocked", ...) fails at once.
func (a *Adapter) call(ctx context.Context, method string, wait func(context.Context) error, do func(*tgbotapi.BotAPI) error) error {
	b := a.backoff()
	for attempt := 1; ; attempt++ {
		if wait != nil {
			if err := wait(ctx); err != nil {
				return fmt.Errorf("%s: %w", method, err)
			}
		}
		actx, cancel := context.WithTimeout(ctx, a.sendTimeout)
		err := do(a.botFor(actx))
		cancel()
		if err == nil {
			return nil
		}
		err = a.wrap(method, err)
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", method, ctx.Err())
		}
		a.events.APIError(Channel, method)
		if classify(err) == errPermanent || attempt >= a.maxAttempts {
			return err
		}
		d := retryDelay(b, err)
		a.events.APIRetry(Channel, method)
		a.log.Warn("API call failed; retrying", "method", method, "attempt", attempt, "in", d, "err", err)
		if err := a.sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
	}
}

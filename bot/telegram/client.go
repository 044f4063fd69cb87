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
	"time"

	"github.com/cenkalti/backoff/v5"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"travelbot/internal/retry"
	"travelbot/internal/secret"
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
const redactedToken = secret.Mark

// redactor takes the bot token out of errors, in every form one can carry
// it in (internal/secret, the redaction both adapters share), and knows the
// library's own error type: a *tgbotapi.Error is rebuilt with its
// description scrubbed, so errors.As still finds it (classify, rejectedToken
// and retry_after read it).
type redactor struct{ *secret.Redactor }

func newRedactor(token string) *redactor {
	return &redactor{secret.New(secret.Options{
		Secrets: []string{token},
		Rebuild: func(err error, r *secret.Redactor) (error, bool) {
			if e, ok := err.(*tgbotapi.Error); ok {
				return &tgbotapi.Error{Code: e.Code, Message: r.Scrub(e.Message), ResponseParameters: e.ResponseParameters}, true
			}
			return nil, false
		},
	})}
}

// redact returns err with the token taken out of its text and out of every
// error it wraps, keeping the chain: errors.Is and errors.As still find the
// *url.Error (with a scrubbed URL), the *tgbotapi.Error (with a scrubbed
// description), context.DeadlineExceeded and the network errors. An error
// whose text carries no form of the token, and whose chain holds no
// *tgbotapi.Error (rebuilt whatever its text), is returned as is.
func (r *redactor) redact(err error) error { return r.Redact(err) }

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
	return a.secret.Wrap(method, err)
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

// newBackOff is the backoff of every retry loop of the adapter (getMe at
// start, every API call, the poll loop): the project's (internal/retry),
// from 500 ms doubling to 30 s.
func newBackOff() backoff.BackOff { return retry.New(500*time.Millisecond, 30*time.Second) }

// retryDelay is how long to wait before the next attempt after err:
// Telegram's retry_after for a 429, the backoff's next interval otherwise.
func retryDelay(b backoff.BackOff, err error) time.Duration {
	var asked time.Duration
	if te, ok := errors.AsType[*tgbotapi.Error](err); ok && te.Code == http.StatusTooManyRequests {
		asked = time.Duration(te.RetryAfter) * time.Second
	}
	return retry.Next(b, asked)
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

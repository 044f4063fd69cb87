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
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ctxClient gives every request the library makes a context (the library
// builds them with http.NewRequest, so they have none and a long poll could
// not be cancelled) and takes the token out of transport errors, which
// net/http reports with the full URL, /bot<token>/ included.
type ctxClient struct {
	ctx   context.Context
	base  HTTPClient
	token string
}

func (c *ctxClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.base.Do(r.WithContext(c.ctx))
	if err != nil {
		return nil, redactErr(err, c.token)
	}
	return resp, nil
}

// redactErr rebuilds a *url.Error without the token in its URL; anything
// else that mentions the token is replaced by a scrubbed copy.
func redactErr(err error, token string) error {
	if token == "" {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		clean := &url.Error{Op: ue.Op, URL: strings.ReplaceAll(ue.URL, token, "<token>"), Err: ue.Err}
		if !strings.Contains(clean.Error(), token) {
			return clean
		}
	}
	if strings.Contains(err.Error(), token) {
		return &scrubbedError{msg: strings.ReplaceAll(err.Error(), token, "<token>"), kind: classify(err)}
	}
	return err
}

// scrubbedError stands in for an error whose text contained the token. It
// keeps only the text (scrubbed) and whether the failure was a network one.
type scrubbedError struct {
	msg  string
	kind errorKind
}

func (e *scrubbedError) Error() string { return e.msg }

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
	c.Client = &ctxClient{ctx: ctx, base: a.http, token: a.token}
	return &c
}

// wrap prefixes err with the method and guarantees the token is not in it.
func (a *Adapter) wrap(method string, err error) error {
	err = fmt.Errorf("telegram %s: %w", method, redactErr(err, a.token))
	if strings.Contains(err.Error(), a.token) {
		return &scrubbedError{msg: strings.ReplaceAll(err.Error(), a.token, "<token>"), kind: classify(err)}
	}
	return err
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
	var se *scrubbedError
	if errors.As(err, &se) {
		return se.kind
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

// retryDelay is how long to wait before attempt+1: Telegram's retry_after
// for a 429, the backoff otherwise.
func (a *Adapter) retryDelay(err error, attempt int) time.Duration {
	var te *tgbotapi.Error
	if errors.As(err, &te) && te.Code == http.StatusTooManyRequests && te.RetryAfter > 0 {
		return time.Duration(te.RetryAfter) * time.Second
	}
	return a.backoff(attempt)
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
	for attempt := 1; ; attempt++ {
		if wait != nil {
			if err := wait(ctx); err != nil {
				return fmt.Errorf("telegram %s: %w", method, err)
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
			return fmt.Errorf("telegram %s: %w", method, ctx.Err())
		}
		a.events.APIError(Channel, method)
		if classify(err) == errPermanent || attempt >= a.maxAttempts {
			return err
		}
		d := a.retryDelay(err, attempt)
		a.events.APIRetry(Channel, method)
		a.log.Warn("API call failed; retrying", "method", method, "attempt", attempt, "in", d, "err", err)
		if err := a.sleep(ctx, d); err != nil {
			return fmt.Errorf("telegram %s: %w", method, err)
		}
	}
}

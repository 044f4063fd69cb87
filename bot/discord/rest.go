package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/cenkalti/backoff/v5"
	"github.com/gorilla/websocket"

	"travelbot/internal/retry"
	"travelbot/internal/secret"
)

// Retry policy for REST calls. discordgo retries a 429 forever (sleeping
// without a context) and a 502 three times back to back, and nothing else;
// we turn its 429 retry off and wait out 429s, 5xx and (for calls that are
// safe to repeat) transport errors ourselves, within the call's deadline,
// with the project's backoff (internal/retry), which the gateway's
// reconnects use too.
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
	maxAttempts  = 5
)

// rewrite sends every request to the configured API origin instead of
// discord.com. discordgo's endpoints are package variables computed at init;
// rewriting per client leaves them alone, so sessions with different bases
// (and parallel tests) never interfere.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		// http.Client reports the URL it was given (discord.com); say
		// where the call really went, or a proxy problem reads as Discord's.
		err = fmt.Errorf("via %s://%s: %w", t.base.Scheme, t.base.Host, err)
	}
	return resp, err
}

// globalLimit holds every request while Discord's global rate limit is
// in force. discordgo v0.29 locks all routes only when a 429 carries
// X-RateLimit-Reset-After, and ignores "global" in the body; a global 429
// comes with Retry-After alone, so discordgo lets the next request to
// another route go straight into the window. This transport sees every
// response, so it is the smallest seam that can honour the documented
// limit: after a 429 with X-RateLimit-Global: true (or X-RateLimit-Scope:
// global, or "global": true in the body) no request leaves before
// Retry-After (or the body's retry_after, which is more precise) has
// passed. Interaction responses are not held: "Interaction endpoints are
// not bound to the bot's Global Rate Limit." It also hands discordgo the
// wait of any 429 whose body lacks it.
type globalLimit struct {
	next http.RoundTripper

	mu    sync.Mutex
	until time.Time
}

func (g *globalLimit) RoundTrip(r *http.Request) (*http.Response, error) {
	if !interactionPath(r.URL.Path) {
		g.mu.Lock()
		wait := time.Until(g.until)
		g.mu.Unlock()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-r.Context().Done():
				t.Stop()
				return nil, r.Context().Err()
			case <-t.C:
			}
		}
	}
	resp, err := g.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	var b struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	parsed := json.Unmarshal(body, &b) == nil
	global := b.Global || resp.Header.Get("X-RateLimit-Global") == "true" || resp.Header.Get("X-RateLimit-Scope") == "global"
	wait := time.Duration(b.RetryAfter * float64(time.Second))
	if wait <= 0 {
		secs, _ := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64)
		wait = time.Duration(secs * float64(time.Second))
	}
	if wait <= 0 {
		wait = time.Second
	}
	if !parsed || b.RetryAfter <= 0 {
		// discordgo reads the wait from the body only, and fails on a body
		// that is not JSON (a Cloudflare 429): "rely on the Retry-After
		// header or retry_after field" (rate-limits), so the body it reads
		// carries the header's wait.
		if b.Message == "" {
			b.Message = "You are being rate limited."
		}
		b.RetryAfter, b.Global = wait.Seconds(), global
		body, _ = json.Marshal(b)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
	}
	if !global {
		return resp, nil
	}
	g.mu.Lock()
	if until := time.Now().Add(wait); until.After(g.until) {
		g.until = until
	}
	g.mu.Unlock()
	return resp, nil
}

// interactionPath reports whether a REST path answers an interaction:
// its callback, or the webhook its token opens (edits and follow-ups).
func interactionPath(p string) bool {
	return strings.Contains(p, "/interactions/") || strings.Contains(p, "/webhooks/")
}

// call runs one REST call under ctx. fn must pass opts to discordgo. 429s
// are waited out and 5xx retried with capped exponential backoff; transport
// errors are retried only when idempotent says repeating the call is harmless.
// Every failure and retry is counted in Options.Events under method.
func (a *Adapter) call(ctx context.Context, method string, idempotent bool, fn func(opts ...discordgo.RequestOption) error) error {
	bo := retry.New(a.opts.restBackoff, maxBackoff)
	for attempt := 1; ; attempt++ {
		err := fn(discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		if err == nil || attempt > 1 && acknowledgedBefore(err) {
			// An interaction's response refused as a second one, on a
			// retry: the attempt whose answer was lost reached Discord.
			return nil
		}
		wait, again := retryable(err, idempotent, bo)
		if !again || attempt == maxAttempts || ctx.Err() != nil || !fits(ctx, wait) {
			a.events.APIError(channel, method)
			return a.safeErr(method, err)
		}
		a.events.APIRetry(channel, method)
		a.log.Warn("discord: retrying", "method", method, "attempt", attempt, "wait", wait, "err", a.secret.Redact(err))
		if retry.Sleep(ctx, wait) != nil {
			a.events.APIError(channel, method)
			return a.safeErr(method, err)
		}
	}
}

// retryable says whether err is worth another attempt, and after how long:
// a 429 after the wait Discord asks for, anything else after the backoff's
// next interval.
func retryable(err error, idempotent bool, bo backoff.BackOff) (time.Duration, bool) {
	if rl, ok := errors.AsType[*discordgo.RateLimitError](err); ok && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return retry.Next(bo, max(rl.RetryAfter, 10*time.Millisecond)), true
	}
	if re, ok := errors.AsType[*discordgo.RESTError](err); ok {
		return bo.NextBackOff(), re.Response != nil && re.Response.StatusCode >= 500
	}
	if strings.HasPrefix(err.Error(), badGatewayError) {
		return bo.NextBackOff(), true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		return bo.NextBackOff(), idempotent
	}
	return 0, false
}

// acknowledgedBefore reports whether err is Discord refusing an
// interaction response because the interaction was already acknowledged.
func acknowledgedBefore(err error) bool {
	re, ok := errors.AsType[*discordgo.RESTError](err)
	return ok && re.Message != nil && re.Message.Code == discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged
}

// badGatewayError begins the error discordgo returns for a 502: a plain
// error, not a *RESTError ("Exceeded Max retries HTTP 502 Bad Gateway,
// <body>", restapi.go), at once since MaxRestRetries is 0.
const badGatewayError = "Exceeded Max retries HTTP 5"

// fits reports whether waiting d still leaves time before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// permanent reports whether a failure to connect will not go away by
// trying again: a rejected token, disallowed intents, a bad request.
func permanent(err error) bool {
	if re, ok := errors.AsType[*discordgo.RESTError](err); ok && re.Response != nil {
		c := re.Response.StatusCode
		return c >= 400 && c < 500 && c != http.StatusTooManyRequests
	}
	if errors.Is(err, discordgo.ErrUnauthorized) {
		return true
	}
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
		// Only the codes the docs mark "Reconnect: false" (opcodes,
		// Gateway Close Event Codes): authentication failed, invalid
		// shard, sharding required, invalid API version, invalid or
		// disallowed intents. 4001-4003 and 4005 (a bad payload, not
		// authenticated, already authenticated) say reconnect.
		switch ce.Code {
		case 4004, 4010, 4011, 4012, 4013, 4014:
			return true
		}
		return false
	}
	return false
}

// newRedactor takes the adapter's secrets out of errors (internal/secret,
// the redaction both adapters share): the bot token, and the interaction
// tokens that appear in webhook URLs, which it finds by their place. The
// library's error types are rebuilt with their texts scrubbed, so errors.As
// still finds them: a *RateLimitError names the URL (a webhook's carries an
// interaction token), a *RESTError echoes the response body. They are
// rebuilt even when their text is clean, since a *RESTError's text shows
// neither its request nor its response's: a rebuilt one keeps the response
// (its status decides retries and permanent failures, its headers say
// Retry-After and the rate-limit bucket) and the request's method and
// scrubbed URL, without the Authorization header or any body.
func newRedactor(token string) *secret.Redactor {
	return secret.New(secret.Options{
		Secrets: []string{token},
		Scrub:   redactTokenPaths,
		Rebuild: func(err error, r *secret.Redactor) (error, bool) {
			switch e := err.(type) {
			case *discordgo.RateLimitError:
				if e.RateLimit == nil {
					return nil, false
				}
				return &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: e.TooManyRequests, URL: r.Scrub(e.URL)}}, true
			case *discordgo.RESTError:
				req := cleanRequest(e.Request, r)
				if req == nil && e.Response != nil {
					req = cleanRequest(e.Response.Request, r)
				}
				c := &discordgo.RESTError{Request: req, Response: cleanResponse(e.Response, req, r), ResponseBody: []byte(r.Scrub(string(e.ResponseBody)))}
				if e.Message != nil {
					c.Message = &discordgo.APIErrorMessage{Code: e.Message.Code, Message: r.Scrub(e.Message.Message)}
				}
				return c, true
			}
			return nil, false
		},
	})
}

// cleanRequest is a copy of req that carries no secret: its method, its
// URL scrubbed and without user info, and its headers scrubbed and without
// Authorization ("Bot <token>"); no body, no context. nil for nil.
func cleanRequest(req *http.Request, r *secret.Redactor) *http.Request {
	if req == nil {
		return nil
	}
	c := &http.Request{Method: req.Method, Proto: req.Proto, ProtoMajor: req.ProtoMajor, ProtoMinor: req.ProtoMinor,
		Header: cleanHeader(req.Header, r), Host: r.Scrub(req.Host), ContentLength: req.ContentLength}
	if u := req.URL; u != nil {
		c.URL = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: r.Scrub(u.Path), RawQuery: r.Scrub(u.RawQuery)}
	}
	return c
}

// cleanResponse is a copy of resp for a rebuilt *RESTError: status,
// protocol, headers (scrubbed, without Authorization, should one be echoed)
// and TLS state as they were, the request replaced by req, and no body
// (discordgo has read and closed it; RESTError.ResponseBody holds it).
// nil for nil.
func cleanResponse(resp *http.Response, req *http.Request, r *secret.Redactor) *http.Response {
	if resp == nil {
		return nil
	}
	return &http.Response{Status: r.Scrub(resp.Status), StatusCode: resp.StatusCode, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
		Header: cleanHeader(resp.Header, r), Trailer: cleanHeader(resp.Trailer, r), Body: http.NoBody, ContentLength: resp.ContentLength,
		TransferEncoding: resp.TransferEncoding, Uncompressed: resp.Uncompressed, Request: req, TLS: resp.TLS}
}

// cleanHeader is h without Authorization and with every value scrubbed.
func cleanHeader(h http.Header, r *secret.Redactor) http.Header {
	if h == nil {
		return nil
	}
	c := make(http.Header, len(h))
	for k, vs := range h {
		if http.CanonicalHeaderKey(k) == "Authorization" {
			continue
		}
		for _, v := range vs {
			c[k] = append(c[k], r.Scrub(v))
		}
	}
	return c
}

// redact removes every secret the adapter knows from s: the bot token and
// the interaction tokens that appear in webhook URLs.
func (a *Adapter) redact(s string) string { return a.secret.Scrub(s) }

// redactTokenPaths hides interaction tokens in Discord URLs
// (/interactions/{id}/{token}/..., /webhooks/{app}/{token}...).
func redactTokenPaths(s string) string {
	for _, marker := range []string{"/interactions/", "/webhooks/"} {
		var sb strings.Builder
		rest := s
		for {
			i := strings.Index(rest, marker)
			if i < 0 {
				sb.WriteString(rest)
				break
			}
			sb.WriteString(rest[:i+len(marker)])
			rest = rest[i+len(marker):]
			// Keep the id segment, hide the token segment after it.
			j := strings.IndexByte(rest, '/')
			if j < 0 {
				continue
			}
			sb.WriteString(rest[:j+1])
			rest = rest[j+1:]
			k := strings.IndexAny(rest, "/?\" ")
			if k < 0 {
				k = len(rest)
			}
			if k > 0 {
				sb.WriteString(secret.Mark)
			}
			rest = rest[k:]
		}
		s = sb.String()
	}
	return s
}

// safeErr is err redacted (its text and every error it wraps), prefixed
// with what failed; errors.Is and errors.As still find its causes.
func (a *Adapter) safeErr(prefix string, err error) error { return a.secret.Wrap(prefix, err) }

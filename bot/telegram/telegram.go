// Package telegram connects travelbot to Telegram through the Bot API
// (github.com/go-telegram-bot-api/telegram-bot-api/v5): private chats,
// groups, inline mode, and either long polling or a webhook.
//
// The library is used only for its wire format. Its defaults are unsafe for
// a bot that must not lose messages, so this package replaces them:
//
//   - Polling is our own loop over GetUpdates. It keeps polling while
//     updates are handled (each chat in order, chats concurrently), and the
//     offset that confirms updates to Telegram never passes one that is not
//     handled yet, so a crash never means an update unanswered; with
//     Options.Claims, each answer is recorded before its update is
//     confirmed, so the next process does not answer it twice either.
//   - Every request carries a context (the library's do not), so shutdown
//     cancels the long poll at once.
//   - 429 (retry_after), 5xx and network errors are retried; the library
//     retries nothing.
//   - Outgoing messages respect Telegram's rate limits, emergencies first.
//   - The webhook secret_token, which the library does not know, is set with
//     MakeRequest and checked on every request in constant time.
//   - The library speaks Bot API 5.x. sendMessage is sent with raw Params
//     through MakeRequest (link_preview_options and reply_parameters
//     instead of the removed disable_web_page_preview, reply_to_message_id
//     and allow_sending_without_reply; no entities=null), and inline
//     results are our own InputTextMessageContent type.
//   - Every getUpdates long-polls, also while updates are in flight; the
//     library's loop is not used (see poll).
//   - Errors never carry the token, which the library puts in URLs, in any
//     of its URL encodings.
//
// Lengths are counted as Telegram counts them, in UTF-16 code units.
package telegram

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"travelbot/bot"
	"travelbot/internal/apishape"
	"travelbot/internal/retry"
)

// Channel is the channel name in bot.Message and logs.
const Channel = "telegram"

// DefaultAPIBase is the public Bot API server.
const DefaultAPIBase = "https://api.telegram.org"

// Conversation is what the adapter needs from the channel-neutral bot.
// *bot.Bot satisfies it; tests use doubles.
type Conversation interface {
	// Handle answers one message, commands included (/reload does its own
	// admin check).
	Handle(ctx context.Context, m bot.Message) bot.Reply
	// EntryReply renders an entry (inline results).
	EntryReply(id string) bot.Reply
	// Pick answers a pressed button, counted like a question.
	Pick(ctx context.Context, m bot.Message, id string) bot.Reply
	// Suggest completes a partly typed question for inline mode; an empty
	// prefix lists the first entries.
	Suggest(prefix string, n int) []bot.Choice
	// Feedback records a 👍 or 👎 on the answer to a question.
	Feedback(ctx context.Context, m bot.Message, questionID string, vote bot.Vote) bot.Reply
	// NoneOfThese answers the "None of these" button under suggestions.
	NoneOfThese(ctx context.Context, m bot.Message, questionID string) bot.Reply
}

var (
	_ Conversation = (*bot.Bot)(nil)
	_ bot.Adapter  = (*Adapter)(nil)
)

// HTTPClient sends one HTTP request; *http.Client satisfies it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Limits are Telegram's limits on messages a bot sends. Zero fields take the
// defaults; tests pass rate.Inf to run fast.
type Limits struct {
	Global      rate.Limit // messages per second over all chats (default 30)
	GlobalBurst int        // default 30
	Chat        rate.Limit // messages per second to one chat (default 1)
	ChatBurst   int        // default 1
	Group       rate.Limit // messages per second to one group, on top of Chat (default 20/min)
	GroupBurst  int        // default 20
}

func (l Limits) withDefaults() Limits {
	if l.Global == 0 {
		l.Global = 30
	}
	if l.GlobalBurst <= 0 {
		l.GlobalBurst = 30
	}
	if l.Chat == 0 {
		l.Chat = 1
	}
	if l.ChatBurst <= 0 {
		l.ChatBurst = 1
	}
	if l.Group == 0 {
		l.Group = rate.Limit(20.0 / 60)
	}
	if l.GroupBurst <= 0 {
		l.GroupBurst = 20
	}
	return l
}

// Options configure an Adapter. Token and Conversation are required.
type Options struct {
	// Token is the bot token from BotFather. It never appears in logs or
	// errors.
	Token string
	// APIBase is the Bot API origin (default https://api.telegram.org);
	// requests go to APIBase+"/bot<token>/<method>". Discord's Options
	// name theirs the same.
	APIBase      string
	Conversation Conversation
	Logger       *slog.Logger
	Events       bot.APIEvents // nil: bot.NopAPIEvents
	// HTTPClient sends the requests (default: an http.Client with no
	// timeout of its own: every request gets a context deadline).
	HTTPClient HTTPClient
	// WebhookURL switches to webhook mode: Run calls setWebhook with it and
	// serves updates through ServeHTTP instead of polling.
	WebhookURL string
	// WebhookSecret is sent as secret_token and required in the
	// X-Telegram-Bot-Api-Secret-Token header of every webhook request
	// (1-256 of A-Za-z0-9_-). Empty: a random one is generated, which is
	// fine for one replica; set it when several replicas share the bot.
	WebhookSecret string
	// Claims, when set, records each update answered before it is
	// confirmed to Telegram, polled or delivered to the webhook (see
	// Claims): one of the replicas sharing the bot answers it, even when
	// Telegram delivers it to two, and a process restarted after a crash
	// does not answer it again. Nil: each process dedupes on its own, and
	// a crash may mean an answer twice.
	Claims Claims
	// PollTimeout is the long-poll timeout (default 50s, whole seconds).
	PollTimeout time.Duration
	// Limits on outgoing messages (zero fields: Telegram's published limits).
	Limits Limits
	// SendTimeout bounds one attempt of one API call (default 30s).
	SendTimeout time.Duration
	// MaxAttempts bounds the attempts of one API call that keeps failing
	// with 429, 5xx or network errors (default 10, about 4 minutes).
	MaxAttempts int
	// Backoff makes the backoff of one retry loop, after 5xx and network
	// errors (default: 500ms doubling to 30s, with jitter), so a test can
	// make it constant.
	Backoff func() backoff.BackOff
	// Sleep waits d or until ctx is done (default: a timer). Tests inject
	// one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// ShutdownTimeout is how long replies in flight may take after Run's
	// context is cancelled (default 10s), as in Discord's Options.
	ShutdownTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Adapter is the Telegram connection. Create it with New; it is safe for
// concurrent use (ServeHTTP runs on the HTTP server's goroutines).
type Adapter struct {
	token       string
	secret      *redactor // takes the token out of errors
	apiBase     string
	conv        Conversation
	log         *slog.Logger
	events      bot.APIEvents
	http        HTTPClient
	webhookURL  string
	webhookPath string
	hookSecret  string
	pollTimeout time.Duration
	sendTimeout time.Duration
	maxAttempts int
	backoff     func() backoff.BackOff
	sleep       func(context.Context, time.Duration) error
	grace       time.Duration
	now         func() time.Time

	api       atomic.Pointer[tgbotapi.BotAPI]
	running   atomic.Bool
	connected atomic.Bool
	out       *outbox
	recent    *recentIDs
	keys      *callbackKeys
	textOnly  *oncePerID // "I only read text", per chat
	slowDown  *oncePerID // the rate-limit note, per user
	hooks     atomic.Pointer[webhookState]
	hookWait  time.Duration
	claims    Claims

	// repollMin and repollMax pace polls while updates are in flight (see
	// poll); tests shorten them.
	repollMin, repollMax time.Duration
}

// tokenPattern is the shape of a BotFather token: the bot's id, a colon,
// the secret.
var tokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// New checks the options and returns an Adapter. It does no I/O: the token is
// checked by Run (getMe). Spaces and newlines around the token (a token file
// with a trailing newline) are trimmed; a token of any other shape than
// BotFather's digits:secret is refused, without echoing it. Its errors do
// not name the package: the caller says which adapter failed.
func New(o Options) (*Adapter, error) {
	var problems []error
	o.Token = strings.TrimSpace(o.Token)
	switch {
	case o.Token == "":
		problems = append(problems, errors.New("the bot token is empty"))
	case !tokenPattern.MatchString(o.Token):
		problems = append(problems, errors.New("the bot token does not look like one from BotFather (digits, a colon, then letters, digits, _ and -)"))
	}
	if o.Conversation == nil {
		problems = append(problems, errors.New("no conversation"))
	}
	apiBase, err := cleanAPIBase(o.APIBase)
	if err != nil {
		problems = append(problems, err)
	}
	a := &Adapter{
		token:       o.Token,
		secret:      newRedactor(o.Token),
		apiBase:     apiBase,
		conv:        o.Conversation,
		log:         o.Logger,
		events:      o.Events,
		http:        o.HTTPClient,
		webhookURL:  o.WebhookURL,
		hookSecret:  o.WebhookSecret,
		pollTimeout: o.PollTimeout,
		sendTimeout: o.SendTimeout,
		maxAttempts: o.MaxAttempts,
		backoff:     o.Backoff,
		sleep:       o.Sleep,
		grace:       o.ShutdownTimeout,
		now:         o.Now,
		recent:      newRecentIDs(4096),
		claims:      o.Claims,
		keys:        newCallbackKeys(10000),
	}
	if a.webhookURL != "" {
		u, err := url.Parse(a.webhookURL)
		switch {
		case err != nil:
			problems = append(problems, errors.New("the webhook URL does not parse"))
		case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
			problems = append(problems, fmt.Errorf("the webhook URL must be an absolute https URL, not %q", redactURL(u)))
		default:
			a.webhookPath = u.EscapedPath()
			if a.webhookPath == "" {
				a.webhookPath = "/"
			}
		}
		if a.hookSecret == "" {
			a.hookSecret = randomSecret()
		} else if !apishape.TelegramWebhookSecret(a.hookSecret) {
			problems = append(problems, errors.New("the webhook secret must be 1-256 characters of A-Za-z0-9_-"))
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("channel", Channel)
	if a.events == nil {
		a.events = bot.NopAPIEvents{}
	}
	if a.http == nil {
		// A pool of its own: whatever else closes the shared transport's
		// idle connections (httptest.Server.Close does) cannot break a
		// request of this adapter's on its way.
		hc := &http.Client{}
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			hc.Transport = t.Clone()
		}
		a.http = hc
	}
	if a.pollTimeout < time.Second {
		a.pollTimeout = 50 * time.Second
	}
	if a.sendTimeout <= 0 {
		a.sendTimeout = 30 * time.Second
	}
	if a.maxAttempts <= 0 {
		a.maxAttempts = 10
	}
	if a.backoff == nil {
		a.backoff = newBackOff
	}
	if a.sleep == nil {
		a.sleep = retry.Sleep
	}
	if a.grace <= 0 {
		a.grace = 10 * time.Second
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.out = newOutbox(o.Limits.withDefaults())
	a.textOnly = newOncePerID(time.Hour, 10000, a.now)
	a.slowDown = newOncePerID(time.Minute, 10000, a.now)
	a.hookWait = webhookWait
	a.repollMin, a.repollMax = repollMin, repollMax
	quietLibraryOnce.Do(func() { _ = tgbotapi.SetLogger(libraryLogger{}) })
	return a, nil
}

// cleanAPIBase is the origin requests go to, by the rule the config
// applies too: DefaultAPIBase when e is empty.
func cleanAPIBase(e string) (string, error) {
	if e == "" {
		return DefaultAPIBase, nil
	}
	o, err := apishape.Origin(e)
	if err != nil {
		return "", fmt.Errorf("the API base %w", err)
	}
	return o, nil
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Name returns "telegram".
func (a *Adapter) Name() string { return Channel }

// Connected reports whether getMe succeeded and the last poll did not fail
// (in webhook mode: whether setWebhook succeeded), while Run is running.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// Run checks the token (getMe), registers the command list, and serves until
// ctx is done: by long polling, or in webhook mode by waiting while
// ServeHTTP receives updates. On cancel it stops polling at once, lets the
// replies in flight finish (up to ShutdownTimeout), confirms what it handled,
// and returns nil. It returns an error only when it cannot serve at all: the
// token is rejected, or Telegram refuses the webhook. Run may be called once.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("Run called twice")
	}
	defer a.connected.Store(false)
	api, err := a.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.api.Store(api)
	a.log.Info("connected", "bot", api.Self.UserName, "mode", a.mode())
	// The command menu is registered alongside serving: it is cosmetic,
	// and its retries must not hold up the first answers.
	var wg sync.WaitGroup
	defer wg.Wait()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel() // before wg.Wait: stop its retries when Run returns
	wg.Go(func() { a.registerCommands(cctx) })
	if a.webhookURL != "" {
		return a.runWebhook(ctx)
	}
	return a.poll(ctx)
}

func (a *Adapter) mode() string {
	if a.webhookURL != "" {
		return "webhook"
	}
	return "polling"
}

// connect calls getMe (through the library's constructor) until it succeeds,
// the token is rejected, or ctx is done.
func (a *Adapter) connect(ctx context.Context) (*tgbotapi.BotAPI, error) {
	b := a.backoff()
	for {
		actx, cancel := context.WithTimeout(ctx, a.sendTimeout)
		api, err := tgbotapi.NewBotAPIWithClient(a.token, a.apiBase+"/bot%s/%s", &ctxClient{ctx: actx, base: a.http, secret: a.secret})
		cancel()
		if err == nil {
			return api, nil
		}
		err = a.wrap("getMe", err)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.events.APIError(Channel, "getMe")
		if rejectedToken(err) {
			return nil, fmt.Errorf("the bot token was rejected: %w", err)
		}
		d := retryDelay(b, err)
		a.log.Warn("cannot reach the Bot API; retrying", "err", err, "in", d)
		if err := a.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// rejectedToken reports whether Telegram refused the token itself (401, or
// 404 for a malformed one), which no retry will fix.
func rejectedToken(err error) bool {
	var te *tgbotapi.Error
	return errors.As(err, &te) && (te.Code == http.StatusUnauthorized || te.Code == http.StatusNotFound)
}

// commands is the menu registered with setMyCommands: the bot's one
// command list.
func commands() []tgbotapi.BotCommand {
	var out []tgbotapi.BotCommand
	for _, c := range bot.Commands() {
		out = append(out, tgbotapi.BotCommand{Command: c.Name, Description: c.Description})
	}
	return out
}

// registerCommands is best effort: a bot without a command menu still works.
func (a *Adapter) registerCommands(ctx context.Context) {
	err := a.call(ctx, "setMyCommands", nil, func(api *tgbotapi.BotAPI) error {
		_, err := api.Request(tgbotapi.NewSetMyCommands(commands()...))
		return err
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("setMyCommands failed; the command menu may be stale", "err", err)
	}
}

// handlingContext returns the context replies are handled under: it
// survives the cancellation of ctx by the grace period, so replies in
// flight finish, then it is cancelled too.
func (a *Adapter) handlingContext(ctx context.Context) (context.Context, context.CancelFunc) {
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(a.grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-hctx.Done():
		}
	})
	return hctx, func() {
		stop()
		cancel()
	}
}

var quietLibraryOnce sync.Once

// libraryLogger sends the library's own log lines (only written by code
// paths we do not use, or in Debug mode) to slog at debug level. They can
// contain request parameters, never the token.
type libraryLogger struct{}

func (libraryLogger) Println(v ...any) {
	slog.Debug("telegram-bot-api", "msg", strings.TrimSpace(fmt.Sprintln(v...)))
}

func (libraryLogger) Printf(format string, v ...any) {
	slog.Debug("telegram-bot-api", "msg", fmt.Sprintf(format, v...))
}

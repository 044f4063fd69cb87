// Package discord connects travelbot to Discord: slash commands (/ask with
// autocomplete, /topics, /help, /reload, from bot.Commands), buttons, and
// direct messages or mentions, all answered by a bot.Bot and rendered as
// embeds and buttons within Discord's limits; over the gateway, or over
// HTTP at an Interactions Endpoint URL (NewInteractionsHandler).
//
// Everything that leaves the adapter sets allowed mentions to none, so a
// question or answer that contains @everyone never pings anyone. The bot
// token never appears in an error or a log line.
//
// github.com/bwmarrin/discordgo v0.29 is used for REST and for its event
// types. Where it does not speak Discord's protocol as documented, the
// adapter works around it at the smallest seam:
//   - the gateway client is our own (gateway.go): discordgo identifies with
//     "$os"-style properties and a {game, status: ""} presence, sends the
//     first heartbeat at once instead of after heartbeat_interval × jitter,
//     resumes on the first URL instead of READY's resume_gateway_url, and
//     answers op 9 d:false with an IDENTIFY on the same socket instead of a
//     new connection 1–5 s later;
//   - an http.RoundTripper holds every route through a global 429
//     (globalLimit): discordgo locks all routes only when
//     X-RateLimit-Reset-After is present and ignores "global" in the body;
//     the same transport hands discordgo the Retry-After of a 429 whose
//     body has no retry_after or is not JSON, which discordgo retried at
//     once or failed on;
//   - discordgo's own 502 loop is off (MaxRestRetries 0): it repeated the
//     request back to back, whatever the method, and then returned an
//     error nothing could classify; call() retries 5xx with backoff;
//   - commands, interaction responses and autocomplete results are sent as
//     our own JSON: discordgo's types marshal fields Discord's OpenAPI
//     description does not have there ("tts" on an update, "channel_types"
//     on a string option, default_member_permissions as a string) and drop
//     an empty list of choices.
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"travelbot/bot"
	"travelbot/internal/apishape"
	"travelbot/internal/secret"
)

// channel is the name of this platform in bot.Message, metrics and logs.
const channel = "discord"

// DefaultAPIBase is Discord's origin.
const DefaultAPIBase = "https://discord.com"

// Defaults for the Options durations.
const (
	DefaultRESTTimeout     = 10 * time.Second
	DefaultDeferAfter      = 1500 * time.Millisecond
	DefaultShutdownTimeout = 10 * time.Second
	reloadTimeout          = 2 * time.Minute
	registerTimeout        = 30 * time.Second
	maxOpenBackoff         = time.Minute
)

// interactionDeadline is how long Discord waits for the first response to
// an interaction before it shows the user an error.
const interactionDeadline = 3 * time.Second

// Conversation is what the adapter needs from the bot. *bot.Bot satisfies
// it; implementations must be safe for concurrent use.
type Conversation interface {
	// Handle answers a direct message or mention, text commands included.
	Handle(ctx context.Context, m bot.Message) bot.Reply
	// Ask answers a question (/ask).
	Ask(ctx context.Context, m bot.Message) bot.Reply
	// EntryReply answers one entry by id; an unknown id gets a reply of
	// Kind bot.KindNone.
	EntryReply(id string) bot.Reply
	// Pick answers an entry the user chose, counted like a question.
	Pick(ctx context.Context, m bot.Message, id string) bot.Reply
	// Suggest offers up to n entries for a partly typed question.
	Suggest(prefix string, n int) []bot.Choice
	// HelpFor says what the bot is and how to use it, in a group or a
	// private chat.
	HelpFor(group bool) bot.Reply
	// Feedback records a 👍 or 👎 on the reply to question questionID.
	Feedback(ctx context.Context, m bot.Message, questionID string, vote bot.Vote) bot.Reply
	// NoneOfThese is the second stage of the fallback, after "None of
	// these" under suggestions for question questionID.
	NoneOfThese(ctx context.Context, m bot.Message, questionID string) bot.Reply
	// Topics lists every entry.
	Topics() bot.Reply
	// Reload reloads the FAQ if m comes from an admin, and refuses politely
	// otherwise.
	Reload(ctx context.Context, m bot.Message) bot.Reply
}

// Claims hands out interactions to replicas: Claim returns a finish func
// when this replica must answer key (called once, with whether the answer
// went out), nil when another replica answered it already. It may wait
// while another replica holds the key. *postgres.Claims satisfies it.
type Claims interface {
	Claim(ctx context.Context, key string) (finish func(handled bool), err error)
}

var (
	_ Conversation = (*bot.Bot)(nil)
	_ bot.Adapter  = (*Adapter)(nil)
)

// Options configure an Adapter. Token and Conversation are required.
type Options struct {
	// Token is the bot token from the Developer Portal, without the "Bot "
	// prefix.
	Token string
	// APIBase is the origin REST calls go to (a proxy, a fake in tests);
	// "" means https://discord.com. The gateway URL is whatever
	// GET {APIBase}/api/v9/gateway returns.
	APIBase string
	// Guild registers the commands to this guild only (instant, for
	// development); "" registers them globally.
	Guild string
	// Ephemeral makes answers private to the person who asked. Help,
	// topics, reload, refusals and errors are always private.
	Ephemeral bool
	// MessageContent requests the privileged Message Content intent, which
	// must then be enabled in the Developer Portal or Discord refuses the
	// connection. Without it the bot still answers DMs and messages that
	// mention it (Discord sends their text); a bare mention is told to use
	// /ask.
	MessageContent bool
	// Conversation answers; normally a *bot.Bot.
	Conversation Conversation
	// Logger gets the adapter's logs; nil discards them.
	Logger *slog.Logger
	// Events counts API errors and retries; nil discards them.
	Events bot.APIEvents
	// HTTPClient makes the REST calls; nil means a client with a 20 s
	// timeout. Its Transport is wrapped, never modified.
	HTTPClient *http.Client
	// Dialer dials the gateway; nil means websocket.DefaultDialer.
	Dialer *websocket.Dialer
	// ShardID and ShardCount split the gateway's guilds across processes
	// (Discord requires it past 2,500 guilds): this process serves shard
	// ShardID of ShardCount. A ShardCount of 0 or 1 means one shard.
	ShardID, ShardCount int
	// Claims, when set, makes each interaction answered by one of the
	// replicas sharing the application, even when Discord delivers it to
	// two (an HTTP redelivery). Nil: each process answers what it gets.
	Claims Claims
	// IdentifyGate, when set, is called before each gateway IDENTIFY
	// (op 2), a new session, and never before a RESUME: after HELLO, with
	// the heartbeats running, immediately before the IDENTIFY is sent.
	// Discord allows the application one IDENTIFY per 5 s
	// (max_concurrency 1) however many processes send them; the adapter
	// spaces its own, and replicas or shards in other processes take
	// turns through the gate (travelbot's is a slot in PostgreSQL). It
	// should return once this process may identify, or an error (ctx's
	// when ctx ends first): the connection then ends without an IDENTIFY
	// and is tried again with backoff. Nil: no gate.
	IdentifyGate func(ctx context.Context) error

	// jitter and reidentifyWait replace the gateway's random waits (the
	// first heartbeat's fraction of the interval, the 1–5 s after an op 9
	// that cannot be resumed); tests set them through export_test.go.
	jitter         func() float64
	reidentifyWait func() time.Duration
	// identifyInterval replaces the 5 s between two IDENTIFYs.
	identifyInterval time.Duration
	// reconnectBackoff and restBackoff replace the first wait of the
	// gateway's reconnect backoff (1 s) and of a REST call's retries
	// (100 ms).
	reconnectBackoff, restBackoff time.Duration
	// gatewayNow and gatewaySleep replace the gateway's clock and its
	// wait before a new connection (see gatewayOptions).
	gatewayNow   func() time.Time
	gatewaySleep func(ctx context.Context, d time.Duration) error
	// RESTTimeout bounds each REST call, retries included.
	RESTTimeout time.Duration
	// DeferAfter is how long an answer may take before the interaction is
	// acknowledged with "thinking…" and the answer edited in later.
	// Discord allows 3 s for the first response.
	DeferAfter time.Duration
	// ShutdownTimeout bounds how long Run waits for replies in flight once
	// its context is done.
	ShutdownTimeout time.Duration
}

// Adapter is a Discord connection serving a Conversation. Run it once.
type Adapter struct {
	opts   Options
	conv   Conversation
	log    *slog.Logger
	events bot.APIEvents
	client *http.Client
	secret *secret.Redactor // takes the tokens out of errors

	started   atomic.Bool
	connected atomic.Bool
	self      atomic.Pointer[identity]

	// rest makes the REST calls; its websocket side is never opened (the
	// gateway is ours, gateway.go).
	rest *discordgo.Session

	// base is the context of every reply: it outlives Run's context so
	// replies in flight finish, and is cancelled if shutdown times out.
	base       context.Context
	cancelBase context.CancelFunc

	mu      sync.Mutex // guards closing and wg.Add against wg.Wait
	closing bool
	wg      sync.WaitGroup
}

// identity is who the bot is, learned from READY.
type identity struct {
	userID string
	appID  string
}

// New checks the options and returns an Adapter. It does not connect.
func New(o Options) (*Adapter, error) {
	if o.Token == "" {
		return nil, errors.New("no bot token")
	}
	if o.Conversation == nil {
		return nil, errors.New("no conversation")
	}
	if o.APIBase == "" {
		o.APIBase = DefaultAPIBase
	}
	// The rule the config applies too; the value is not echoed, as it
	// may carry a password.
	origin, err := apishape.Origin(o.APIBase)
	if err != nil {
		return nil, fmt.Errorf("the API base %w", err)
	}
	base, _ := url.Parse(origin) // Origin parsed it already
	if o.RESTTimeout <= 0 {
		o.RESTTimeout = DefaultRESTTimeout
	}
	if o.DeferAfter <= 0 {
		o.DeferAfter = DefaultDeferAfter
	}
	if o.ShardCount > 1 && (o.ShardID < 0 || o.ShardID >= o.ShardCount) {
		return nil, fmt.Errorf("shard %d is not one of 0..%d", o.ShardID, o.ShardCount-1)
	}
	if o.restBackoff <= 0 {
		o.restBackoff = firstBackoff
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	a := &Adapter{opts: o, conv: o.Conversation, log: o.Logger, events: o.Events, secret: newRedactor(o.Token)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.events == nil {
		a.events = bot.NopAPIEvents{}
	}
	hc := http.Client{Timeout: 20 * time.Second}
	if o.HTTPClient != nil {
		hc = *o.HTTPClient
	}
	next := hc.Transport
	if next == nil {
		// A pool of its own: whatever else closes the shared transport's
		// idle connections (httptest.Server.Close does) cannot break a
		// request of this adapter's on its way.
		next = http.DefaultTransport
		if t, ok := next.(*http.Transport); ok {
			next = t.Clone()
		}
	}
	if o.APIBase != DefaultAPIBase {
		next = rewrite{base: base, next: next}
	}
	hc.Transport = &globalLimit{next: next}
	a.client = &hc
	s, err := discordgo.New("Bot " + o.Token)
	if err != nil {
		return nil, a.safeErr("new session", err)
	}
	s.Client = a.client
	s.ShouldRetryOnRateLimit = false // call() waits out 429s within a deadline
	// discordgo repeats a 502 back to back (any method) and then returns
	// an unclassifiable error; call() retries 5xx with backoff instead.
	s.MaxRestRetries = 0
	a.rest = s
	a.base, a.cancelBase = context.WithCancel(context.Background())
	return a, nil
}

// Name is "discord".
func (a *Adapter) Name() string { return channel }

// Connected reports whether the gateway session is up: true from READY or
// RESUMED until the next disconnect.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// Run connects to the gateway, registers the slash commands and answers
// until ctx is done; then it stops taking new events, waits for the replies
// in flight (up to Options.ShutdownTimeout), closes the session and returns
// nil. It returns an error only when it cannot serve at all: the token or
// intents are rejected, or the commands cannot be registered. Transient
// connection failures are retried with capped backoff until ctx is done,
// and a session that drops is resumed.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("Run called twice")
	}
	s := a.rest

	// The gateway outlives ctx until the replies in flight are sent.
	gctx, stopGateway := context.WithCancel(context.WithoutCancel(ctx))
	defer stopGateway()
	ready := make(chan struct{})
	var readyOnce sync.Once
	g := newGateway(gatewayOptions{
		token:   a.opts.Token,
		intents: int(a.intents()),
		shard:   [2]int{a.opts.ShardID, a.opts.ShardCount},
		dialer:  a.opts.Dialer,
		lookup: func(ctx context.Context) (string, error) {
			ctx, cancel := context.WithTimeout(ctx, a.opts.RESTTimeout)
			defer cancel()
			var u string
			err := a.call(ctx, "gateway_url", true, func(opts ...discordgo.RequestOption) error {
				var err error
				u, err = s.Gateway(opts...)
				return err
			})
			return u, err
		},
		log:              a.log,
		events:           a.events,
		jitter:           a.opts.jitter,
		reidentifyWait:   a.opts.reidentifyWait,
		identifyInterval: a.opts.identifyInterval,
		identifyGate:     a.opts.IdentifyGate,
		reconnectBackoff: a.opts.reconnectBackoff,
		now:              a.opts.gatewayNow,
		sleep:            a.opts.gatewaySleep,
		dispatch: func(event string, data json.RawMessage) {
			a.dispatch(s, event, data)
			if event == "READY" {
				readyOnce.Do(func() { close(ready) })
			}
		},
		connected: a.connected.Store,
	})
	gwDone := make(chan error, 1)
	go func() { gwDone <- g.run(gctx) }()
	stop := func() {
		a.shutdown()
		stopGateway()
		<-gwDone
		a.connected.Store(false)
	}

	select {
	case <-ready:
	case err := <-gwDone:
		return a.safeErr("connect", err)
	case <-ctx.Done():
		stop()
		return nil
	}
	if err := a.registerCommands(ctx, s); err != nil {
		stop()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.log.Info("discord: serving", "guild", a.opts.Guild, "ephemeral", a.opts.Ephemeral, "message_content", a.opts.MessageContent)
	select {
	case <-ctx.Done():
		stop()
		return nil
	case err := <-gwDone:
		// Refused for good mid-run (a revoked token): nothing to serve.
		gwDone <- err
		stop()
		return a.safeErr("gateway", err)
	}
}

// intents asks only for what the adapter uses: guild and DM messages for
// mentions and DMs, and message content only when configured (privileged).
func (a *Adapter) intents() discordgo.Intent {
	i := discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentDirectMessages
	if a.opts.MessageContent {
		i |= discordgo.IntentMessageContent
	}
	return i
}

// shutdown stops taking events and waits for the replies in flight.
func (a *Adapter) shutdown() {
	a.mu.Lock()
	a.closing = true
	a.mu.Unlock()
	idle := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(idle)
	}()
	t := time.NewTimer(a.opts.ShutdownTimeout)
	select {
	case <-idle:
		t.Stop()
	case <-t.C:
		a.log.Warn("discord: replies still in flight at shutdown; cancelling them")
		a.cancelBase()
		select {
		case <-idle:
		case <-time.After(time.Second):
			a.log.Error("discord: replies ignored cancellation; closing anyway")
		}
	}
}

// dispatch decodes the events the adapter answers into discordgo's types
// and hands them on. It runs on the gateway's goroutine, so events are
// seen in order; the handlers only start a goroutine. A panic here is
// logged instead of killing the process.
func (a *Adapter) dispatch(s *discordgo.Session, event string, data json.RawMessage) {
	defer func() {
		if v := recover(); v != nil {
			a.log.Error("discord: handler panicked", "event", event, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	var err error
	switch event {
	case "READY":
		var r discordgo.Ready
		if err = json.Unmarshal(data, &r); err == nil {
			a.onReady(s, &r)
		}
	case "INTERACTION_CREATE":
		var ic discordgo.InteractionCreate
		if err = json.Unmarshal(data, &ic); err == nil {
			a.onInteraction(s, &ic)
		}
	case "MESSAGE_CREATE":
		var mc discordgo.MessageCreate
		if err = json.Unmarshal(data, &mc); err == nil {
			a.onMessage(s, &mc)
		}
	}
	if err != nil {
		a.log.Warn("discord: event not understood", "event", event, "err", err)
	}
}

// spawn runs fn in a goroutine counted for shutdown, unless shutdown has
// begun, in which case the event is dropped and spawn returns false (the
// interactions endpoint then answers in its HTTP response instead).
func (a *Adapter) spawn(fn func()) bool {
	a.mu.Lock()
	if a.closing {
		a.mu.Unlock()
		return false
	}
	a.wg.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.wg.Done()
		fn()
	}()
	return true
}

func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	id := identity{}
	if r.User != nil {
		id.userID = r.User.ID
		id.appID = r.User.ID // true of every bot created since 2020
	}
	if r.Application != nil && r.Application.ID != "" {
		id.appID = r.Application.ID
	}
	a.self.Store(&id)
}

func (a *Adapter) identity() identity {
	if id := a.self.Load(); id != nil {
		return *id
	}
	return identity{}
}

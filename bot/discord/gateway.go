package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"travelbot/bot"
	"travelbot/internal/retry"
)

// The gateway client is travelbot's own, not discordgo's Session.Open:
// discordgo v0.29 cannot be configured to speak the gateway as Discord
// documents it, and the faults are in unexported code (wsapi.go):
//   - IDENTIFY carries "$os", "$browser", "$device" (plus "$referer",
//     "$referring_domain") and a presence of {game, status: ""}, where the
//     documented shape is os/browser/device and {since, activities,
//     status, afk} with a valid status;
//   - the first heartbeat goes out at once, not after
//     heartbeat_interval × jitter;
//   - it resumes on the first gateway URL, never READY's
//     resume_gateway_url ("it will experience disconnects at a higher rate
//     than normal");
//   - op 9 with d:false is answered with an IDENTIFY on the same socket
//     within a millisecond, where Discord asks to close, open a new
//     connection, wait 1–5 s and identify.
// discordgo stays for REST and for its event types: the gateway hands it
// the dispatches' JSON to decode.

// Gateway protocol values.
const (
	gatewayVersion = "9" // the version of the REST API we speak, so events match
	opDispatch     = 0
	opHeartbeat    = 1
	opIdentify     = 2
	opResume       = 6
	opReconnect    = 7
	opInvalid      = 9
	opHello        = 10
	opHeartbeatACK = 11

	// closeResuming is the code we close with when the session is to be
	// resumed: 1000 and 1001 end the session on Discord's side.
	closeResuming = 4000
	// identifyInterval is the default gatewayOptions.identifyInterval.
	identifyInterval = 5 * time.Second
	// A session that ends sooner than stableSession after READY (or
	// RESUMED) doubles the wait before the next IDENTIFY, up to
	// maxIdentifyGap: a gateway that accepts and then drops every session
	// would otherwise take an IDENTIFY each 5 s, and at 1000 a day
	// Discord resets the token ("all active sessions for the app will be
	// terminated, the bot token will be reset"). At the cap that is 144 a
	// day.
	stableSession  = 5 * time.Minute
	maxIdentifyGap = 10 * time.Minute
	helloTimeout   = 30 * time.Second
	writeTimeout   = 10 * time.Second
)

// gatewayOptions configure a gateway. The functions are injectable so
// tests can pin the random parts of the protocol.
type gatewayOptions struct {
	token   string
	intents int
	// shard is [id, count]; sent only when count > 1.
	shard  [2]int
	dialer *websocket.Dialer
	// lookup asks REST for the gateway URL (GET /gateway).
	lookup func(ctx context.Context) (string, error)
	log    *slog.Logger
	events bot.APIEvents
	// jitter is the random fraction of heartbeat_interval to wait before
	// the first heartbeat, in [0, 1).
	jitter func() float64
	// reidentifyWait is how long to wait after an op 9 that cannot be
	// resumed before identifying again: 1–5 s by the docs.
	reidentifyWait func() time.Duration
	// identifyInterval is the least time between two IDENTIFYs: 5 s, the
	// window of max_concurrency 1 ("Number of identify requests allowed
	// per 5 seconds"). Shards of one bot in separate processes share that
	// window; this spaces only this process's.
	identifyInterval time.Duration
	// identifyGate, when set, is waited for before each IDENTIFY (never
	// before a RESUME): after HELLO, with the heartbeats already running
	// and the connection read as usual, so a long wait for the gate keeps
	// the connection alive. Processes that share the application's
	// identify window take turns through it. An error from it (ctx ending
	// included) ends the connection without an IDENTIFY; the next one is
	// tried with backoff.
	identifyGate func(ctx context.Context) error
	// reconnectBackoff is the first wait before a failed connection is
	// tried again (1 s), doubling up to maxOpenBackoff.
	reconnectBackoff time.Duration
	// now and sleep are the clock that spaces sessions (when the last
	// IDENTIFY went out, how long a session lasted) and the wait before a
	// new connection: time.Now and a timer, or a test's clock and a
	// recorder of the waits.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	// dispatch gets every event (READY and RESUMED included) in order, on
	// the gateway's goroutine; it must not block.
	dispatch func(event string, data json.RawMessage)
	// connected is told when a session becomes usable (READY, RESUMED) and
	// when it stops being.
	connected func(bool)
}

// randomJitter and randomReidentifyWait are the defaults.
func randomJitter() float64 { return rand.Float64() }

func randomReidentifyWait() time.Duration {
	return time.Second + rand.N(4*time.Second+1)
}

// gateway is one gateway session, reconnected and resumed as needed. Its
// fields are used by run's goroutine only, except seq and acked.
type gateway struct {
	o gatewayOptions

	url       string // from GET /gateway, cached for new sessions
	sessionID string
	resumeURL string
	seq       atomic.Int64
	// identified is when the last IDENTIFY went out; unstable counts the
	// IDENTIFYs since the last session that lasted stableSession; liveAt is
	// when the current session became usable.
	identified time.Time
	unstable   int
	liveAt     time.Time
}

func newGateway(o gatewayOptions) *gateway {
	if o.jitter == nil {
		o.jitter = randomJitter
	}
	if o.reidentifyWait == nil {
		o.reidentifyWait = randomReidentifyWait
	}
	if o.dialer == nil {
		o.dialer = websocket.DefaultDialer
	}
	if o.identifyInterval <= 0 {
		o.identifyInterval = identifyInterval
	}
	if o.reconnectBackoff <= 0 {
		o.reconnectBackoff = time.Second
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.sleep == nil {
		o.sleep = retry.Sleep
	}
	return &gateway{o: o}
}

// Reasons a connection ended that decide what the next one does.
var (
	errReconnect = errors.New("gateway asked to reconnect (op 7)")
	errZombie    = errors.New("no heartbeat ACK since the last heartbeat")
)

// invalidSession is op 9; resumable is its d.
type invalidSession struct{ resumable bool }

func (e invalidSession) Error() string {
	return fmt.Sprintf("invalid session (op 9, resumable %v)", e.resumable)
}

// permanentError is a failure that another connection would only repeat:
// a rejected token, disallowed intents.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// run keeps a session up until ctx is done (then it returns nil) or the
// gateway refuses us for good (then it returns why). Connections that
// fail are retried with capped exponential backoff; a session that was
// up is resumed.
func (g *gateway) run(ctx context.Context) error {
	bo := retry.New(g.o.reconnectBackoff, maxOpenBackoff)
	for {
		live, err := g.connect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if pe, ok := errors.AsType[permanentError](err); ok {
			g.o.events.APIError(channel, "gateway")
			return pe
		}
		if live {
			bo.Reset()
			if g.o.now().Sub(g.liveAt) >= stableSession {
				g.unstable = 0
			}
		}
		var wait time.Duration
		switch inv, isInvalid := errors.AsType[invalidSession](err); {
		case isInvalid && !inv.resumable:
			// "your app should disconnect. After disconnect, your app
			// should create a new connection with your cached URL ...
			// then send an Identify" after waiting 1–5 s.
			g.sessionID, g.resumeURL = "", ""
			g.seq.Store(0)
			wait = g.o.reidentifyWait()
		case isInvalid, errors.Is(err, errReconnect), errors.Is(err, errZombie):
			// Resume at once.
		default:
			wait = bo.NextBackOff()
		}
		if g.sessionID == "" && !g.identified.IsZero() {
			// A new session: not sooner than the identify window allows,
			// however fast the last one ended ("If you hit this limit,
			// the Gateway will respond with an Invalid Session", and
			// every IDENTIFY counts against the 1000 a day).
			wait = max(wait, g.identified.Add(g.identifyGap()).Sub(g.o.now()))
		}
		g.o.events.APIRetry(channel, "gateway")
		g.o.log.Warn("discord: gateway connection ended, reconnecting", "wait", wait, "resume", g.sessionID != "", "err", err)
		if wait > 0 && g.o.sleep(ctx, wait) != nil {
			return nil
		}
	}
}

// frame is a gateway payload.
type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  int64           `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

// conn is one websocket connection; writes are serialised.
type conn struct {
	ws *websocket.Conn
	mu sync.Mutex
}

func (c *conn) send(op int, d any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.ws.WriteJSON(struct {
		Op int `json:"op"`
		D  any `json:"d"`
	}{op, d})
}

func (c *conn) close(code int) {
	c.mu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
	c.mu.Unlock()
	_ = c.ws.Close()
}

// connect runs one connection: HELLO, IDENTIFY or RESUME, then events
// until the connection ends. live reports whether the session became
// usable (READY or RESUMED) on it.
func (g *gateway) connect(ctx context.Context) (live bool, err error) {
	target, resuming, err := g.target(ctx)
	if err != nil {
		return false, err
	}
	ws, _, err := g.o.dialer.DialContext(ctx, target, nil)
	if err != nil {
		if resuming {
			g.resumeURL = "" // it may be gone; the next try resumes on the main URL
		} else {
			g.url = "" // look it up again
		}
		return false, fmt.Errorf("dial gateway: %w", err)
	}
	c := &conn{ws: ws}
	var code atomic.Int32 // how we close: resumable unless the session is over
	code.Store(closeResuming)
	stop := make(chan struct{})
	defer func() {
		close(stop)
		c.close(int(code.Load()))
		if live {
			g.o.connected(false)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			// Shutting down: 1000 ends the session on Discord's side, and
			// closing ends the read below.
			code.Store(websocket.CloseNormalClosure)
			c.close(websocket.CloseNormalClosure)
		case <-stop:
		}
	}()

	_ = ws.SetReadDeadline(time.Now().Add(helloTimeout))
	var hello struct {
		Interval int64 `json:"heartbeat_interval"`
	}
	f, err := g.read(c)
	if err != nil {
		return false, err
	}
	if f.Op != opHello || json.Unmarshal(f.D, &hello) != nil || hello.Interval <= 0 {
		return false, fmt.Errorf("gateway sent op %d before HELLO", f.Op)
	}
	_ = ws.SetReadDeadline(time.Time{})
	interval := time.Duration(hello.Interval) * time.Millisecond

	var acked atomic.Bool
	acked.Store(true)
	beat := make(chan struct{}, 1) // op 1 from Discord: heartbeat now
	zombie := make(chan struct{})
	go g.heartbeat(c, interval, &acked, beat, zombie, stop)

	// identifyFailed gets why no IDENTIFY went out (the gate refused, or
	// the send failed) before the connection is closed for it.
	identifyFailed := make(chan error, 1)
	if resuming {
		if err := c.send(opResume, map[string]any{"token": g.o.token, "session_id": g.sessionID, "seq": g.seq.Load()}); err != nil {
			return false, fmt.Errorf("send RESUME: %w", err)
		}
	} else {
		// The IDENTIFY goes out from its own goroutine, so that the frames
		// that come while it waits for the gate (heartbeat ACKs, op 1, a
		// close) are read below. It is done before connect returns (the
		// defer): run's goroutine reads identified and unstable after.
		gateCtx, cancelGate := context.WithCancel(ctx)
		var identifying sync.WaitGroup
		defer func() {
			cancelGate()
			identifying.Wait()
		}()
		identifying.Go(func() {
			if err := g.sendIdentify(gateCtx, c); err != nil {
				identifyFailed <- err
				code.Store(websocket.CloseNormalClosure) // no session to resume
				c.close(websocket.CloseNormalClosure)    // ends the read below
			}
		})
	}
	for {
		f, err := g.read(c)
		if err != nil {
			select {
			case <-zombie:
				return live, errZombie
			case err := <-identifyFailed:
				return live, err
			default:
			}
			return live, err
		}
		switch f.Op {
		case opDispatch:
			if f.S > 0 {
				g.seq.Store(f.S)
			}
			switch f.T {
			case "READY":
				var r struct {
					SessionID string `json:"session_id"`
					ResumeURL string `json:"resume_gateway_url"`
				}
				_ = json.Unmarshal(f.D, &r)
				g.sessionID, g.resumeURL = r.SessionID, r.ResumeURL
				live, g.liveAt = true, g.o.now()
				g.o.connected(true)
			case "RESUMED":
				live, g.liveAt = true, g.o.now()
				g.o.connected(true)
			}
			g.o.dispatch(f.T, f.D)
		case opHeartbeat:
			select {
			case beat <- struct{}{}:
			default:
			}
		case opHeartbeatACK:
			acked.Store(true)
		case opReconnect:
			return live, errReconnect
		case opInvalid:
			var resumable bool
			_ = json.Unmarshal(f.D, &resumable)
			if !resumable {
				code.Store(websocket.CloseNormalClosure) // the session is over
			}
			return live, invalidSession{resumable: resumable}
		}
	}
}

// sendIdentify waits for the identify gate, if any, then sends IDENTIFY
// on c and counts it against the identify window.
func (g *gateway) sendIdentify(ctx context.Context, c *conn) error {
	if g.o.identifyGate != nil {
		if err := g.o.identifyGate(ctx); err != nil {
			return fmt.Errorf("wait for the identify gate: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("wait for the identify gate: %w", err)
		}
	}
	g.identified = g.o.now()
	g.unstable++
	if err := c.send(opIdentify, g.identify()); err != nil {
		return fmt.Errorf("send IDENTIFY: %w", err)
	}
	return nil
}

// identifyGap is the least time from the last IDENTIFY to the next: the
// identify interval, doubled for each IDENTIFY since the last stable
// session but the first, up to maxIdentifyGap.
func (g *gateway) identifyGap() time.Duration {
	d := g.o.identifyInterval
	for range max(g.unstable-1, 0) {
		if d *= 2; d >= maxIdentifyGap {
			return maxIdentifyGap
		}
	}
	return d
}

// target is the URL of the next connection: READY's resume_gateway_url
// when there is a session to resume (the main URL if dialling that one
// failed), else the (cached) gateway URL, with the version and encoding in
// the query either way.
func (g *gateway) target(ctx context.Context) (string, bool, error) {
	base, resuming := g.url, g.sessionID != ""
	if resuming && g.resumeURL != "" {
		base = g.resumeURL
	}
	if base == "" {
		u, err := g.o.lookup(ctx)
		if err != nil {
			if permanent(err) {
				return "", false, permanentError{err}
			}
			return "", false, err
		}
		g.url, base = u, u
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		return "", false, fmt.Errorf("gateway URL %q is not a websocket URL", base)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery = url.Values{"v": {gatewayVersion}, "encoding": {"json"}}.Encode()
	return u.String(), resuming, nil
}

// read reads one frame, turning Discord's close codes into what they mean.
func (g *gateway) read(c *conn) (frame, error) {
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
			switch ce.Code {
			case 4007, 4009: // invalid seq, session timed out: start over
				g.sessionID, g.resumeURL = "", ""
				g.seq.Store(0)
			}
			if permanent(err) {
				return frame{}, permanentError{fmt.Errorf("gateway closed the connection: %w", err)}
			}
		}
		return frame{}, fmt.Errorf("gateway read: %w", err)
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		return frame{}, fmt.Errorf("gateway sent a frame that is not JSON: %w", err)
	}
	return f, nil
}

// heartbeat sends the first heartbeat after interval × jitter ("to prevent
// too many clients from reconnecting at the exact same time"), then one
// every interval, and one at once when Discord asks (op 1). A heartbeat
// due before the last one was acknowledged means a zombie connection: it
// is closed so the session resumes on a new one.
func (g *gateway) heartbeat(c *conn, interval time.Duration, acked *atomic.Bool, beat <-chan struct{}, zombie chan<- struct{}, stop <-chan struct{}) {
	t := time.NewTimer(time.Duration(float64(interval) * g.o.jitter()))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-beat:
		case <-t.C:
			if !acked.Load() {
				close(zombie)
				_ = c.ws.Close()
				return
			}
			t.Reset(interval)
		}
		acked.Store(false)
		var seq any // null until the first dispatch
		if s := g.seq.Load(); s > 0 {
			seq = s
		}
		if err := c.send(opHeartbeat, seq); err != nil {
			return // the read loop sees the broken connection
		}
	}
}

// identify is the documented IDENTIFY payload.
func (g *gateway) identify() any {
	type properties struct {
		OS      string `json:"os"`
		Browser string `json:"browser"`
		Device  string `json:"device"`
	}
	type presence struct {
		Since      *int64 `json:"since"`
		Activities []any  `json:"activities"`
		Status     string `json:"status"`
		AFK        bool   `json:"afk"`
	}
	d := struct {
		Token      string     `json:"token"`
		Intents    int        `json:"intents"`
		Properties properties `json:"properties"`
		Presence   presence   `json:"presence"`
		Shard      *[2]int    `json:"shard,omitempty"`
	}{
		Token:      g.o.token,
		Intents:    g.o.intents,
		Properties: properties{OS: runtime.GOOS, Browser: "travelbot", Device: "travelbot"},
		Presence:   presence{Activities: []any{}, Status: "online"},
	}
	if g.o.shard[1] > 1 {
		d.Shard = &g.o.shard
	}
	return d
}

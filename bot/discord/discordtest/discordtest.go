// Package discordtest is a fake Discord for tests that drive the real
// discordgo client: an httptest REST server (point Options.APIBase at URL)
// and a websocket gateway served at the URL that GET /api/v9/gateway
// returns. The gateway speaks HELLO, IDENTIFY → READY, heartbeat ACKs,
// RESUME → RESUMED, dispatches events and can ask for a reconnect (op 7).
//
// Every REST body is checked against Discord's OpenAPI description
// (SpecFile; spec.go) and every gateway frame against the gateway docs
// (CheckIdentify, the resume URL, op 9, the global rate limit); a request
// or frame Discord would refuse fails the test that started the fake,
// naming the route and field, unless the test said it provokes it
// (ExpectRejected, ExpectGatewayProblems).
//
// The REST side records every request and rejects what Discord would
// reject: a missing or wrong "Bot" token (401), a second response to one
// interaction (400, code 40060), an edit or follow-up before the response
// (404), and any message body over Discord's limits or without
// allowed_mentions "parse": [] (400, code 50035, with the problems
// recorded on the Request).
package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Identity of the fake application.
const (
	Token     = "MTAwMDAwMDAwMDAwMDAwMDAy.GfAkE1.fake-bot-token_0123456789abcdefghijkl" // shaped as the Developer Portal gives them: the bot id, a timestamp, an HMAC
	AppID     = "100000000000000001"
	BotID     = "100000000000000002"
	SessionID = "fake-session-1"
	// HeartbeatInterval is short so heartbeats run during tests.
	HeartbeatInterval = 1000
)

// Request is one REST request the fake received.
type Request struct {
	Method   string
	Path     string // without the query
	Query    string
	Body     []byte
	Status   int      // the status the fake answered with
	Problems []string // why the fake rejected the body, when it did
}

// Decode unmarshals the request body into v.
func (r Request) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// String shows a request for test failures.
func (r Request) String() string {
	return fmt.Sprintf("%s %s -> %d %v %s", r.Method, r.Path, r.Status, r.Problems, r.Body)
}

// InteractionDeadline is how long after an interaction Discord accepts its
// first response.
const InteractionDeadline = 3 * time.Second

// SetClock replaces the clock the fake measures the interaction deadline
// with; call it before dispatching interactions.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Identify is what the client sent in an IDENTIFY.
type Identify struct {
	Token   string  `json:"token"`
	Intents int     `json:"intents"`
	Shard   *[2]int `json:"shard"`
	// Raw is the whole d object, for checks of its shape.
	Raw json.RawMessage `json:"-"`
	// At is when the fake received it.
	At time.Time `json:"-"`
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the REST origin, for Options.APIBase.
	URL string

	srv      *httptest.Server
	upgrader websocket.Upgrader
	spec     *Spec
	t        testing.TB

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced whenever anything is recorded
	requests   []Request
	faults     []*fault
	tokens     map[string]string    // interaction token -> interaction id
	received   map[string]time.Time // interaction token -> when it was dispatched
	now        func() time.Time
	acked      map[string]bool // interaction tokens that have their response
	live       *gwConn         // the connection past READY/RESUMED, if any
	conns      map[*gwConn]bool
	seq        int64
	identifies []Identify
	resumes    int
	gwProblems []string
	beats      []time.Duration // per connection: HELLO to the first heartbeat
	dials      []Dial
	invalidAt  time.Time // when the last op 9 d:false was sent
	// finalClose is the last close code the docs mark "Reconnect: false"
	// that the fake sent; 0 when none.
	finalClose int
	// identifyWindow is the least time between two IDENTIFYs;
	// lastIdentify is when the last one came.
	identifyWindow time.Duration
	lastIdentify   time.Time
	// invalidPause is the least time from an op 9 d:false to the next
	// session; heartbeat is the heartbeat_interval HELLO sends, in ms.
	invalidPause time.Duration
	heartbeat    int
	noAcks       bool // heartbeats go unanswered (a zombie connection)
	// expectRejected and gwExpected are what the test provokes on purpose.
	expectRejected func(Request) bool
	gwExpected     bool
	// globalUntil is the end of the global rate-limit window.
	globalUntil time.Time
	// routeUntil is, per "METHOD path", the end of the wait a 429 asked
	// for.
	routeUntil map[string]time.Time
	nextID     int64
}

type fault struct {
	match  func(method, path string) bool
	left   int
	status int
	body   string
	header http.Header
	// global starts the global rate-limit window when the fault fires.
	global time.Duration
	// drop: the request is handled as usual, then its connection is
	// closed before the response is written (DropResponse).
	drop bool
}

// GlobalRateLimit makes the next request that matches answer 429 the way
// Discord's global rate limit does: X-RateLimit-Global: true,
// X-RateLimit-Scope: global, Retry-After in whole seconds and "global":
// true in the body, with no X-RateLimit-Reset-After. Until retryAfter has
// passed, any other request except interaction responses ("Interaction
// endpoints are not bound to the bot's Global Rate Limit", rate-limits) is
// refused with the same 429 and recorded as a problem: a client must hold
// every route for the window, not just the one that got the 429.
func (s *Server) GlobalRateLimit(match func(method, path string) bool, retryAfter time.Duration) {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("X-RateLimit-Global", "true")
	h.Set("X-RateLimit-Scope", "global")
	body := fmt.Sprintf(`{"message":"You are being rate limited.","retry_after":%g,"global":true}`, retryAfter.Seconds())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{match: match, left: 1, status: http.StatusTooManyRequests, body: body, header: h, global: retryAfter})
}

// interactionRoute reports whether path answers an interaction (its
// callback, or the webhook its token opens), which the global rate limit
// does not cover.
func interactionRoute(path string) bool {
	return strings.HasPrefix(path, "/api/v9/interactions/") || strings.HasPrefix(path, "/api/v9/webhooks/"+AppID+"/")
}

// New starts a fake Discord that is closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		spec:       RequireSpec(t),
		t:          t,
		changed:    make(chan struct{}),
		tokens:     make(map[string]string),
		received:   make(map[string]time.Time),
		now:        time.Now,
		acked:      make(map[string]bool),
		routeUntil: make(map[string]time.Time),
		conns:      make(map[*gwConn]bool),
		nextID:     200000000000000000,
		// max_concurrency 1: "Number of identify requests allowed per 5
		// seconds" (gateway, Session Start Limit Object).
		identifyWindow: IdentifyWindow,
		invalidPause:   InvalidSessionPause,
		heartbeat:      HeartbeatInterval,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gw/", s.gateway)
	mux.HandleFunc("GET /gw-resume/", s.gateway)
	mux.HandleFunc("/api/v9/", s.rest)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close drops every gateway connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	for c := range s.conns {
		c.c.Close()
	}
	s.mu.Unlock()
	s.srv.Close()
}

// bump wakes every waiter; s.mu must be held.
func (s *Server) bump() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) newID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// waitUntil waits until cond (called with s.mu held) is true.
func (s *Server) waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// Changed returns a channel that is closed the next time the fake records
// anything (a request, a connection, a problem), for waiting on its state
// without polling.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Requests returns every request recorded so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Rejected returns the requests the fake refused with a 4xx other than
// those it was told to fail.
func (s *Server) Rejected() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if len(r.Problems) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// WaitN waits until n recorded requests satisfy match and returns the
// first n of them, in order.
func (s *Server) WaitN(timeout time.Duration, n int, match func(Request) bool) ([]Request, error) {
	var got []Request
	ok := s.waitUntil(timeout, func() bool {
		got = got[:0]
		for _, r := range s.requests {
			if match(r) {
				got = append(got, r)
			}
		}
		return len(got) >= n
	})
	if !ok {
		return got, fmt.Errorf("discordtest: %d of %d requests after %v", len(got), n, timeout)
	}
	return got[:n], nil
}

// Wait waits for the first request that satisfies match.
func (s *Server) Wait(timeout time.Duration, match func(Request) bool) (Request, error) {
	rs, err := s.WaitN(timeout, 1, match)
	if err != nil {
		return Request{}, err
	}
	return rs[0], nil
}

// ForInteraction matches the requests that answer the interaction with
// this token: its callback, edits and follow-ups.
func ForInteraction(token string) func(Request) bool {
	return func(r Request) bool { return strings.Contains(r.Path, "/"+token) }
}

// Is matches requests by method and path prefix.
func Is(method, pathPrefix string) func(Request) bool {
	return func(r Request) bool { return r.Method == method && strings.HasPrefix(r.Path, pathPrefix) }
}

// Fail makes the next n requests that match answer with status and body
// instead of being handled (a 429 body looks like
// {"message":"You are being rate limited.","retry_after":0.05,"global":false}).
func (s *Server) Fail(match func(method, path string) bool, n, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{match: match, left: n, status: status, body: body})
}

// DropResponse makes the next n requests that match be handled as usual
// (an interaction callback counts as the interaction's response) and then
// lose their connection before the response is written: what the client
// sees when a connection breaks on the way back, after Discord acted.
func (s *Server) DropResponse(match func(method, path string) bool, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{match: match, left: n, drop: true})
}

// FailWithHeader is Fail with response headers: a 429 whose wait is
// only in its Retry-After header, or whose body is not JSON at all (as
// Cloudflare's are). Until the wait a 429 asks for (the body's
// retry_after, else Retry-After) has passed, a request on the same route
// is refused and recorded as a problem.
func (s *Server) FailWithHeader(match func(method, path string) bool, n, status int, header http.Header, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{match: match, left: n, status: status, body: body, header: header})
}

// retryAfter is the wait a 429 asks for: the body's retry_after, which is
// more precise, else the Retry-After header, in seconds with fractions.
func retryAfter(h http.Header, body string) time.Duration {
	var b struct {
		RetryAfter float64 `json:"retry_after"`
	}
	if json.Unmarshal([]byte(body), &b) == nil && b.RetryAfter > 0 {
		return time.Duration(b.RetryAfter * float64(time.Second))
	}
	secs, _ := strconv.ParseFloat(h.Get("Retry-After"), 64)
	return time.Duration(secs * float64(time.Second))
}

// Identifies returns every IDENTIFY received.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// WaitResumes waits until n RESUMEs have been accepted.
func (s *Server) WaitResumes(timeout time.Duration, n int) error {
	if !s.waitUntil(timeout, func() bool { return s.resumes >= n }) {
		return fmt.Errorf("discordtest: %d RESUMEs after %v, want %d", s.Resumes(), timeout, n)
	}
	return nil
}

// Resumes counts the RESUMEs accepted.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// ---- gateway ----

// ResumePath is the path of READY's resume_gateway_url.
const ResumePath = "/gw-resume/"

// Dial is one gateway connection the client opened.
type Dial struct {
	Path string
	At   time.Time
}

// GatewayProblems lists every way the client broke the gateway protocol
// as Discord documents it: a bad IDENTIFY, a RESUME on the wrong URL, an
// IDENTIFY on a connection that got op 9, a new session sooner than 1 s
// after op 9.
func (s *Server) GatewayProblems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.gwProblems...)
}

// HeartbeatDelays returns, per connection that sent one, how long after
// HELLO the first heartbeat came.
func (s *Server) HeartbeatDelays() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.beats...)
}

// WaitHeartbeats waits until n connections have sent their first
// heartbeat and returns HeartbeatDelays.
func (s *Server) WaitHeartbeats(timeout time.Duration, n int) ([]time.Duration, error) {
	if !s.waitUntil(timeout, func() bool { return len(s.beats) >= n }) {
		return s.HeartbeatDelays(), fmt.Errorf("discordtest: %d first heartbeats after %v, want %d", len(s.HeartbeatDelays()), timeout, n)
	}
	return s.HeartbeatDelays(), nil
}

// WaitIdentifies waits until n IDENTIFYs have arrived and returns them.
func (s *Server) WaitIdentifies(timeout time.Duration, n int) ([]Identify, error) {
	if !s.waitUntil(timeout, func() bool { return len(s.identifies) >= n }) {
		return s.Identifies(), fmt.Errorf("discordtest: %d IDENTIFYs after %v, want %d", len(s.Identifies()), timeout, n)
	}
	return s.Identifies(), nil
}

// WaitDials waits until n gateway connections have been opened and
// returns them.
func (s *Server) WaitDials(timeout time.Duration, n int) ([]Dial, error) {
	if !s.waitUntil(timeout, func() bool { return len(s.dials) >= n }) {
		return s.Dials(), fmt.Errorf("discordtest: %d gateway connections after %v, want %d", len(s.Dials()), timeout, n)
	}
	return s.Dials(), nil
}

// Dials returns every gateway connection opened, in order.
func (s *Server) Dials() []Dial {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Dial(nil), s.dials...)
}

func (s *Server) gwProblem(format string, args ...any) {
	p := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.gwProblems = append(s.gwProblems, p)
	s.bump()
	expected := s.gwExpected
	s.mu.Unlock()
	if !expected {
		s.t.Errorf("discordtest: the client broke Discord's gateway protocol: %s", p)
	}
}

// record keeps a request and fails the test when the fake refused it for
// something Discord would refuse, unless the test said it expects that.
func (s *Server) record(req Request) {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.bump()
	expect := s.expectRejected
	s.mu.Unlock()
	if len(req.Problems) > 0 && (expect == nil || !expect(req)) {
		s.t.Errorf("discordtest: Discord would refuse %s", req)
	}
}

// ExpectRejected tells the fake that the test means to provoke refusals
// of the requests that match: they are recorded (Rejected) without
// failing the test. Every other refusal fails it.
func (s *Server) ExpectRejected(match func(Request) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expectRejected = match
}

// ExpectGatewayProblems tells the fake that the test drives a client that
// breaks the gateway protocol on purpose (GatewayProblems lists what it
// did) so it does not fail the test.
func (s *Server) ExpectGatewayProblems() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gwExpected = true
}

type gwConn struct {
	c  *websocket.Conn
	mu sync.Mutex // gorilla allows one writer at a time
	// invalidated is set once op 9 d:false went out on this connection.
	invalidated bool
}

func (g *gwConn) write(v any) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = g.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return g.c.WriteJSON(v)
}

func (g *gwConn) closeWith(code int, text string) {
	g.mu.Lock()
	_ = g.c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, text))
	g.mu.Unlock()
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  int64           `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

// validToken accepts the token as Discord does, with or without "Bot ".
func validToken(t string) bool { return strings.TrimPrefix(t, "Bot ") == Token }

func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	c, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &gwConn{c: c}
	hello := time.Now()
	s.mu.Lock()
	s.conns[g] = true
	s.dials = append(s.dials, Dial{Path: r.URL.Path, At: hello})
	s.noAcks = false
	invalidAt := s.invalidAt
	final := s.finalClose
	pause, interval := s.invalidPause, s.heartbeat
	s.bump()
	s.mu.Unlock()
	if final != 0 {
		// "you should consider some close codes as a signal to stop
		// reconnecting" (opcodes, Gateway Close Event Codes: Reconnect
		// false for 4004 and 4010-4014).
		s.gwProblem("reconnected after close code %d, which the docs mark Reconnect: false", final)
	}
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, g)
		if s.live == g {
			s.live = nil
		}
		s.bump()
		s.mu.Unlock()
	}()
	if g.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": interval}}) != nil {
		return
	}
	beat := false
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			s.gwProblem("a frame that is not JSON: %q", data)
			return
		}
		switch f.Op {
		case 1:
			s.mu.Lock()
			mute := s.noAcks
			s.mu.Unlock()
			if mute {
				continue
			}
			if !beat {
				beat = true
				s.mu.Lock()
				s.beats = append(s.beats, time.Since(hello))
				s.bump()
				s.mu.Unlock()
			}
			if g.write(map[string]any{"op": 11}) != nil {
				return
			}
		case 2:
			id := Identify{Raw: f.D}
			_ = json.Unmarshal(f.D, &id)
			s.mu.Lock()
			last, window, at := s.lastIdentify, s.identifyWindow, time.Now()
			id.At = at
			s.identifies = append(s.identifies, id)
			s.lastIdentify = at
			s.bump()
			s.mu.Unlock()
			if !last.IsZero() && at.Sub(last) < window {
				// "Apps also have a limit for concurrent Identify requests
				// allowed per 5 seconds. If you hit this limit, the Gateway
				// will respond with an Invalid Session" (gateway, Rate
				// Limiting); the fake's max_concurrency is 1.
				s.gwProblem("IDENTIFY %v after the previous one; max_concurrency 1 allows one per %v", at.Sub(last).Round(time.Millisecond), window)
			}
			for _, p := range CheckIdentify(f.D) {
				s.gwProblem("IDENTIFY: %s", p)
			}
			if g.invalidated {
				// "If the d field is set to false (which is most of the
				// time), your app should disconnect. After disconnect, your
				// app should create a new connection ... then send an
				// Identify" (gateway, Resuming).
				s.gwProblem("IDENTIFY on the connection that got op 9 d:false; close it and identify on a new one")
			} else if !invalidAt.IsZero() && hello.Sub(invalidAt) < pause {
				// "wait a random amount of time—between 1 and 5 seconds—then
				// send a fresh Opcode 2 Identify" (opcodes, Invalid Session).
				s.gwProblem("new session %v after op 9 d:false, want at least %v (the docs: 1-5 s)", hello.Sub(invalidAt), pause)
			}
			if !validToken(id.Token) {
				s.mu.Lock()
				s.finalClose = 4004
				s.mu.Unlock()
				g.closeWith(4004, "Authentication failed.")
				return
			}
			if !s.goLive(g, "READY", map[string]any{
				"v":                  9,
				"session_id":         SessionID,
				"resume_gateway_url": "ws" + strings.TrimPrefix(s.URL, "http") + strings.TrimSuffix(ResumePath, "/"),
				"user":               map[string]any{"id": BotID, "username": "travelbot", "discriminator": "0", "bot": true},
				"application":        map[string]any{"id": AppID, "flags": 0},
				"guilds":             []any{},
				"private_channels":   []any{},
			}) {
				return
			}
		case 6:
			var res struct {
				Token     string `json:"token"`
				SessionID string `json:"session_id"`
				Seq       *int64 `json:"seq"`
			}
			_ = json.Unmarshal(f.D, &res)
			s.mu.Lock()
			last := s.seq
			s.mu.Unlock()
			if res.Seq == nil || *res.Seq != last {
				// "the sequence number (s) from the last Dispatch (opcode
				// 0) event it received before the disconnect" (gateway,
				// Preparing to Resume).
				s.gwProblem("RESUME with seq %v, want %d, the last dispatch sent", res.Seq, last)
			}
			if r.URL.Path != ResumePath {
				// "your app should open a new connection using
				// resume_gateway_url rather than the URL used to initially
				// connect ... If your app doesn't use the
				// resume_gateway_url when reconnecting, it will experience
				// disconnects at a higher rate than normal." (gateway)
				s.gwProblem("RESUME on %s, want READY's resume_gateway_url (%s)", r.URL.Path, ResumePath)
			}
			if !validToken(res.Token) || res.SessionID != SessionID || r.URL.Path != ResumePath {
				if s.invalidate(g) != nil {
					return
				}
				continue
			}
			s.mu.Lock()
			s.resumes++
			s.bump()
			s.mu.Unlock()
			if !s.goLive(g, "RESUMED", map[string]any{}) {
				return
			}
		}
	}
}

// IdentifyWindow is the least time the fake accepts between two
// IDENTIFYs by default: one per 5 s, the limit of max_concurrency 1.
const IdentifyWindow = 5 * time.Second

// SetIdentifyWindow changes the least time between two IDENTIFYs, for
// tests that pin a client's own spacing lower than 5 s.
func (s *Server) SetIdentifyWindow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifyWindow = d
}

// InvalidSessionPause is the least time the fake accepts by default
// between an op 9 d:false and the next session: the docs' 1 s.
const InvalidSessionPause = time.Second

// SetInvalidSessionPause changes the least time between an op 9 d:false
// and the next session, for tests that pin a client's wait lower than 1 s.
func (s *Server) SetInvalidSessionPause(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidPause = d
}

// SetHeartbeatInterval changes the heartbeat_interval HELLO sends on new
// connections (HeartbeatInterval by default), in milliseconds, for tests
// that wait on heartbeats, such as a zombie connection's detection.
func (s *Server) SetHeartbeatInterval(ms int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeat = ms
}

// FinalCloseCode reports whether Discord's docs tell a client not to
// reconnect after the gateway closed with code: 4004 and 4010-4014
// (opcodes, Gateway Close Event Codes).
func FinalCloseCode(code int) bool { return code == 4004 || code >= 4010 && code <= 4014 }

// CloseGateway closes the connected client's connection with a close
// code, as Discord does when it ends a connection. After a code the docs
// mark "Reconnect: false" (FinalCloseCode), any new connection is a
// gateway problem.
func (s *Server) CloseGateway(code int, text string) error {
	var g *gwConn
	if !s.waitUntil(5*time.Second, func() bool { g = s.live; return g != nil }) {
		return errors.New("discordtest: no client connected")
	}
	s.mu.Lock()
	if s.live == g {
		s.live = nil
	}
	if FinalCloseCode(code) {
		s.finalClose = code
	}
	s.mu.Unlock()
	g.closeWith(code, text)
	_ = g.c.Close() // the client may have closed it already
	return nil
}

// StopAcks makes the gateway stop acknowledging heartbeats, as a
// connection that died without closing does. A new connection is
// acknowledged again.
func (s *Server) StopAcks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noAcks = true
}

// invalidate sends op 9 d:false on g: the session cannot be resumed.
func (s *Server) invalidate(g *gwConn) error {
	s.mu.Lock()
	g.invalidated = true
	if s.live == g {
		s.live = nil
	}
	s.invalidAt = time.Now()
	s.mu.Unlock()
	return g.write(map[string]any{"op": 9, "d": false})
}

// InvalidateSession sends op 9 with d:false (the session cannot be
// resumed) to the connected client. Events dispatched afterwards wait for
// its new session.
func (s *Server) InvalidateSession() error {
	var g *gwConn
	if !s.waitUntil(5*time.Second, func() bool { g = s.live; return g != nil }) {
		return errors.New("discordtest: no client connected")
	}
	return s.invalidate(g)
}

// validStatus are the documented presence statuses.
var validStatus = map[string]bool{"online": true, "dnd": true, "idle": true, "invisible": true, "offline": true}

// CheckIdentify lists what is wrong with an IDENTIFY's d against the
// Identify Structure of Discord's gateway docs: token and intents, the
// connection properties os, browser and device (the "$"-prefixed names
// are gone), and a presence, if any, of {since, activities, status, afk}
// with a valid status.
func CheckIdentify(d []byte) []string {
	var id map[string]json.RawMessage
	if err := json.Unmarshal(d, &id); err != nil {
		return []string{"d is not an object: " + err.Error()}
	}
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	known := map[string]bool{"token": true, "properties": true, "compress": true, "large_threshold": true,
		"shard": true, "presence": true, "intents": true}
	for k := range id {
		if !known[k] {
			add("unknown field %q", k)
		}
	}
	var tok string
	if json.Unmarshal(id["token"], &tok) != nil || tok == "" {
		add("token missing")
	}
	var intents *int
	if json.Unmarshal(id["intents"], &intents) != nil || intents == nil {
		add("intents missing or not an integer")
	}
	var props map[string]any
	if json.Unmarshal(id["properties"], &props) != nil || props == nil {
		add("properties missing")
	}
	for _, k := range []string{"os", "browser", "device"} {
		if v, ok := props[k].(string); !ok || v == "" {
			add("properties.%s missing, want a string", k)
		}
	}
	for k := range props {
		if k != "os" && k != "browser" && k != "device" {
			add("properties.%s is not a documented connection property", k)
		}
	}
	if raw, ok := id["presence"]; ok && string(raw) != "null" {
		var pr map[string]json.RawMessage
		if json.Unmarshal(raw, &pr) != nil {
			add("presence is not an object")
		}
		for k := range pr {
			switch k {
			case "since", "activities", "status", "afk":
			default:
				add("presence.%s is not a field of a presence update", k)
			}
		}
		var since *float64
		if v, ok := pr["since"]; !ok || json.Unmarshal(v, &since) != nil {
			add("presence.since missing, want milliseconds or null")
		}
		var acts []any
		if v, ok := pr["activities"]; !ok || json.Unmarshal(v, &acts) != nil || acts == nil {
			add("presence.activities missing, want an array")
		}
		var status string
		if json.Unmarshal(pr["status"], &status) != nil || !validStatus[status] {
			add("presence.status %s is not online, dnd, idle, invisible or offline", pr["status"])
		}
		var afk *bool
		if json.Unmarshal(pr["afk"], &afk) != nil || afk == nil {
			add("presence.afk missing, want a boolean")
		}
	}
	return p
}

// goLive sends READY or RESUMED and makes g the connection events go to.
func (s *Server) goLive(g *gwConn, event string, d any) bool {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	if g.write(map[string]any{"op": 0, "s": seq, "t": event, "d": d}) != nil {
		return false
	}
	s.mu.Lock()
	s.live = g
	s.bump()
	s.mu.Unlock()
	return true
}

// Dispatch sends an event to the connected client, waiting up to 5 s for
// one to be connected (after READY or RESUMED).
func (s *Server) Dispatch(event string, d any) error {
	var g *gwConn
	if !s.waitUntil(5*time.Second, func() bool { g = s.live; return g != nil }) {
		return errors.New("discordtest: no client connected")
	}
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	return g.write(map[string]any{"op": 0, "s": seq, "t": event, "d": d})
}

// Reconnect sends op 7 (RECONNECT). Events dispatched afterwards wait for
// the client to resume.
func (s *Server) Reconnect() error {
	var g *gwConn
	if !s.waitUntil(5*time.Second, func() bool { g = s.live; return g != nil }) {
		return errors.New("discordtest: no client connected")
	}
	s.mu.Lock()
	if s.live == g {
		s.live = nil
	}
	s.mu.Unlock()
	return g.write(map[string]any{"op": 7, "d": nil})
}

// WaitConnected waits for a client past READY or RESUMED.
func (s *Server) WaitConnected(timeout time.Duration) bool {
	return s.waitUntil(timeout, func() bool { return s.live != nil })
}

// ---- events ----

// Interaction is an INTERACTION_CREATE payload; ID and Token find its
// responses among the recorded requests.
type Interaction struct {
	ID, Token string
	Payload   map[string]any
}

// Guild is the guild id the event builders use for guild events.
const Guild = "300000000000000001"

func (s *Server) interaction(typ int, user string, inGuild bool, data map[string]any) Interaction {
	id := s.newID()
	tok := "itok" + id
	p := map[string]any{
		"id": id, "application_id": AppID, "type": typ, "token": tok, "version": 1,
		"channel_id": "400000000000000001", "data": data, "locale": "en-US",
	}
	u := map[string]any{"id": user, "username": "user" + user, "discriminator": "0"}
	if inGuild {
		p["guild_id"] = Guild
		p["member"] = map[string]any{"user": u, "roles": []string{}, "permissions": "0"}
	} else {
		p["user"] = u
	}
	return Interaction{ID: id, Token: tok, Payload: p}
}

// Command builds a slash command; options are name, value pairs of
// string options.
func (s *Server) Command(user string, inGuild bool, name string, options ...string) Interaction {
	opts := []any{}
	for i := 0; i+1 < len(options); i += 2 {
		opts = append(opts, map[string]any{"name": options[i], "type": 3, "value": options[i+1]})
	}
	return s.interaction(2, user, inGuild, map[string]any{"id": "cmd-" + name, "name": name, "type": 1, "options": opts})
}

// Autocomplete builds the autocomplete request for a string option.
func (s *Server) Autocomplete(user string, inGuild bool, command, option, typed string) Interaction {
	opts := []any{map[string]any{"name": option, "type": 3, "value": typed, "focused": true}}
	return s.interaction(4, user, inGuild, map[string]any{"id": "cmd-" + command, "name": command, "type": 1, "options": opts})
}

// Button builds the press of a button.
func (s *Server) Button(user string, inGuild bool, customID string) Interaction {
	ix := s.interaction(3, user, inGuild, map[string]any{"custom_id": customID, "component_type": 2})
	ix.Payload["message"] = map[string]any{"id": s.newID(), "channel_id": "400000000000000001", "content": ""}
	return ix
}

// ButtonOn builds the press of a button on a message with these
// components (as the adapter sent them), which Discord includes in the
// interaction.
func (s *Server) ButtonOn(user string, inGuild bool, customID string, components []WireComponent) Interaction {
	ix := s.Button(user, inGuild, customID)
	ix.Payload["message"].(map[string]any)["components"] = components
	return ix
}

// Interact dispatches the interaction, after which the fake accepts one
// response to it.
func (s *Server) Interact(ix Interaction) error {
	s.Expect(ix)
	return s.Dispatch("INTERACTION_CREATE", ix.Payload)
}

// Expect makes the fake accept one response to ix without dispatching it:
// for an interaction delivered over HTTP (see Sign).
func (s *Server) Expect(ix Interaction) {
	s.mu.Lock()
	s.tokens[ix.Token] = ix.ID
	s.received[ix.Token] = s.now()
	s.mu.Unlock()
}

// Message describes a MESSAGE_CREATE.
type Message struct {
	ChannelID string
	GuildID   string // "" for a DM
	AuthorID  string
	AuthorBot bool
	Content   string
	Mentions  []string // user ids
}

// Send dispatches a MESSAGE_CREATE and returns the message's id.
func (s *Server) Send(m Message) (string, error) {
	id := s.newID()
	mentions := []any{}
	for _, u := range m.Mentions {
		mentions = append(mentions, map[string]any{"id": u, "username": "user" + u, "discriminator": "0"})
	}
	d := map[string]any{
		"id": id, "channel_id": m.ChannelID, "content": m.Content, "type": 0, "mentions": mentions,
		"author":    map[string]any{"id": m.AuthorID, "username": "user" + m.AuthorID, "discriminator": "0", "bot": m.AuthorBot},
		"timestamp": time.Now().UTC().Format(time.RFC3339),
	}
	if m.GuildID != "" {
		d["guild_id"] = m.GuildID
	}
	return id, s.Dispatch("MESSAGE_CREATE", d)
}

// ---- REST ----

type apiError struct {
	status  int
	code    int
	message string
}

func (s *Server) rest(w http.ResponseWriter, r *http.Request) {
	body := make([]byte, 0, 1024)
	if r.Body != nil {
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			body = append(body, buf[:n]...)
			if err != nil {
				break
			}
		}
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body}

	s.mu.Lock()
	if left := time.Until(s.globalUntil); left > 0 && !interactionRoute(r.URL.Path) {
		req.Status = http.StatusTooManyRequests
		req.Problems = []string{fmt.Sprintf("request during the global rate limit, %v before it ends", left.Round(time.Millisecond))}
		s.mu.Unlock()
		s.record(req)
		w.Header().Set("Retry-After", strconv.Itoa(int((left+time.Second-1)/time.Second)))
		w.Header().Set("X-RateLimit-Global", "true")
		w.Header().Set("X-RateLimit-Scope", "global")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = fmt.Fprintf(w, `{"message":"You are being rate limited.","retry_after":%g,"global":true}`, left.Seconds())
		return
	}
	route := r.Method + " " + r.URL.Path
	if left := time.Until(s.routeUntil[route]); left > 0 {
		// "Your application should rely on the Retry-After header or
		// retry_after field to determine when to retry the request."
		// (rate-limits, Exceeding A Rate Limit)
		req.Status = http.StatusTooManyRequests
		req.Problems = []string{fmt.Sprintf("retried %v before the Retry-After of its 429", left.Round(time.Millisecond))}
		s.mu.Unlock()
		s.record(req)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = fmt.Fprintf(w, `{"message":"You are being rate limited.","retry_after":%g,"global":false}`, left.Seconds())
		return
	}
	drop := false
	for _, f := range s.faults {
		if f.left > 0 && f.match(r.Method, r.URL.Path) && f.drop {
			f.left--
			drop = true
			break
		}
		if f.left > 0 && f.match(r.Method, r.URL.Path) {
			f.left--
			req.Status = f.status
			if f.global > 0 {
				s.globalUntil = time.Now().Add(f.global)
			}
			if f.status == http.StatusTooManyRequests {
				s.routeUntil[route] = time.Now().Add(retryAfter(f.header, f.body))
			}
			s.mu.Unlock()
			s.record(req)
			for k, v := range f.header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			_, _ = w.Write([]byte(f.body))
			return
		}
	}
	s.mu.Unlock()

	status, resp, aerr, problems := 0, any(nil), (*apiError)(nil), s.spec.Check(r.Method, r.URL.Path, body)
	if len(problems) > 0 {
		aerr = invalid(problems)
	} else {
		status, resp, aerr, problems = s.route(r, body)
	}
	if aerr != nil {
		if len(problems) == 0 {
			problems = []string{aerr.message}
		}
		status = aerr.status
		resp = map[string]any{"code": aerr.code, "message": aerr.message, "errors": problems}
	}
	req.Status, req.Problems = status, problems
	s.record(req)
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

func invalid(problems []string) *apiError {
	if len(problems) == 0 {
		return nil
	}
	return &apiError{http.StatusBadRequest, 50035, "Invalid Form Body"}
}

// route handles one request; it returns the status and JSON response, or
// an API error (with the body problems that caused it).
func (s *Server) route(r *http.Request, body []byte) (int, any, *apiError, []string) {
	// Like Discord, GET /gateway needs no token: a bad one is refused at
	// IDENTIFY (close 4004).
	if r.Header.Get("Authorization") != "Bot "+Token && r.URL.Path != "/api/v9/gateway" {
		return 0, nil, &apiError{http.StatusUnauthorized, 0, "401: Unauthorized"}, []string{"authorization header is not \"Bot <token>\""}
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v9/"), "/")
	m := r.Method
	switch {
	case m == http.MethodGet && len(parts) == 1 && parts[0] == "gateway":
		return http.StatusOK, map[string]any{"url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gw"}, nil, nil

	case m == http.MethodPut && parts[0] == "applications" && (len(parts) == 3 && parts[2] == "commands" ||
		len(parts) == 5 && parts[2] == "guilds" && parts[4] == "commands"):
		if parts[1] != AppID {
			return 0, nil, &apiError{http.StatusNotFound, 10002, "Unknown Application"}, nil
		}
		cmds, problems := checkCommands(body)
		if e := invalid(problems); e != nil {
			return 0, nil, e, problems
		}
		for _, c := range cmds {
			c["id"] = s.newID()
			c["application_id"] = AppID
			c["version"] = "1"
			if len(parts) == 5 {
				c["guild_id"] = parts[3]
			}
		}
		return http.StatusOK, cmds, nil, nil

	case m == http.MethodPost && len(parts) == 4 && parts[0] == "interactions" && parts[3] == "callback":
		id, tok := parts[1], parts[2]
		s.mu.Lock()
		known, acked, late := s.tokens[tok] == id, s.acked[tok], s.now().Sub(s.received[tok]) > InteractionDeadline
		s.mu.Unlock()
		if !known {
			return 0, nil, &apiError{http.StatusNotFound, 10062, "Unknown interaction"}, nil
		}
		if late && !acked {
			// "you must send an initial response within 3 seconds of
			// receiving the event. If the 3 second deadline is exceeded,
			// the token will be invalidated." (receiving-and-responding)
			return 0, nil, &apiError{http.StatusNotFound, 10062, "Unknown interaction"}, []string{"first response after the 3-second interaction deadline"}
		}
		if acked {
			return 0, nil, &apiError{http.StatusBadRequest, 40060, "Interaction has already been acknowledged."}, []string{"second response to one interaction"}
		}
		if e, problems := checkCallback(body); e != nil {
			return 0, nil, e, problems
		}
		s.mu.Lock()
		s.acked[tok] = true
		s.mu.Unlock()
		return http.StatusNoContent, nil, nil, nil

	case parts[0] == "webhooks" && len(parts) >= 3 && (m == http.MethodPost && len(parts) == 3 ||
		m == http.MethodPatch && len(parts) == 5 && parts[3] == "messages"):
		app, tok := parts[1], parts[2]
		s.mu.Lock()
		acked := s.acked[tok]
		s.mu.Unlock()
		if app != AppID || !acked {
			return 0, nil, &apiError{http.StatusNotFound, 10015, "Unknown Webhook"}, []string{"webhook used before the interaction was acknowledged"}
		}
		if problems := checkMessage(body, m == http.MethodPost); len(problems) > 0 {
			return 0, nil, invalid(problems), problems
		}
		return http.StatusOK, s.echoMessage(body, ""), nil, nil

	case m == http.MethodPost && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		if problems := checkMessage(body, true); len(problems) > 0 {
			return 0, nil, invalid(problems), problems
		}
		return http.StatusOK, s.echoMessage(body, parts[1]), nil, nil
	}
	return 0, nil, &apiError{http.StatusNotFound, 0, "404: Not Found"}, nil
}

func (s *Server) echoMessage(body []byte, channelID string) map[string]any {
	var in struct {
		Content string `json:"content"`
	}
	_ = json.Unmarshal(body, &in)
	return map[string]any{
		"id": s.newID(), "channel_id": channelID, "content": in.Content, "type": 0,
		"author":    map[string]any{"id": BotID, "username": "travelbot", "bot": true},
		"timestamp": time.Now().UTC().Format(time.RFC3339),
	}
}

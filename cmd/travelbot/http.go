package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"travelbot/bot"
	"travelbot/cmd/travelbot/console"
	"travelbot/config"
)

// Limits on POST /v1/ask.
const (
	maxAskBody     = 64 << 10
	maxAskQuestion = 4096 // characters
)

// webhook is an adapter that receives its platform's updates over HTTP
// (Telegram in webhook mode). serve mounts it at POST WebhookPath() on the
// HTTP server; an empty path means the adapter does not use one (polling).
type webhook interface {
	WebhookPath() string
	http.Handler
}

// routes builds the HTTP API. Every response body is JSON except /metrics.
func (s *server) routes() (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("POST /v1/ask", s.handleAsk)
	mux.HandleFunc("POST /v1/feedback", s.handleFeedback)
	mux.HandleFunc("GET /v1/faq", s.handleFAQ)
	mux.HandleFunc("POST /admin/reload", s.handleReload)
	if s.cfg.AdminToken.IsSet() {
		c, err := s.newConsole()
		if err != nil {
			return nil, err
		}
		s.console = c
		mux.Handle("/admin/", c)
	}
	// What no route matches gets a JSON 404, or 405 with Allow for a known
	// path asked with the wrong method.
	allowed := map[string]string{
		"/healthz": "GET", "/readyz": "GET", "/metrics": "GET",
		"/v1/ask": "POST", "/v1/feedback": "POST", "/v1/faq": "GET", "/admin/reload": "POST",
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// With the console off, /admin/ paths do not exist (but POST /admin/reload's 403).
		// The path as sent: /admin%2Freload is not /admin/reload to the
		// routes above, so it is not here either.
		p := r.URL.EscapedPath()
		if m, ok := allowed[p]; ok && (s.console != nil || !strings.HasPrefix(p, "/admin/")) {
			w.Header().Set("Allow", m)
			writeError(w, http.StatusMethodNotAllowed, p+" takes "+m)
			return
		}
		writeError(w, http.StatusNotFound, "no such endpoint: "+p)
	})
	for _, a := range s.adapters {
		wh, ok := a.(webhook)
		if !ok || wh.WebhookPath() == "" {
			continue
		}
		if err := mount(mux, "POST "+wh.WebhookPath(), wh); err != nil {
			return nil, fmt.Errorf("%s webhook: %w", a.Name(), err)
		}
		s.log.Info("webhook mounted", "adapter", a.Name(), "path", wh.WebhookPath())
	}
	if s.discordHTTP != nil {
		if err := mount(mux, "POST "+discordInteractionsPath, s.discordHTTP); err != nil {
			return nil, fmt.Errorf("discord interactions: %w", err)
		}
		s.log.Info("discord interactions endpoint mounted", "path", discordInteractionsPath)
	}
	return mux, nil
}

// mount registers h, turning ServeMux's panic on a bad or clashing pattern
// into an error.
func mount(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	path := strings.TrimPrefix(pattern, "POST ")
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "{} ") {
		return fmt.Errorf("path %q: must be a plain absolute path", path)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("path %q: %v", path, r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

func (s *server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// readiness is the body of GET /readyz.
type readiness struct {
	Ready      bool                    `json:"ready"`
	FAQ        faqStatus               `json:"faq"`
	LastReload lastReload              `json:"last_reload"`
	Adapters   map[string]adapterState `json:"adapters"`
	// Replica is set with database_url: this replica's id and the roles
	// it leads (the others stand by for them).
	Replica *replicaState `json:"replica,omitempty"`
}

type faqStatus struct {
	Version string `json:"version"`
	Entries int    `json:"entries"`
	File    string `json:"file"`
	// Problem says the file cannot be read now (deleted, say), while the
	// version above keeps serving; last_reload is the last attempt.
	Problem string `json:"problem,omitempty"`
}

type lastReload struct {
	OK         bool      `json:"ok"`
	Trigger    string    `json:"trigger"`
	At         time.Time `json:"at"`
	DurationMS float64   `json:"duration_ms"`
	Errors     []string  `json:"errors"`
}

type adapterState struct {
	Enabled   bool   `json:"enabled"`
	Connected bool   `json:"connected"`
	Reason    string `json:"reason,omitempty"`
}

// handleReady reports 200 when every enabled adapter is connected, 503
// otherwise, with the details either way. The FAQ is always loaded: serve
// does not start without one, and a failed reload keeps the last.
func (s *server) handleReady(w http.ResponseWriter, _ *http.Request) {
	t := s.live.Current()
	res, at := s.status.get()
	body := readiness{
		Ready:      true,
		FAQ:        faqStatus{Version: t.Version(), Entries: t.Len(), File: t.File(), Problem: s.faqFileProblem()},
		LastReload: lastReload{OK: res.OK, Trigger: res.Trigger, At: at.UTC(), DurationMS: durationMS(res.Duration), Errors: reloadErrors(res)},
		Adapters:   make(map[string]adapterState),
		Replica:    s.replica.state(),
	}
	for name, reason := range s.off {
		body.Adapters[name] = adapterState{Reason: reason}
	}
	for _, a := range s.adapters {
		st := adapterState{Enabled: true, Connected: a.Connected()}
		if !st.Connected {
			st.Reason = "not connected"
			body.Ready = false
		}
		body.Adapters[a.Name()] = st
	}
	code := http.StatusOK
	if !body.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

// faqFileProblem says why the configured FAQ file cannot be read now, or
// "" when it can (or the FAQ is the embedded one).
func (s *server) faqFileProblem() string {
	if s.cfg.FAQ == "" {
		return ""
	}
	f, err := os.Open(s.cfg.FAQ)
	if err != nil {
		return fmt.Sprintf("the FAQ file cannot be read now (%v); still serving the last good version", errors.Unwrap(err))
	}
	f.Close()
	return ""
}

// handleAsk answers {"question": "..."} with the object `travelbot ask
// --json` prints. The asker is identified for the API's own rate limit by
// API key when keys are set (and one is then required), by client address
// otherwise.
func (s *server) handleAsk(w http.ResponseWriter, r *http.Request) {
	asker, ok := s.api.asker(r)
	if !ok {
		s.log.Warn("api call refused", "path", r.URL.Path, "remote", s.api.clientIP(r), "reason", "missing or unknown API key")
		w.Header().Set("WWW-Authenticate", `Bearer realm="travelbot"`)
		writeError(w, http.StatusUnauthorized, "a valid Authorization: Bearer <API key> is required")
		return
	}
	var req struct {
		Question *string `json:"question"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAskBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxAskBody))
			return
		}
		writeError(w, http.StatusBadRequest, bodyProblem(err))
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) { // padding after the object counts too
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxAskBody))
			return
		}
		writeError(w, http.StatusBadRequest, "the body must be one JSON object, with nothing after it")
		return
	}
	switch {
	case req.Question == nil:
		writeError(w, http.StatusBadRequest, "\"question\" is required")
		return
	case bot.IsBlank(*req.Question) || invisible(*req.Question):
		writeError(w, http.StatusBadRequest, "\"question\" is empty (or only control, format or zero-width characters)")
		return
	case utf8.RuneCountInString(*req.Question) > maxAskQuestion:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("\"question\" is over %d characters", maxAskQuestion))
		return
	}
	reply := s.bot.Ask(r.Context(), bot.Message{Channel: "http", ChatKind: "http", UserID: asker, Text: *req.Question})
	if reply.Kind == bot.KindRateLimited {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(60/s.cfg.APIRateLimit.PerMinute))))
		writeError(w, http.StatusTooManyRequests, reply.Text)
		return
	}
	writeJSON(w, http.StatusOK, jsonReply(reply))
}

// bodyProblem says what is wrong with a body that did not decode, once:
// "the body must be a JSON object like {...}" when it is some other JSON
// value, the shape and the problem otherwise.
func bodyProblem(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field == "" {
		return jsonProblem(err)
	}
	return "the body must be a JSON object {\"question\": \"...\"}: " + jsonProblem(err)
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return "the body must be a JSON object like {\"question\": \"...\"}"
	case errors.As(err, &typ):
		return fmt.Sprintf("%q must be a %s", typ.Field, typ.Type)
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "invalid JSON"
}

// apiAccess decides who a /v1/ask caller is: an API key's holder when keys
// are configured, else a client address, read from X-Forwarded-For only
// when the peer is a trusted proxy (anyone else could set the header to
// dodge the rate limit).
type apiAccess struct {
	keys    map[[32]byte]string // sha256 of a key -> its opaque name
	trusted []netip.Prefix
}

func newAPIAccess(cfg *config.Config) (*apiAccess, error) {
	a := &apiAccess{keys: make(map[[32]byte]string)}
	for _, k := range cfg.Keys() {
		sum := hashToken(k)
		a.keys[sum] = "key:" + hex.EncodeToString(sum[:8])
	}
	for _, p := range cfg.TrustedProxies {
		pfx, err := config.ParseProxy(p)
		if err != nil {
			return nil, err
		}
		a.trusted = append(a.trusted, pfx)
	}
	return a, nil
}

// asker identifies the caller for the rate limit. ok is false when keys
// are configured and the request carries none of them. The identity never
// contains the key itself.
func (a *apiAccess) asker(r *http.Request) (id string, ok bool) {
	if len(a.keys) == 0 {
		return a.clientIP(r), true
	}
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	// A map lookup on the hash: the time it takes says nothing about
	// how close a guess was.
	id, ok = a.keys[hashToken(strings.TrimSpace(token))]
	return id, ok
}

// clientIP is the caller's address: the peer's, or, when the peer is a
// trusted proxy, the nearest address in X-Forwarded-For that is not one
// (read from the right, since each proxy appends what it saw).
func (a *apiAccess) clientIP(r *http.Request) string {
	peer := remoteIP(r)
	addr, err := netip.ParseAddr(peer)
	if err != nil || !a.isTrusted(addr) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a garbled chain: believe none of it
		}
		if !a.isTrusted(hop) {
			return hop.Unmap().String()
		}
		addr = hop
	}
	return addr.Unmap().String()
}

func (a *apiAccess) isTrusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range a.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// remoteIP is the peer's address, without the port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type faqEntry struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Tags     []string `json:"tags"`
}

func (s *server) handleFAQ(w http.ResponseWriter, _ *http.Request) {
	t := s.live.Current()
	body := struct {
		Version string     `json:"version"`
		Entries []faqEntry `json:"entries"`
	}{Version: t.Version(), Entries: make([]faqEntry, 0, t.Len())}
	for _, e := range t.Entries() {
		tags := e.Tags
		if tags == nil {
			tags = []string{}
		}
		body.Entries = append(body.Entries, faqEntry{ID: e.ID, Question: e.Question, Tags: tags})
	}
	writeJSON(w, http.StatusOK, body)
}

// handleReload reloads the FAQ for an operator holding the admin token.
func (s *server) handleReload(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.AdminToken.IsSet() {
		writeJSON(w, http.StatusForbidden, map[string]any{"ok": false, "error": "admin calls are disabled: TRAVELBOT_ADMIN_TOKEN is not set"})
		return
	}
	if !s.authorized(r) {
		if s.console != nil && r.Header.Get("Authorization") == "" && s.console.HasSession(r) {
			s.console.ServeHTTP(w, r) // a console session: it checks the CSRF token (403 without)
			return
		}
		s.log.Warn("admin call refused", "path", r.URL.Path, "remote", s.api.clientIP(r), "reason", "missing or wrong bearer token")
		w.Header().Set("WWW-Authenticate", `Bearer realm="travelbot"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error": "a valid Authorization: Bearer token is required"})
		return
	}
	res := s.reloader.Reload(r.Context(), "http")
	if !res.OK {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"ok": false, "errors": reloadErrors(res), "version": res.Version, "entries": res.Entries,
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"ok": true, "version": res.Version, "entries": res.Entries, "duration_ms": durationMS(res.Duration), "changed": res.Changed,
	})
}

// authorized checks the bearer token in constant time. Both sides are
// hashed first, so neither the comparison nor its length leaks the token.
func (s *server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := hashToken(strings.TrimSpace(token))
	return subtle.ConstantTimeCompare(got[:], s.adminHash[:]) == 1
}

func hashToken(t string) [32]byte { return sha256.Sum256([]byte(t)) }

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to tell it
}

// newConsole builds the admin console on the server's live FAQ, its one
// reload path, the learning loop's store and the adapters' states.
func (s *server) newConsole() (*console.Console, error) {
	o := console.Options{
		Token:          s.cfg.AdminToken.Value(),
		Tables:         s.live,
		Reloader:       s.reloader,
		LastReload:     s.status.get,
		Adapters:       s.adapterStates,
		TrustedProxies: s.api.trusted,
		Logger:         s.log,
	}
	if s.learning != nil && s.learning.db != nil {
		o.Store = s.learning.db
		o.Review = &consoleReview{db: s.learning.db, live: s.live, path: s.cfg.FAQ, now: time.Now}
	}
	c, err := console.New(o)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return c, nil
}

// adapterStates are the adapters' states as /readyz reports them.
func (s *server) adapterStates() []console.AdapterState {
	var out []console.AdapterState
	for name, reason := range s.off {
		out = append(out, console.AdapterState{Name: name, Reason: reason})
	}
	for _, a := range s.adapters {
		st := console.AdapterState{Name: a.Name(), Enabled: true, Connected: a.Connected()}
		if !st.Connected {
			st.Reason = "not connected"
		}
		out = append(out, st)
	}
	return out
}

// invisible reports whether q has nothing a reader sees: only spaces and
// control or format characters (zero-width spaces and joiners, BOMs,
// direction marks).
func invisible(q string) bool {
	for _, r := range q {
		if !unicode.IsSpace(r) && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) && r != utf8.RuneError {
			return false
		}
	}
	return true
}

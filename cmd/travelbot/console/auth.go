package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Cookie names. The session cookie is scoped to /admin/ and the login
// cookie (the CSRF token of the login form, double-submitted) to the form.
const (
	sessionCookie = "travelbot_session"
	loginCookie   = "travelbot_login"
)

// maxSessions bounds the sessions kept at once; the least recently used go
// first.
const maxSessions = 1000

// session is one logged-in browser.
type session struct {
	id      string
	hash    string // what the audit log shows: never the id itself
	csrf    string
	expires time.Time
	flash   *flash // shown once, by the next page
}

// flash is a POST's result, shown by the page it redirects to.
type flash struct {
	OK       bool
	Text     string
	Problems []string // file:line:col: message
}

// sessions are the console's sessions, in memory: a restart logs every
// admin out, which is what a restart of an admin tool should do. They are
// a golang-lru cache (the project's one bounded cache, unlocked under mu,
// which also guards the sessions' flashes), expired on the console's clock.
type sessions struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   *simplelru.LRU[string, *session]
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	m, _ := simplelru.NewLRU[string, *session](maxSessions, nil) // fails only for a size < 1
	return &sessions{ttl: ttl, now: now, m: m}
}

// randomToken is 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) create() *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	id := randomToken()
	sum := sha256.Sum256([]byte(id))
	s := &session{id: id, hash: hex.EncodeToString(sum[:6]), csrf: randomToken(), expires: ss.now().Add(ss.ttl)}
	ss.m.Add(id, s) // at maxSessions, evicts the least recently used
	return s
}

// get returns the live session of r's cookie.
func (ss *sessions) get(r *http.Request) (*session, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m.Get(ck.Value)
	if !ok {
		return nil, false
	}
	if !ss.now().Before(s.expires) {
		ss.m.Remove(s.id)
		return nil, false
	}
	return s, true
}

func (ss *sessions) end(s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.m.Remove(s.id)
}

// setFlash and takeFlash pass a POST's result to the next page.
func (ss *sessions) setFlash(s *session, f *flash) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.flash = f
}

func (ss *sessions) takeFlash(s *session) *flash {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

// backoff slows down failed logins per client: after n failures in a row,
// the next attempt is refused for 2^(n-1) seconds, at most maxBackoff. A
// success clears the client's record; records expire after a quiet day,
// and beyond maxClients the least recently failed client is forgotten
// first (a golang-lru cache, unlocked under mu).
type backoff struct {
	mu  sync.Mutex
	now func() time.Time
	m   *simplelru.LRU[string, *attempts]
}

type attempts struct {
	failures int
	until    time.Time // no attempt before this
	last     time.Time
}

const (
	maxBackoff  = 5 * time.Minute
	maxClients  = 10000
	forgetAfter = 24 * time.Hour
)

func newBackoff(now func() time.Time) *backoff {
	m, _ := simplelru.NewLRU[string, *attempts](maxClients, nil) // fails only for a size < 1
	return &backoff{now: now, m: m}
}

// wait is how long client must wait before its next attempt (0: now).
func (b *backoff) wait(client string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	a, ok := b.m.Peek(client)
	if !ok {
		return 0
	}
	return max(0, a.until.Sub(b.now()))
}

// fail counts a failed attempt and returns the client's failures in a row.
func (b *backoff) fail(client string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	a, ok := b.m.Get(client)
	if !ok || now.Sub(a.last) > forgetAfter {
		a = &attempts{}
		b.m.Add(client, a)
	}
	a.failures++
	a.last = now
	d := maxBackoff
	if a.failures <= 10 {
		d = min(maxBackoff, time.Second<<(a.failures-1))
	}
	a.until = now.Add(d)
	return a.failures
}

func (b *backoff) clear(client string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.Remove(client)
}

// peer is the address the request came from, unmapped.
func peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func (c *Console) trusted(a netip.Addr) bool {
	for _, p := range c.o.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// client is who is logging in: the peer, or, behind a trusted proxy, the
// last address in X-Forwarded-For that is not itself a trusted proxy.
func (c *Console) client(r *http.Request) string {
	a := peer(r)
	if !c.trusted(a) {
		return a.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if h = h.Unmap(); !c.trusted(h) {
			return h.String()
		}
	}
	return a.String()
}

// secure reports whether the browser reached us over TLS: directly, or
// through a trusted proxy that says so.
func (c *Console) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return c.trusted(peer(r)) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// tokenOK compares a submitted token with the admin token in constant time;
// both are hashed first, so neither the comparison nor its length leaks it.
func (c *Console) tokenOK(got string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(c.o.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// loginData is the login page's.
type loginData struct {
	Error string
}

// loginForm shows the form, with a fresh login CSRF token in a cookie and
// in the form (double submit: a cross-site form cannot read the cookie).
func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.sessions.get(r); ok {
		seeOther(w, r, "/admin/")
		return
	}
	c.showLogin(w, r, http.StatusOK, "")
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, code int, msg string) {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: tok, Path: "/admin/login", MaxAge: 3600,
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode,
	})
	c.render(w, code, "login", page{Title: "Log in", CSRF: tok, Data: loginData{Error: msg}})
}

// login checks the token. A wrong one gets the form again with an error,
// is logged, and slows the client down; the right one gets a session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		c.showLogin(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), ck.Value) || !c.sameOrigin(r) {
		c.log.Warn("console: login without its form token", "client", c.client(r))
		c.showLogin(w, r, http.StatusForbidden, "The form had expired. Please try again.")
		return
	}
	who := c.client(r)
	if d := c.backoff.wait(who); d > 0 {
		secs := int(math.Ceil(d.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		c.showLogin(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts. Try again in %d seconds.", secs))
		return
	}
	if !c.tokenOK(r.PostForm.Get("token")) {
		n := c.backoff.fail(who)
		c.log.Warn("console: failed login", "client", who, "failures", n)
		c.record(r.Context(), nil, "login failed", "from "+who)
		c.showLogin(w, r, http.StatusUnauthorized, "That is not the admin token.")
		return
	}
	c.backoff.clear(who)
	s := c.sessions.create()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: s.id, Path: "/admin/", Expires: s.expires, MaxAge: int(c.o.SessionTTL.Seconds()),
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode,
	})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/admin/login", MaxAge: -1})
	c.log.Info("console: login", "client", who, "session", s.hash)
	c.record(r.Context(), s, "login", "from "+who)
	seeOther(w, r, "/admin/")
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) {
	c.sessions.end(s)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/admin/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	c.record(r.Context(), s, "logout", "")
	seeOther(w, r, "/admin/login")
}

// sameOrigin refuses a request whose Origin header names another site.
// Browsers send Origin on every POST; its absence (curl) is left to the
// CSRF token.
func (c *Console) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	_, host, ok := strings.Cut(o, "://")
	return ok && strings.EqualFold(host, r.Host)
}

// maxForm bounds a console form: a pasted draft FAQ and its cases.
const maxForm = 4 << 20

// authed wraps a handler that needs a session. Without one, GET redirects
// to the login form and anything else gets 403. A request that is not a
// GET or HEAD also needs the session's CSRF token (form field csrf, or the
// X-CSRF-Token header): 403 without it.
func (c *Console) authed(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.sessions.get(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				seeOther(w, r, "/admin/login")
				return
			}
			c.fail(w, r, nil, http.StatusForbidden, "You are not logged in (or your session has expired).")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			tok := r.Header.Get("X-CSRF-Token")
			if tok == "" {
				if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
					_ = r.ParseMultipartForm(maxForm)
				}
				tok = r.FormValue("csrf")
			}
			if !sameToken(tok, s.csrf) || !c.sameOrigin(r) {
				c.log.Warn("console: request without its CSRF token", "path", r.URL.Path, "session", s.hash)
				c.fail(w, r, s, http.StatusForbidden, "This request did not carry the page's security token. Reload the page and try again.")
				return
			}
		}
		h(w, r, s)
	}
}

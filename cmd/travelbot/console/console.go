// Package console is travelbot's admin console in the browser, served by
// `travelbot serve` at /admin/ when TRAVELBOT_ADMIN_TOKEN is set: a login
// with the admin token, an overview (FAQ, reloads, adapters, questions per
// hour, top entries, votes, review clusters), a test pane that shows what
// the bot would do with a question and why (and what a draft FAQ would do),
// the learning loop's review queue, and the entries.
//
// Pages are html/template, embedded; every form works without JavaScript
// and the one small script is progressive. Every state-changing request
// needs a session and its CSRF token; every admin action is recorded.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"travelbot/bot"
	"travelbot/bot/store"
	"travelbot/faq"
)

// Tables gives the table serving now. *faq.Live satisfies it.
type Tables interface {
	Current() *faq.Table
}

// Reloader is the one reload path every trigger uses. *faq.Reloader
// satisfies it.
type Reloader interface {
	Reload(ctx context.Context, trigger string) faq.ReloadResult
}

// Store is what the console reads from the learning loop's store and
// writes to it (the audit log). store.Store satisfies it.
type Store interface {
	Counts(ctx context.Context, f store.Filter, bucket time.Duration) ([]store.Count, error)
	TopEntries(ctx context.Context, f store.Filter, n int) ([]store.EntryStats, error)
	Votes(ctx context.Context, f store.Filter) (store.Votes, error)
	RecordAction(ctx context.Context, a store.Action) error
	Actions(ctx context.Context, n int) ([]store.Action, error)
	Reloads(ctx context.Context, n int) ([]store.Reload, error)
}

// Review is the learning loop's review queue: the clusters of questions
// the FAQ missed, and what an admin does with them.
type Review interface {
	// Clusters returns the open clusters, largest first.
	Clusters(ctx context.Context) ([]Cluster, error)
	// Promote adds p.Text to the alternates of p.Entry (or to the FAQ's
	// negatives) in the FAQ file, and marks the cluster promoted. It does
	// not reload: the console reloads through the Reloader afterwards. A
	// change that would make the FAQ invalid is refused with a
	// *faq.ValidationError listing its problems.
	Promote(ctx context.Context, p Promotion) error
	// Dismiss marks a cluster dismissed: it leaves the queue.
	Dismiss(ctx context.Context, clusterID string) error
}

// Cluster is a group of similar questions the FAQ missed.
type Cluster struct {
	ID       string
	Kind     string // "unanswered", "abandoned", "downvoted", ...
	Count    int
	Examples []string // redacted
	// Suggested is the entry the matcher would suggest, with its
	// confidence; "" when none.
	Suggested  string
	Confidence float64
	DownShare  float64 // the share of 👎 among its votes, 0-1
}

// Promotion is what an admin chose to do with a cluster.
type Promotion struct {
	ClusterID string
	Entry     string // the entry whose alternates get Text; "" with Negative
	Negative  bool   // add Text to the FAQ's negatives instead
	Text      string
}

// AdapterState is one chat adapter's state, for the overview.
type AdapterState struct {
	Name      string
	Enabled   bool
	Connected bool
	Reason    string // why it is off or not connected
}

// Options configure a Console. Token, Tables and Reloader are required.
type Options struct {
	// Token is the admin token (TRAVELBOT_ADMIN_TOKEN). Never logged.
	Token    string
	Tables   Tables
	Reloader Reloader
	// Store is the learning loop's store; nil: no charts, no history,
	// and the audit log is kept in memory only.
	Store Store
	// Review is the review queue; nil: the page says it is off.
	Review Review
	// Adapters reports the chat adapters' states; nil: none shown.
	Adapters func() []AdapterState
	// LastReload reports the latest reload attempt and when it was; nil:
	// only the store's reload history is shown.
	LastReload func() (faq.ReloadResult, time.Time)
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed.
	TrustedProxies []netip.Prefix
	// SessionTTL is how long a session lasts after login (default 8h).
	SessionTTL time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
}

// Console serves the admin console. It is safe for concurrent use.
type Console struct {
	o        Options
	log      *slog.Logger
	now      func() time.Time
	preview  *bot.Bot
	mux      *http.ServeMux
	pages    map[string]*template.Template
	static   http.Handler
	sessions *sessions
	backoff  *backoff

	mu      sync.Mutex
	actions []store.Action // the audit log when there is no store, newest last
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns a Console. It fails when a required option is missing or a
// template does not parse.
func New(o Options) (*Console, error) {
	switch {
	case o.Token == "":
		return nil, errors.New("console: no admin token")
	case o.Tables == nil || o.Reloader == nil:
		return nil, errors.New("console: Tables and Reloader are required")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 8 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Console{
		o:   o,
		log: o.Logger,
		now: o.Now,
		// The test pane's bot: the same conversation as the adapters',
		// with nothing recorded, observed, logged or rate limited (its
		// log lines would read as questions asked on Telegram and
		// Discord).
		preview:  bot.New(bot.Options{Tables: o.Tables, Now: o.Now}),
		sessions: newSessions(o.SessionTTL, o.Now),
		backoff:  newBackoff(o.Now),
	}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c.static = http.StripPrefix("/admin/static/", http.FileServerFS(sub))
	c.routes()
	return c, nil
}

func (c *Console) parseTemplates() error {
	c.pages = make(map[string]*template.Template)
	for _, name := range []string{"login", "overview", "test", "review", "entries", "error"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("console: template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return nil
}

func (c *Console) routes() {
	m := http.NewServeMux()
	m.Handle("GET /admin/static/", c.static)
	m.HandleFunc("GET /admin/login", c.loginForm)
	m.HandleFunc("POST /admin/login", c.login)
	m.HandleFunc("POST /admin/logout", c.authed(c.logout))
	m.HandleFunc("GET /admin/{$}", c.authed(c.overview))
	m.HandleFunc("POST /admin/reload", c.authed(c.reload))
	m.HandleFunc("GET /admin/test", c.authed(c.testPane))
	m.HandleFunc("POST /admin/test", c.authed(c.test))
	m.HandleFunc("POST /admin/draft", c.authed(c.draft))
	m.HandleFunc("GET /admin/review", c.authed(c.reviewQueue))
	m.HandleFunc("POST /admin/review/promote", c.authed(c.promote))
	m.HandleFunc("POST /admin/review/dismiss", c.authed(c.dismiss))
	m.HandleFunc("GET /admin/entries", c.authed(c.entries))
	m.HandleFunc("/admin/", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		c.fail(w, r, s, http.StatusNotFound, "There is no such page.")
	}))
	c.mux = m
}

// ServeHTTP serves every path under /admin/, with the console's security
// headers on every response.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: with no-referrer browsers send
	// "Origin: null" on form posts, and sameOrigin could not tell.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

// HasSession reports whether r carries a live console session cookie
// (whatever its CSRF token). The server uses it to hand POST /admin/reload
// without a bearer token to the console, which then checks the CSRF token.
func (c *Console) HasSession(r *http.Request) bool {
	_, ok := c.sessions.get(r)
	return ok
}

// record appends an admin action to the audit log: the store's, or the
// console's own when there is none. It never fails the action: a store
// error is logged.
func (c *Console) record(ctx context.Context, s *session, action, detail string) {
	a := store.Action{Time: c.now().UTC(), Action: action, Detail: detail}
	if s != nil {
		a.Session = s.hash
	}
	if c.o.Store != nil {
		if err := c.o.Store.RecordAction(context.WithoutCancel(ctx), a); err != nil {
			c.log.Error("console: recording an admin action", "action", action, "err", err)
		}
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.actions = append(c.actions, a)
	if len(c.actions) > maxMemActions {
		c.actions = c.actions[len(c.actions)-maxMemActions:]
	}
}

const maxMemActions = 200

// recentActions returns the latest n admin actions, newest first.
func (c *Console) recentActions(ctx context.Context, n int) ([]store.Action, error) {
	if c.o.Store != nil {
		return c.o.Store.Actions(ctx, n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]store.Action, 0, min(n, len(c.actions)))
	for i := len(c.actions) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, c.actions[i])
	}
	return out, nil
}

// page is what every page's template gets.
type page struct {
	Title  string
	Active string // the nav item
	CSRF   string
	Flash  *flash
	Data   any
}

// render writes a page; a template error is logged and answered 500.
func (c *Console) render(w http.ResponseWriter, code int, name string, p page) {
	var b strings.Builder
	if err := c.pages[name].Execute(&b, p); err != nil {
		c.log.Error("console: rendering a page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String())) // the browser went away; nothing to tell it
}

// fail answers with the error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, code int, msg string) {
	p := page{Title: http.StatusText(code), Data: msg}
	if s != nil {
		p.CSRF = s.csrf
	}
	c.render(w, code, "error", p)
}

// seeOther redirects after a POST to a page that shows its result.
func seeOther(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

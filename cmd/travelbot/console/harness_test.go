package console

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"travelbot/bot/store"
	"travelbot/bot/store/sqlite"
	"travelbot/faq"
	"travelbot/internal/testutil"
	"travelbot/seeds"
)

const testToken = "s3cret-admin-token"

// harness is a console over the seed FAQ copied into a temp dir, a real
// reloader on that file, a real SQLite store and a fake review queue, on
// httptest.
type harness struct {
	t        testing.TB
	c        *Console
	srv      *httptest.Server
	live     *faq.Live
	reloader *faq.Reloader
	db       *sqlite.DB
	clock    *testutil.Clock
	faqPath  string
	review   *fakeReview
}

var (
	seedOnce  sync.Once
	seedTable *faq.Table
	seedErr   error
)

// sharedDir holds the seed FAQ and its cases for the shared table; TestMain
// makes and removes it.
var sharedDir string

// seedTableOnce compiles the seed FAQ once for the package's tests: the
// table is immutable, so tests share it.
func seedTableOnce(t testing.TB) *faq.Table {
	t.Helper()
	seedOnce.Do(func() {
		path := filepath.Join(sharedDir, "faq.yaml")
		if seedErr = writeSeeds(sharedDir); seedErr != nil {
			return
		}
		var f *faq.Document
		if f, seedErr = faq.Load(path); seedErr == nil {
			seedTable, seedErr = faq.Compile(f)
		}
	})
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	return seedTable
}

func newHarness(t testing.TB, edit func(*Options)) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, clock: testutil.NewClock(time.Date(2026, 2, 10, 15, 30, 0, 0, time.UTC))}
	h.faqPath = filepath.Join(dir, "faq.yaml")
	if err := writeSeeds(dir); err != nil {
		t.Fatal(err)
	}
	// Every harness starts from the same bytes, so the shared table has
	// the right version; it names the shared file, which only the overview
	// shows, until the first reload.
	tab := seedTableOnce(t)
	h.live = faq.NewLive(tab)
	h.reloader = faq.NewReloader(h.live, func(context.Context) (*faq.Document, error) { return faq.Load(h.faqPath) })
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.db = db
	h.reloader.OnReload = func(res faq.ReloadResult) {
		rec := store.Reload{Time: h.clock.Now(), Trigger: res.Trigger, OK: res.OK, Changed: res.Changed, Version: res.Version, Entries: res.Entries, Duration: res.Duration}
		for _, p := range res.Problems {
			rec.Problems = append(rec.Problems, p.String())
		}
		if err := db.RecordReload(context.Background(), rec); err != nil {
			t.Errorf("record reload: %v", err)
		}
	}
	h.review = &fakeReview{path: h.faqPath, clusters: []Cluster{
		{ID: "c1", Kind: "unanswered", Count: 4, Examples: []string{"where can i watch curling with other americans", "americans watching curling"}, Suggested: "consulate-milan", Confidence: 0.21, DownShare: 0},
		{ID: "c2", Kind: "downvoted", Count: 2, Examples: []string{"is the metro running at night"}, DownShare: 1},
	}}
	o := Options{
		Token:    testToken,
		Tables:   h.live,
		Reloader: h.reloader,
		Store:    db,
		Review:   h.review,
		Adapters: func() []AdapterState {
			return []AdapterState{{Name: "telegram", Enabled: true, Connected: true}, {Name: "discord", Reason: "no token"}}
		},
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")},
		Now:            h.clock.Now,
	}
	if edit != nil {
		edit(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	h.srv = httptest.NewServer(c)
	t.Cleanup(h.srv.Close)
	return h
}

func writeSeeds(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "faq.yaml"), seeds.FAQ, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "cases.yaml"), seeds.Cases, 0o644)
}

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "console-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedDir = dir
	code := m.Run()
	stopChromium()
	os.RemoveAll(dir)
	os.Exit(code)
}

// client is a browser without JavaScript: cookies kept, redirects not
// followed, so tests see each response.
type client struct {
	t    testing.TB
	h    *harness
	http *http.Client
	csrf string // the last page's CSRF token
	// header is sent with every request (X-Forwarded-For, say).
	header map[string]string
}

func (h *harness) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &client{t: h.t, h: h, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a request and returns the response with its body read; a page
// with a CSRF token updates the client's.
func (cl *client) do(method, path string, form url.Values, header map[string]string) (*http.Response, string) {
	cl.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, cl.h.srv.URL+path, body)
	if err != nil {
		cl.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, hs := range []map[string]string{cl.header, header} {
		for k, v := range hs {
			req.Header.Set(k, v)
		}
	}
	res, err := cl.http.Do(req)
	if err != nil {
		cl.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		cl.t.Fatal(err)
	}
	if m := csrfField.FindSubmatch(b); m != nil {
		cl.csrf = string(m[1])
	}
	return res, string(b)
}

func (cl *client) get(path string) (*http.Response, string) { return cl.do("GET", path, nil, nil) }

// post sends a form with the page's CSRF token added.
func (cl *client) post(path string, form url.Values) (*http.Response, string) {
	cl.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", cl.csrf)
	return cl.do("POST", path, form, nil)
}

// login opens the form and posts token; it returns the POST's response.
func (cl *client) login(token string) (*http.Response, string) {
	cl.t.Helper()
	if res, _ := cl.get("/admin/login"); res.StatusCode != http.StatusOK {
		cl.t.Fatalf("GET /admin/login: %d", res.StatusCode)
	}
	return cl.post("/admin/login", url.Values{"token": {token}})
}

// mustLogin logs in and loads the overview, so the client holds its CSRF
// token.
func (cl *client) mustLogin() {
	cl.t.Helper()
	res, body := cl.login(testToken)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/" {
		cl.t.Fatalf("login: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	if res, body := cl.get("/admin/"); res.StatusCode != http.StatusOK {
		cl.t.Fatalf("GET /admin/ after login: %d\n%s", res.StatusCode, body)
	}
}

// fakeReview is a review queue in memory whose Promote edits the FAQ file
// for real: one line inserted where yaml.v3 says the list is, as the
// learning loop's promote does.
type fakeReview struct {
	mu       sync.Mutex
	path     string
	clusters []Cluster
	promoted []Promotion
	fail     error // Promote's error, when set
}

func (f *fakeReview) Clusters(context.Context) ([]Cluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Cluster(nil), f.clusters...), nil
}

func (f *fakeReview) remove(id string) bool {
	for i, c := range f.clusters {
		if c.ID == id {
			f.clusters = append(f.clusters[:i], f.clusters[i+1:]...)
			return true
		}
	}
	return false
}

func (f *fakeReview) Dismiss(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.remove(id) {
		return fmt.Errorf("no cluster %q", id)
	}
	return nil
}

func (f *fakeReview) Promote(_ context.Context, p Promotion) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	list := listNode(doc.Content[0], p)
	if list == nil || len(list.Content) == 0 {
		return fmt.Errorf("no list to add to for %+v", p)
	}
	first := list.Content[0]
	lines := strings.SplitAfter(string(data), "\n")
	item := strings.Repeat(" ", first.Column-3) + "- " + strconv.Quote(p.Text) + "\n"
	lines = append(lines[:first.Line-1], append([]string{item}, lines[first.Line-1:]...)...)
	if err := os.WriteFile(f.path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		return err
	}
	f.remove(p.ClusterID)
	f.promoted = append(f.promoted, p)
	return nil
}

// listNode finds the negatives, or the alternates of p.Entry.
func listNode(root *yaml.Node, p Promotion) *yaml.Node {
	get := func(m *yaml.Node, key string) *yaml.Node {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i+1]
			}
		}
		return nil
	}
	if p.Negative {
		return get(root, "negatives")
	}
	for _, e := range get(root, "entries").Content {
		if id := get(e, "id"); id != nil && id.Value == p.Entry {
			return get(e, "alternates")
		}
	}
	return nil
}

func (f *fakeReview) promotions() []Promotion {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Promotion(nil), f.promoted...)
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFileT(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

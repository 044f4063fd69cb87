package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"travelbot/config"
)

// Without an admin token the console does not exist: every /admin/ path is
// 404, and POST /admin/reload keeps its 403.
func TestConsoleOffWithoutAdminToken(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) { c.DataDir = t.TempDir() })
	for _, tc := range []struct{ method, path string }{
		{"GET", "/admin/"}, {"GET", "/admin/login"}, {"POST", "/admin/login"}, {"GET", "/admin/test"},
		{"POST", "/admin/test"}, {"GET", "/admin/review"}, {"GET", "/admin/entries"}, {"GET", "/admin/static/style.css"},
		{"GET", "/admin/reload"}, {"POST", "/admin/reload"}, {"POST", "/admin/logout"},
	} {
		code, _, _ := call(t, tc.method, ts.url+tc.path, "", nil)
		if code != http.StatusNotFound && code != http.StatusForbidden {
			t.Errorf("%s %s: %d, want 404 or 403", tc.method, tc.path, code)
		}
	}
}

// consoleBrowser is a cookie-keeping client logged in to ts's console.
type consoleBrowser struct {
	t    *testing.T
	ts   *testServer
	http *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *consoleBrowser) send(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.ts.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return res, string(body)
}

func newConsoleBrowser(t *testing.T, ts *testServer, token string) *consoleBrowser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &consoleBrowser{t: t, ts: ts, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if res, _ := b.send("GET", "/admin/", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
		t.Fatalf("GET /admin/ without a session: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	b.send("GET", "/admin/login", nil)
	if res, _ := b.send("POST", "/admin/login", url.Values{"token": {token}, "csrf": {b.csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	if res, page := b.send("GET", "/admin/", nil); res.StatusCode != http.StatusOK || b.csrf == "" {
		t.Fatalf("the overview after login: %d\n%s", res.StatusCode, page)
	}
	return b
}

// With the token, the console is mounted; POST /admin/reload takes the
// bearer token as before, or a console session with its CSRF token.
func TestConsoleMountedWithAdminToken(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) {
		c.AdminToken = config.NewSecret("tok")
		c.DataDir = t.TempDir()
	})
	b := newConsoleBrowser(t, ts, "tok")
	if res, _ := b.send("POST", "/admin/reload", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST /admin/reload with a session and no CSRF token: %d, want 403", res.StatusCode)
	}
	if res, _ := b.send("POST", "/admin/reload", url.Values{"csrf": {b.csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /admin/reload with a session and its CSRF token: %d, want 303", res.StatusCode)
	}
	if code, _, _ := call(t, "POST", ts.url+"/admin/reload", "", nil); code != http.StatusUnauthorized {
		t.Errorf("POST /admin/reload with neither: %d, want 401", code)
	}
	if code, body, _ := call(t, "POST", ts.url+"/admin/reload", "", map[string]string{"Authorization": "Bearer tok"}); code != http.StatusOK || body["ok"] != true {
		t.Errorf("POST /admin/reload with the bearer token: %d %v", code, body)
	}
}

// A question the FAQ missed shows up in the console's review queue; the
// promote there edits the file, reloads, and the question is answered.
func TestConsoleReviewPromotesThroughServe(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) {
		c.AdminToken = config.NewSecret("tok")
		c.DataDir = t.TempDir()
	})
	const q = "where do I rent skis and boots near the slopes"
	ask := func() map[string]any {
		code, body, _ := call(t, "POST", ts.url+"/v1/ask", `{"question": "`+q+`"}`, nil)
		if code != http.StatusOK {
			t.Fatalf("/v1/ask: %d %v", code, body)
		}
		return body
	}
	if got := ask(); got["outcome"] == "answer" {
		t.Fatalf("the question is already answered: %v", got)
	}
	if err := ts.learning.writer.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newConsoleBrowser(t, ts, "tok")
	_, page := b.send("GET", "/admin/review", nil)
	m := regexp.MustCompile(`id="cluster-([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the review queue lists no cluster:\n%s", page)
	}
	before := ts.live.Current().Version()
	res, _ := b.send("POST", "/admin/review/promote", url.Values{"csrf": {b.csrf}, "cluster": {m[1]}, "entry": {"airport"}, "text": {q}, "as": {"alternate"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote: %d", res.StatusCode)
	}
	_, page = b.send("GET", "/admin/review", nil)
	if strings.Contains(page, `id="cluster-`+m[1]+`"`) {
		t.Errorf("the promoted cluster is still in the queue")
	}
	if ts.live.Current().Version() == before {
		t.Fatalf("no new FAQ serving after the promote; the page said:\n%s", page)
	}
	if data, _ := os.ReadFile(ts.faqPath); !strings.Contains(string(data), q) {
		t.Errorf("the FAQ file lacks the alternate:\n%s", data)
	}
	if got := ask(); got["outcome"] != "answer" || got["id"] != "airport" {
		t.Errorf("after the promote the question gets %v %v, want the airport entry", got["outcome"], got["id"])
	}
}

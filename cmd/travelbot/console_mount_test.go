package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
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

// With the token, the console is mounted; POST /admin/reload takes the
// bearer token as before, or a console session with its CSRF token.
func TestConsoleMountedWithAdminToken(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) {
		c.AdminToken = config.NewSecret("tok")
		c.DataDir = t.TempDir()
	})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	if res, _ := send("GET", "/admin/", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
		t.Fatalf("GET /admin/ without a session: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	_, form := send("GET", "/admin/login", nil)
	m := csrf.FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("no login form:\n%s", form)
	}
	if res, _ := send("POST", "/admin/login", url.Values{"token": {"tok"}, "csrf": {m[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	_, page := send("GET", "/admin/", nil)
	if m = csrf.FindStringSubmatch(page); m == nil {
		t.Fatalf("no CSRF token on the overview:\n%s", page)
	}
	if res, _ := send("POST", "/admin/reload", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST /admin/reload with a session and no CSRF token: %d, want 403", res.StatusCode)
	}
	if res, _ := send("POST", "/admin/reload", url.Values{"csrf": {m[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /admin/reload with a session and its CSRF token: %d, want 303", res.StatusCode)
	}
	if code, _, _ := call(t, "POST", ts.url+"/admin/reload", "", nil); code != http.StatusUnauthorized {
		t.Errorf("POST /admin/reload with neither: %d, want 401", code)
	}
	if code, body, _ := call(t, "POST", ts.url+"/admin/reload", "", map[string]string{"Authorization": "Bearer tok"}); code != http.StatusOK || body["ok"] != true {
		t.Errorf("POST /admin/reload with the bearer token: %d %v", code, body)
	}
}

package console

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"travelbot/bot/store"
	"travelbot/faq"
)

func sessionCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie && c.MaxAge >= 0 && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestWithoutSessionPagesRedirectToLogin(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	for _, path := range []string{"/admin/", "/admin/test", "/admin/review", "/admin/entries", "/admin/nowhere"} {
		res, _ := cl.get(path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
			t.Errorf("GET %s: %d to %q, want 303 to /admin/login", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, path := range []string{"/admin/reload", "/admin/test", "/admin/draft", "/admin/review/promote", "/admin/review/dismiss", "/admin/logout"} {
		res, _ := cl.do("POST", path, url.Values{"question": {"hi"}}, nil)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a session: %d, want 403", path, res.StatusCode)
		}
	}
}

func TestWrongTokenGetsTheFormAgainAndNoCookie(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	res, body := cl.login("not-the-token")
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", res.StatusCode)
	}
	if c := sessionCookieOf(res); c != nil {
		t.Errorf("a wrong token got a session cookie: %v", c)
	}
	if !strings.Contains(body, `id="login-error"`) || !strings.Contains(body, `name="token"`) {
		t.Errorf("the form is not shown again with an error:\n%s", body)
	}
	if res, _ := cl.get("/admin/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after a failed login GET /admin/ = %d, want a redirect to the login", res.StatusCode)
	}
	acts, err := h.db.Actions(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Action != "login failed" || acts[0].Session != "" {
		t.Errorf("audit log = %+v, want one failed login without a session", acts)
	}
}

func TestFailedLoginsAreSlowedDown(t *testing.T) {
	// Behind a trusted proxy, so that two clients have two addresses.
	h := newHarness(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	cl := h.client()
	cl.header = map[string]string{"X-Forwarded-For": "198.51.100.4"}
	if res, _ := cl.login("wrong"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("first wrong token: %d", res.StatusCode)
	}
	// Within the wait, even the right token is refused.
	res, body := cl.login(testToken)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || sessionCookieOf(res) != nil {
		t.Fatalf("second try within the back-off: %d Retry-After %q cookie %v\n%s", res.StatusCode, res.Header.Get("Retry-After"), sessionCookieOf(res), body)
	}
	h.clock.Advance(1100 * time.Millisecond)
	if res, _ := cl.login("wrong again"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after the wait: %d", res.StatusCode)
	}
	// Two failures: two seconds now.
	h.clock.Advance(1100 * time.Millisecond)
	if res, _ := cl.login(testToken); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second back-off should last 2s: %d", res.StatusCode)
	}
	// Another client is not held back.
	other := h.client()
	other.header = map[string]string{"X-Forwarded-For": "198.51.100.5"}
	if res, _ := other.login(testToken); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another client: %d, want 303", res.StatusCode)
	}
	h.clock.Advance(time.Second)
	if res, _ := cl.login(testToken); res.StatusCode != http.StatusSeeOther || sessionCookieOf(res) == nil {
		t.Errorf("after the back-off: %d, want 303 with a session", res.StatusCode)
	}
}

func TestLoginCookie(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name       string
		header     map[string]string
		wantSecure bool
	}{
		{"plain HTTP", nil, false},
		// httptest's peer is 127.0.0.1, not a trusted proxy: its header is not believed.
		{"X-Forwarded-Proto from an untrusted peer", map[string]string{"X-Forwarded-Proto": "https"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cl := h.client()
			cl.get("/admin/login")
			res, _ := cl.do("POST", "/admin/login", url.Values{"token": {testToken}, "csrf": {cl.csrf}}, tc.header)
			c := sessionCookieOf(res)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/" || c == nil {
				t.Fatalf("login: %d to %q, cookie %v", res.StatusCode, res.Header.Get("Location"), c)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin/" || c.Secure != tc.wantSecure {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/admin/, Secure=%v", c, tc.wantSecure)
			}
		})
	}
}

func TestSecureCookieBehindTrustedProxy(t *testing.T) {
	tests := []struct {
		peer, proto string
		want        bool
	}{
		{"10.9.1.2:4000", "https", true},
		{"10.9.1.2:4000", "http", false},
		{"192.0.2.7:4000", "https", false},
	}
	h := newHarness(t, nil)
	for _, tc := range tests {
		r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{"X-Forwarded-Proto": {tc.proto}}}
		if got := h.c.secure(r); got != tc.want {
			t.Errorf("peer %s proto %s: secure = %v, want %v", tc.peer, tc.proto, got, tc.want)
		}
	}
	r := &http.Request{RemoteAddr: "10.9.1.2:4000", Header: http.Header{"X-Forwarded-For": {"198.51.100.4, 10.9.0.8"}}}
	if got := h.c.client(r); got != "198.51.100.4" {
		t.Errorf("client behind two trusted proxies = %s, want 198.51.100.4", got)
	}
	r = &http.Request{RemoteAddr: "192.0.2.7:4000", Header: http.Header{"X-Forwarded-For": {"198.51.100.4"}}}
	if got := h.c.client(r); got != "192.0.2.7" {
		t.Errorf("an untrusted peer's X-Forwarded-For was believed: %s", got)
	}
}

func TestLoginNeedsItsFormToken(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	res, _ := cl.do("POST", "/admin/login", url.Values{"token": {testToken}}, nil)
	if res.StatusCode != http.StatusForbidden || sessionCookieOf(res) != nil {
		t.Errorf("login without the form's token: %d, cookie %v; want 403 and none", res.StatusCode, sessionCookieOf(res))
	}
	cl.get("/admin/login")
	res, _ = cl.do("POST", "/admin/login", url.Values{"token": {testToken}, "csrf": {cl.csrf}}, map[string]string{"Origin": "https://evil.example"})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("login from another origin: %d, want 403", res.StatusCode)
	}
}

func TestPostsNeedTheCSRFToken(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	forms := map[string]url.Values{
		"/admin/reload":         {},
		"/admin/test":           {"question": {"how do I contact the embassy"}},
		"/admin/draft":          {"draft": {"version: 1\n"}},
		"/admin/review/promote": {"cluster": {"c1"}, "entry": {"consulate-milan"}, "text": {"x"}, "as": {"alternate"}},
		"/admin/review/dismiss": {"cluster": {"c1"}},
		"/admin/logout":         {},
	}
	for path, form := range forms {
		for _, tok := range []string{"", "forged"} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if tok != "" {
				f.Set("csrf", tok)
			}
			res, _ := cl.do("POST", path, f, nil)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q: %d, want 403", path, tok, res.StatusCode)
			}
		}
	}
	if len(h.review.promotions()) != 0 {
		t.Errorf("a forged promote went through: %+v", h.review.promotions())
	}
	if cl, _ := h.review.Clusters(context.Background()); len(cl) != 2 {
		t.Errorf("a forged dismiss went through: %d clusters left", len(cl))
	}
	// The session is still good, and with its token the same POST works.
	res, body := cl.post("/admin/test", url.Values{"question": {"how do I contact the embassy"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="outcome"`) {
		t.Errorf("POST /admin/test with the token: %d\n%s", res.StatusCode, body)
	}
	res, _ = cl.do("POST", "/admin/reload", url.Values{}, map[string]string{"X-CSRF-Token": cl.csrf})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /admin/reload with the X-CSRF-Token header: %d, want 303", res.StatusCode)
	}
}

func TestSessionsExpireAndLogoutEndsThem(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.SessionTTL = time.Hour })
	cl := h.client()
	cl.mustLogin()
	h.clock.Advance(59 * time.Minute)
	if res, _ := cl.get("/admin/"); res.StatusCode != http.StatusOK {
		t.Fatalf("within the TTL: %d", res.StatusCode)
	}
	h.clock.Advance(2 * time.Minute)
	if res, _ := cl.get("/admin/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the TTL: %d, want a redirect to the login", res.StatusCode)
	}

	cl = h.client()
	cl.mustLogin()
	res, _ := cl.post("/admin/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
		t.Fatalf("logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := cl.get("/admin/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a redirect to the login", res.StatusCode)
	}
	acts, _ := h.db.Actions(context.Background(), 10)
	var names []string
	for _, a := range acts {
		names = append(names, a.Action)
	}
	if got := strings.Join(names, ","); got != "logout,login,login" {
		t.Errorf("audit log = %s, want logout,login,login (newest first)", got)
	}
	if acts[0].Session == "" || acts[0].Session != acts[1].Session || acts[1].Session == acts[2].Session {
		t.Errorf("sessions in the audit log: %q %q %q: want logout and the second login to share one, the first login another", acts[0].Session, acts[1].Session, acts[2].Session)
	}
}

var scriptTag = regexp.MustCompile(`(?i)<script\b[^>]*>`)
var inlineHandler = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)

func TestPagesHaveStrictCSPAndNoInlineScript(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	_, login := cl.get("/admin/login")
	cl.mustLogin()
	pages := map[string]string{"login": login}
	for _, p := range []string{"/admin/", "/admin/test", "/admin/review", "/admin/entries"} {
		res, body := cl.get(p)
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		pages[p] = body
	}
	_, body := cl.post("/admin/test", url.Values{"question": {"Aiuto! Il mio amico non respira"}})
	pages["test result"] = body
	for name, body := range pages {
		for _, tag := range scriptTag.FindAllString(body, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: inline script %s", name, tag)
			}
		}
		if m := inlineHandler.FindString(body); m != "" {
			t.Errorf("%s: inline event handler %q", name, m)
		}
		if strings.Contains(body, "style=\"") {
			t.Errorf("%s: an inline style attribute, which the CSP blocks", name)
		}
	}
}

func TestTestPane(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	tests := []struct {
		question               string
		outcome, urgency, lang string
	}{
		{"Aiuto! Il mio amico non respira, chiamate un'ambulanza!", "answer", "urgent", "it"},
		{"What's the best pizza recipe in Naples?", "none", "none", "en"},
	}
	field := func(body, id string) string {
		m := regexp.MustCompile(`id="` + id + `"[^>]*>([^<]*)`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return strings.TrimSpace(m[1])
	}
	for _, tc := range tests {
		res, body := cl.post("/admin/test", url.Values{"question": {tc.question}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%q: %d", tc.question, res.StatusCode)
		}
		if got := strings.TrimSuffix(field(body, "outcome"), ":"); got != tc.outcome {
			t.Errorf("%q: outcome %q, want %q", tc.question, got, tc.outcome)
		}
		if got := field(body, "urgency"); got != tc.urgency {
			t.Errorf("%q: urgency %q, want %q", tc.question, got, tc.urgency)
		}
		if got := field(body, "language"); got != tc.lang {
			t.Errorf("%q: language %q, want %q", tc.question, got, tc.lang)
		}
		if n := strings.Count(body, "<tr") - 1; n != 5 {
			t.Errorf("%q: %d candidate rows, want 5", tc.question, n)
		}
		if !strings.Contains(body, `class="bubble tg-message"`) || !strings.Contains(body, `class="bubble dc-message"`) {
			t.Errorf("%q: no Telegram or Discord preview", tc.question)
		}
	}
	// Nothing of the question is written to the audit log.
	acts, _ := h.db.Actions(context.Background(), 10)
	for _, a := range acts {
		if strings.Contains(a.Detail, "pizza") || strings.Contains(a.Detail, "Aiuto") {
			t.Errorf("the audit log holds the question: %+v", a)
		}
	}
}

func TestDraftFAQ(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	bad := "version: 1\nentries:\n  - id: a\n    question: \"What?\"\n    answer: \"\"\n    colour: blue\n"
	_, body := cl.post("/admin/draft", url.Values{"draft": {bad}})
	problems := regexp.MustCompile(`<code>(draft\.yaml:\d+:\d+: [^<]*)</code>`).FindAllStringSubmatch(body, -1)
	if len(problems) == 0 {
		t.Fatalf("a bad draft shows no file:line problems:\n%s", body)
	}
	if !strings.Contains(body, "draft.yaml:6:") {
		t.Errorf("the unknown key on line 6 is not reported: %v", problems)
	}
	// The seed FAQ as a draft, on its own cases: valid, with figures.
	_, body = cl.post("/admin/draft", url.Values{"draft": {string(mustRead(t, h.faqPath))}})
	if !strings.Contains(body, "draft.yaml: valid") || !strings.Contains(body, `id="draft-eval"`) {
		t.Errorf("the seed FAQ as a draft is not valid with eval figures:\n%s", body)
	}
}

func TestReloadFromTheConsole(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	writeFileT(t, h.faqPath, strings.Replace(string(mustRead(t, h.faqPath)), "version: 1\n", "version: 1\nbogus: true\n", 1))
	res, _ := cl.post("/admin/reload", url.Values{"back": {"/admin/"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reload: %d", res.StatusCode)
	}
	_, body := cl.get("/admin/")
	if !strings.Contains(body, "The reload failed") || !regexp.MustCompile(`faq\.yaml:\d+:\d+: `).MatchString(body) {
		t.Errorf("a failed reload's file:line problems are not shown:\n%s", body)
	}
	if !strings.Contains(body, `<td>console</td><td>error</td>`) {
		t.Errorf("the reload history does not show the failed console reload")
	}
	if !strings.Contains(body, "<td>reload</td>") {
		t.Errorf("the audit log does not show the reload")
	}
}

func TestPromoteReloadsThroughTheOnePath(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	before := h.live.Current().Version()
	cl.get("/admin/review")
	res, _ := cl.post("/admin/review/promote", url.Values{"cluster": {"c1"}, "entry": {"consulate-milan"}, "text": {"where can i watch curling with other americans"}, "as": {"alternate"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote: %d", res.StatusCode)
	}
	after := h.live.Current()
	if after.Version() == before {
		t.Fatal("the promote did not reload a new FAQ")
	}
	e := after.Entry("consulate-milan")
	if e == nil || !contains(e.Alternates, "where can i watch curling with other americans") {
		t.Errorf("the alternate is not in the serving FAQ")
	}
	_, body := cl.get("/admin/review")
	if !strings.Contains(body, "now serving version "+after.Version()[:12]) || strings.Contains(body, `id="cluster-c1"`) {
		t.Errorf("the review page does not show the new version or still lists the cluster")
	}
	// An alternate needs an entry.
	cl.post("/admin/review/promote", url.Values{"cluster": {"c2"}, "entry": {""}, "as": {"alternate"}, "text": {"is the metro running at night"}})
	if _, body := cl.get("/admin/review"); !strings.Contains(body, "Choose the entry") || len(h.review.promotions()) != 1 {
		t.Errorf("an alternate without an entry was not refused")
	}
	// An edit the review refuses shows its problems and changes nothing.
	h.review.fail = &faq.ValidationError{Problems: []faq.Problem{{File: h.faqPath, Line: 12, Col: 5, Msg: "duplicate phrasing"}}}
	cl.post("/admin/review/promote", url.Values{"cluster": {"c2"}, "as": {"negative"}, "text": {"is the metro running at night"}})
	_, body = cl.get("/admin/review")
	if !strings.Contains(body, "faq.yaml:12:5: duplicate phrasing") || h.live.Current().Version() != after.Version() {
		t.Errorf("a refused promote: problems not shown, or the FAQ changed")
	}
	acts, _ := h.db.Actions(context.Background(), 3)
	if len(acts) < 2 || acts[0].Action != "promote refused" || acts[1].Action != "promote" {
		t.Errorf("audit log = %+v", acts)
	}
}

func TestOverviewFigures(t *testing.T) {
	h := newHarness(t, nil)
	now := h.clock.Now()
	q := func(id string, ago time.Duration, outcome, entry, urgency string) store.Question {
		return store.Question{ID: id, Time: now.Add(-ago), Channel: "telegram", ChatKind: "private", Outcome: outcome, Entry: entry, Urgency: urgency, Language: "en"}
	}
	err := h.db.Write(context.Background(), store.Batch{
		Questions: []store.Question{
			q("1", time.Minute, "answer", "consulate-milan", "none"),
			q("2", time.Minute, "answer", "consulate-milan", "none"),
			q("3", 2*time.Hour, "none", "", "none"),
			q("4", 3*time.Hour, "answer", "emergency-112", "urgent"),
			q("5", 30*time.Hour, "answer", "consulate-milan", "none"), // outside the chart
		},
		Events: []store.Event{
			{QuestionID: "1", Time: now, Kind: store.EventVote, UserHash: "u1", Vote: store.VoteUp},
			{QuestionID: "2", Time: now, Kind: store.EventVote, UserHash: "u2", Vote: store.VoteDown},
			{QuestionID: "2", Time: now, Kind: store.EventVote, UserHash: "u3", Vote: store.VoteUp},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cl := h.client()
	cl.mustLogin()
	_, body := cl.get("/admin/")
	for _, want := range []string{
		`id="faq-version">` + h.live.Current().Version() + `<`,
		`<desc id="chart-desc">4 questions in the last 24 hours.`,
		`href="/admin/entries#entry-consulate-milan">consulate-milan</a></td><td>3 `,
		`id="votes-up">67% 👍`,
		`<strong>discord</strong>:`,
		`where can i watch curling with other americans</a> <span class="muted">4 × unanswered`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
}

func TestHourlyChart(t *testing.T) {
	now := time.Date(2026, 2, 10, 15, 30, 0, 0, time.UTC)
	hour := func(h int) time.Time { return time.Date(2026, 2, 10, h, 0, 0, 0, time.UTC) }
	ch := hourlyChart([]store.Count{
		{Start: hour(15), Outcome: "answer", Urgency: "none", N: 3},
		{Start: hour(15), Outcome: "answer", Urgency: "urgent", N: 2},
		{Start: hour(15), Outcome: "rate_limited", Urgency: "none", N: 9},
		{Start: hour(16), Outcome: "none", Urgency: "none", N: 1},     // the future: not drawn
		{Start: hour(15).Add(-24 * time.Hour), Outcome: "none", N: 1}, // 25 hours ago
		{Start: hour(16).Add(-24 * time.Hour), Outcome: "clarify", Urgency: "possible", N: 4},
	}, now)
	if len(ch.Bars) != 24 {
		t.Fatalf("%d bars, want 24", len(ch.Bars))
	}
	last, first := ch.Bars[23], ch.Bars[0]
	if got := last.Counts; got[0] != 3 || got[3] != 2 || got[1]+got[2] != 0 {
		t.Errorf("the current hour = %v, want 3 answered and 2 emergencies", got)
	}
	if got := first.Counts; got[1] != 4 {
		t.Errorf("the first hour = %v, want 4 clarified", got)
	}
	if ch.Total != 9 || ch.Max < 5 {
		t.Errorf("total %d, axis top %d; want 9 and at least 5", ch.Total, ch.Max)
	}
	for _, b := range ch.Bars {
		for _, r := range b.Rects {
			if r.Y < ch.Top || r.Y+r.H > ch.Top+ch.PlotH {
				t.Errorf("bar %s leaves the plot: %+v", b.Hour, r)
			}
		}
	}
}

func TestTelegramPreviewIsSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<b>Bold</b> &amp; <i>it</i>", "<b>Bold</b> &amp; <i>it</i>"},
		{`<a href="https://travel.state.gov/x?a=1&amp;b=2">STEP</a>`, `<a rel="noopener noreferrer" href="https://travel.state.gov/x?a=1&amp;b=2">STEP</a>`},
		{`<a href="javascript:alert(1)">x</a>`, `<a>x</a>`},
		{`<script>alert(1)</script>`, `&lt;script>alert(1)&lt;/script>`},
		{`<img src=x onerror=alert(1)>`, `&lt;img src=x onerror=alert(1)>`},
		{`<b onclick="x">`, `&lt;b onclick=&#34;x&#34;>`},
		{`1 < 2`, `1 &lt; 2`},
	}
	for _, tc := range tests {
		got := string(telegramSafe(tc.in))
		got = strings.ReplaceAll(got, "&gt;", ">")
		if got != tc.want {
			t.Errorf("telegramSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestEntriesSearch(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	_, all := cl.get("/admin/entries")
	if n := strings.Count(all, `class="card entry"`); n != h.live.Current().Len() {
		t.Errorf("%d entries listed, want all %d", n, h.live.Current().Len())
	}
	_, body := cl.get("/admin/entries?q=" + url.QueryEscape("consulate general in milan"))
	if n := strings.Count(body, `class="card entry"`); n == 0 || n >= h.live.Current().Len() {
		t.Errorf("the search found %d entries, want some but not all", n)
	}
	if !strings.Contains(body, `id="entry-consulate-milan"`) {
		t.Errorf("the search misses consulate-milan")
	}
	if !regexp.MustCompile(`<a href="https://[^"]+" rel="noopener noreferrer">`).MatchString(all) {
		t.Errorf("no citation is linked")
	}
	if !strings.Contains(all, `<a href="#entry-`) {
		t.Errorf("no follow-up links to its entry")
	}
}

func TestDismissLeavesTheQueue(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	if res, _ := cl.post("/admin/review/dismiss", url.Values{"cluster": {"c2"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", res.StatusCode)
	}
	_, body := cl.get("/admin/review")
	if strings.Contains(body, `id="cluster-c2"`) || !strings.Contains(body, `id="cluster-c1"`) {
		t.Errorf("after dismissing c2 the queue should hold c1 only")
	}
	acts, _ := h.db.Actions(context.Background(), 1)
	if len(acts) != 1 || acts[0].Action != "dismiss" || !strings.Contains(acts[0].Detail, "c2") {
		t.Errorf("audit log = %+v", acts)
	}
}

func TestWithoutStoreOrReview(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Store, o.Review = nil, nil })
	cl := h.client()
	cl.mustLogin()
	_, body := cl.get("/admin/")
	if !strings.Contains(body, "No store: questions are not kept.") || !strings.Contains(body, "<td>login</td>") {
		t.Errorf("without a store the overview should say so and still show the audit log (in memory)")
	}
	if _, body := cl.get("/admin/review"); !strings.Contains(body, "The review queue is off") {
		t.Errorf("without a review the page should say it is off")
	}
	if res, _ := cl.post("/admin/review/promote", url.Values{"cluster": {"c1"}, "text": {"x"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("promote without a review: %d, want 404", res.StatusCode)
	}
}

func TestDraftFilePicked(t *testing.T) {
	h := newHarness(t, nil)
	cl := h.client()
	cl.mustLogin()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", cl.csrf)
	fw, _ := mw.CreateFormFile("file", "../../etc/my-draft.yaml")
	_, _ = fw.Write([]byte("version: 1\nentries: []\nbogus: 1\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", h.srv.URL+"/admin/draft", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r, err := cl.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	body := string(b)
	if r.StatusCode != http.StatusOK || !regexp.MustCompile(`<code>my-draft\.yaml:3:1: `).MatchString(body) {
		t.Errorf("a picked file's problems are not named by its base name, with file:line: %d\n%s", r.StatusCode, body)
	}
}

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"travelbot/config"
)

// The API's budget is its own: far above chat's, and per API key when keys
// are set, so one integrator's backend is not refused after five questions
// and two integrators do not share one budget.
func TestAskRateLimitPerKey(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) {
		c.RateLimit = config.RateLimit{PerMinute: 1, Burst: 1} // chat's; must not apply
		c.APIRateLimit = config.RateLimit{PerMinute: 3, Burst: 3}
		c.APIKeys = config.NewSecret("key-a,key-b")
	})
	ask := func(key string) int {
		h := map[string]string{}
		if key != "" {
			h["Authorization"] = "Bearer " + key
		}
		code, _, _ := call(t, "POST", ts.url+"/v1/ask", `{"question": "`+waterQuestion+`"}`, h)
		return code
	}
	for i := range 3 {
		if code := ask("key-a"); code != 200 {
			t.Fatalf("key-a question %d: %d", i+1, code)
		}
	}
	if code := ask("key-a"); code != http.StatusTooManyRequests {
		t.Errorf("key-a over its budget: %d, want 429", code)
	}
	if code := ask("key-b"); code != 200 {
		t.Errorf("key-b, its own budget: %d, want 200", code)
	}
	for _, key := range []string{"", "key-c", "key-a,key-b"} {
		if code := ask(key); code != http.StatusUnauthorized {
			t.Errorf("key %q: %d, want 401", key, code)
		}
	}
	// Refusals are logged before the answer goes out: the record is there.
	if _, ok := ts.logs.find(map[string]any{"level": "WARN", "path": "/v1/ask", "remote": present, "reason": present}); !ok {
		t.Errorf("the refused API calls were not logged:\n%s", ts.logs)
	}
	if strings.Contains(ts.logs.String(), "key-") {
		t.Error("an API key is in the logs")
	}
}

// A failed admin call is logged, without the token it tried.
func TestAdminRefusalLogged(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) { c.AdminToken = config.NewSecret("tok") })
	code, _, _ := call(t, "POST", ts.url+"/admin/reload", "", map[string]string{"Authorization": "Bearer guess-123"})
	if code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	// Logged before the answer goes out: the record is there.
	if _, ok := ts.logs.find(map[string]any{"level": "WARN", "path": "/admin/reload", "remote": present, "reason": present}); !ok {
		t.Errorf("the refused admin call was not logged:\n%s", ts.logs)
	}
	if strings.Contains(ts.logs.String(), "guess-123") {
		t.Error("the guessed token is in the logs")
	}
}

func TestClientIP(t *testing.T) {
	a, err := newAPIAccess(&config.Config{TrustedProxies: []string{"10.0.0.0/8", "192.0.2.1"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"a trusted proxy's client", "10.1.2.3:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a chain of trusted proxies", "10.1.2.3:443", []string{"198.51.100.1, 192.0.2.1, 10.9.9.9"}, "198.51.100.1"},
		{"a forged left part is not believed", "10.1.2.3:443", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"several headers", "10.1.2.3:443", []string{"1.1.1.1", "198.51.100.1"}, "198.51.100.1"},
		{"garbage in the chain", "10.1.2.3:443", []string{"not-an-ip"}, "10.1.2.3"},
		{"no header from a proxy", "10.1.2.3:443", nil, "10.1.2.3"},
		{"IPv6 client", "10.1.2.3:443", []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/v1/ask", nil)
		r.RemoteAddr = tt.peer
		for _, h := range tt.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		if got := a.clientIP(r); got != tt.want {
			t.Errorf("%s: clientIP = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// Behind a trusted proxy, each client has its own budget.
func TestAskRateLimitBehindProxy(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) {
		c.APIRateLimit = config.RateLimit{PerMinute: 1, Burst: 1}
		c.TrustedProxies = []string{"127.0.0.1"}
	})
	ask := func(client string) int {
		code, _, _ := call(t, "POST", ts.url+"/v1/ask", `{"question": "`+waterQuestion+`"}`, map[string]string{"X-Forwarded-For": client})
		return code
	}
	if ask("198.51.100.1") != 200 || ask("198.51.100.2") != 200 {
		t.Error("two clients behind the proxy share one budget")
	}
	if code := ask("198.51.100.1"); code != http.StatusTooManyRequests {
		t.Errorf("the first client again: %d, want 429", code)
	}
}

// A body that is JSON but not an object says so once.
func TestAskNotAnObjectSaidOnce(t *testing.T) {
	ts := startServer(t, nil)
	_, body, _ := call(t, "POST", ts.url+"/v1/ask", `[1]`, nil)
	msg, _ := body["error"].(string)
	if strings.Count(msg, "JSON object") != 1 {
		t.Errorf("error %q, want the problem said once", msg)
	}
}

// The out-of-scope reply keeps its example questions in JSON, as the text
// shows them.
func TestAskJSONKeepsExamples(t *testing.T) {
	out, _, code := run(t, "", "ask", "--json", "who won the super bowl in 1990")
	if code != 0 || !strings.Contains(out, `"examples"`) {
		t.Errorf("ask --json (exit %d) has no examples:\n%s", code, out)
	}
}

// Counters are in /metrics from the start, at zero.
func TestMetricsFromTheStart(t *testing.T) {
	ts := startServer(t, nil)
	resp, err := http.Get(ts.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`travelbot_questions_total{channel="telegram",outcome="answer"} 0`,
		`travelbot_questions_total{channel="http",outcome="rate_limited"} 0`,
		`travelbot_reloads_total{result="error",trigger="file"} 0`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// After the FAQ file is deleted, /readyz says so (the last good version
// keeps serving).
func TestReadyzAfterTheFileIsDeleted(t *testing.T) {
	ts := startServer(t, nil)
	if err := os.Remove(ts.faqPath); err != nil {
		t.Fatal(err)
	}
	code, body, _ := call(t, "GET", ts.url+"/readyz", "", nil)
	f, _ := body["faq"].(map[string]any)
	if p, _ := f["problem"].(string); code != 200 || !strings.Contains(p, "cannot be read") {
		t.Errorf("readyz = %d %v, want still ready with the file's problem", code, f)
	}
}

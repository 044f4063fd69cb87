package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"travelbot/bot"
	"travelbot/config"
)

const waterQuestion = "Is tap water safe to drink in Milan?"

func TestHealthz(t *testing.T) {
	ts := startServer(t, nil)
	code, body, _ := call(t, "GET", ts.url+"/healthz", "", nil)
	if code != 200 || !reflect.DeepEqual(body, map[string]any{"ok": true}) {
		t.Errorf("GET /healthz = %d %v", code, body)
	}
	if code, body, h := call(t, "POST", ts.url+"/healthz", "", nil); code != http.StatusMethodNotAllowed || body["error"] == nil || h.Get("Allow") != "GET" {
		t.Errorf("POST /healthz = %d %v (Allow %q), want 405 with a JSON error and Allow: GET", code, body, h.Get("Allow"))
	}
	if code, body, _ := call(t, "GET", ts.url+"/nowhere", "", nil); code != http.StatusNotFound || body["error"] == nil {
		t.Errorf("GET /nowhere = %d %v, want 404 with a JSON error", code, body)
	}
}

func TestReadyz(t *testing.T) {
	withAdapters := func(connected bool) func(*config.Config, *server) {
		return func(_ *config.Config, s *server) {
			s.newAdapters = func(*config.Config, *bot.Bot, bot.APIEvents, *slog.Logger) ([]bot.Adapter, map[string]string, error) {
				a := &fakeAdapter{name: "discord", run: func(ctx context.Context) error { <-ctx.Done(); return nil }}
				a.connected.Store(connected)
				return []bot.Adapter{a}, map[string]string{"telegram": "TRAVELBOT_TELEGRAM_TOKEN is not set"}, nil
			}
		}
	}
	tests := []struct {
		name         string
		edit         func(*config.Config, *server)
		wantCode     int
		wantAdapters string
	}{
		{"no adapters configured", nil, 200,
			"map[discord:map[connected:false enabled:false reason:TRAVELBOT_DISCORD_TOKEN is not set] telegram:map[connected:false enabled:false reason:TRAVELBOT_TELEGRAM_TOKEN is not set]]"},
		{"enabled adapter connected", withAdapters(true), 200,
			"map[discord:map[connected:true enabled:true] telegram:map[connected:false enabled:false reason:TRAVELBOT_TELEGRAM_TOKEN is not set]]"},
		{"enabled adapter not connected", withAdapters(false), 503,
			"map[discord:map[connected:false enabled:true reason:not connected] telegram:map[connected:false enabled:false reason:TRAVELBOT_TELEGRAM_TOKEN is not set]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.edit)
			code, body, _ := call(t, "GET", ts.url+"/readyz", "", nil)
			if code != tt.wantCode || body["ready"] != (tt.wantCode == 200) {
				t.Errorf("status %d ready %v, want %d", code, body["ready"], tt.wantCode)
			}
			if got := fmt.Sprint(body["adapters"]); got != tt.wantAdapters {
				t.Errorf("adapters = %s\nwant       %s", got, tt.wantAdapters)
			}
			tab := ts.live.Current()
			wantFAQ := map[string]any{"version": tab.Version(), "entries": 3.0, "file": ts.faqPath}
			if !reflect.DeepEqual(body["faq"], wantFAQ) {
				t.Errorf("faq = %v, want %v", body["faq"], wantFAQ)
			}
			last, _ := body["last_reload"].(map[string]any)
			if last["ok"] != true || last["trigger"] != "start" || last["at"] == "" || fmt.Sprint(last["errors"]) != "[]" {
				t.Errorf("last_reload = %v, want the start-up load", last)
			}
		})
	}
}

func TestReadyzShowsAFailedReload(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) { c.AdminToken = config.NewSecret("tok") })
	writeFile(t, ts.faqPath, brokenYAML)
	call(t, "POST", ts.url+"/admin/reload", "", map[string]string{"Authorization": "Bearer tok"})
	code, body, _ := call(t, "GET", ts.url+"/readyz", "", nil)
	last := body["last_reload"].(map[string]any)
	errs, _ := last["errors"].([]any)
	if code != 200 || last["ok"] != false || last["trigger"] != "http" || len(errs) == 0 || !mentionsLine(fmt.Sprint(errs[0]), 3) {
		t.Errorf("readyz after a failed reload = %d %v; want still ready, the failure and its line", code, last)
	}
}

func TestMetrics(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) { c.AdminToken = config.NewSecret("tok") })
	call(t, "POST", ts.url+"/v1/ask", `{"question": "`+waterQuestion+`"}`, nil)
	call(t, "POST", ts.url+"/admin/reload", "", map[string]string{"Authorization": "Bearer tok"})
	ts.metrics.APIError("telegram", "sendMessage")
	ts.metrics.APIRetry("discord", "InteractionRespond")
	ts.metrics.APIRetry("discord", "InteractionRespond")

	resp, err := http.Get(ts.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	text := string(data)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET /metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`travelbot_questions_total{channel="http",outcome="`,
		`travelbot_match_duration_seconds_bucket{le="5e-06"}`,
		`travelbot_match_duration_seconds_count 1`,
		`travelbot_reloads_total{result="unchanged",trigger="http"} 1`,
		`travelbot_faq_entries 3`,
		`travelbot_platform_api_errors_total{channel="telegram",method="sendMessage"} 1`,
		`travelbot_platform_api_retries_total{channel="discord",method="InteractionRespond"} 2`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestAskMatchesTheCLI checks POST /v1/ask returns exactly the object
// `travelbot ask --json` prints for the same FAQ and question, plus the
// question_id feedback refers to.
func TestAskMatchesTheCLI(t *testing.T) {
	ts := startServer(t, nil)
	for _, q := range []string{waterQuestion, "What number do I call in an emergency?", "Where can I rent skis?"} {
		reqBody, _ := json.Marshal(map[string]string{"question": q})
		code, got, _ := call(t, "POST", ts.url+"/v1/ask", string(reqBody), nil)
		if code != 200 {
			t.Errorf("%q: status %d %v", q, code, got)
			continue
		}
		var out bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
		if err := m.Run(context.Background(), []string{"ask", "--faq", ts.faqPath, "--json", q}); err != nil {
			t.Fatalf("ask --json: %v", err)
		}
		var want map[string]any
		if err := json.Unmarshal(out.Bytes(), &want); err != nil {
			t.Fatalf("ask --json printed %q: %v", out.String(), err)
		}
		// The API's reply also says which recorded question it answers,
		// for POST /v1/feedback; the terminal's questions are not recorded.
		if id, _ := got["question_id"].(string); len(id) != 16 {
			t.Errorf("%q: question_id = %v, want 16 hex digits", q, got["question_id"])
		}
		delete(got, "question_id")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\nPOST /v1/ask  = %v\nask --json    = %v", q, got, want)
		}
	}
}

func TestAskBadRequests(t *testing.T) {
	ts := startServer(t, nil)
	tests := []struct {
		name string
		body string
		code int
	}{
		{"empty body", "", 400},
		{"not JSON", "question=water", 400},
		{"truncated JSON", `{"question": "Is`, 400},
		{"not an object", `["water"]`, 400},
		{"question not a string", `{"question": 42}`, 400},
		{"unknown field", `{"question": "water", "user": "me"}`, 400},
		{"no question", `{}`, 400},
		{"null question", `{"question": null}`, 400},
		{"empty question", `{"question": ""}`, 400},
		{"blank question", `{"question": " \t\n "}`, 400},
		{"only control characters", `{"question": "\u0000\u0001"}`, 400},
		{"a JSON array", `[]`, 400},
		{"two objects", `{"question": "water"} {"question": "water"}`, 400},
		{"question over 4096 characters", `{"question": "` + strings.Repeat("é", 4097) + `"}`, 400},
		{"body over 64 KiB", `{"question": "` + strings.Repeat("a", 65<<10) + `"}`, 413},
	}
	for _, tt := range tests {
		code, body, hdr := call(t, "POST", ts.url+"/v1/ask", tt.body, nil)
		if code != tt.code {
			t.Errorf("%s: status %d, want %d (%v)", tt.name, code, tt.code, body)
		}
		if msg, _ := body["error"].(string); msg == "" || len(body) != 1 {
			t.Errorf("%s: body %v (%s), want {\"error\": \"...\"}", tt.name, body, hdr.Get("Content-Type"))
		}
	}
	// 4096 characters exactly is fine, even when that is many more bytes.
	if code, body, _ := call(t, "POST", ts.url+"/v1/ask", `{"question": "`+strings.Repeat("é", 4096)+`"}`, nil); code != 200 {
		t.Errorf("a 4096-character question: %d %v", code, body)
	}
	if code, _, _ := call(t, "GET", ts.url+"/v1/ask", "", nil); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/ask = %d, want 405", code)
	}
}

func TestAskRateLimited(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) { c.APIRateLimit = config.RateLimit{PerMinute: 2, Burst: 2} })
	ask := func() (int, map[string]any, http.Header) {
		return call(t, "POST", ts.url+"/v1/ask", `{"question": "`+waterQuestion+`"}`, nil)
	}
	for i := range 2 {
		if code, body, _ := ask(); code != 200 {
			t.Errorf("question %d: %d %v", i+1, code, body)
		}
	}
	code, body, hdr := ask()
	if code != http.StatusTooManyRequests || body["error"] == "" || hdr.Get("Retry-After") != "30" {
		t.Errorf("third question = %d %v Retry-After %q; want 429, an error and Retry-After 30", code, body, hdr.Get("Retry-After"))
	}
}

func TestFAQList(t *testing.T) {
	ts := startServer(t, nil)
	code, body, _ := call(t, "GET", ts.url+"/v1/faq", "", nil)
	want := map[string]any{
		"version": ts.live.Current().Version(),
		"entries": []any{
			map[string]any{"id": "water", "question": waterQuestion, "tags": []any{"health", "milan"}},
			map[string]any{"id": "airport", "question": "Which airport is closest to Cortina d'Ampezzo?", "tags": []any{}},
			map[string]any{"id": "emergency", "question": "What number do I call in an emergency?", "tags": []any{"emergency"}},
		},
	}
	if code != 200 || !reflect.DeepEqual(body, want) {
		t.Errorf("GET /v1/faq = %d\n%v\nwant %v", code, body, want)
	}
}

func TestAdminReloadAuth(t *testing.T) {
	const token = "correct-horse-battery-staple"
	tests := []struct {
		name   string
		token  string // configured; "" = none
		header string // Authorization
		code   int
	}{
		{"no admin token configured", "", "Bearer " + token, 403},
		{"no admin token configured, no header", "", "", 403},
		{"missing header", token, "", 401},
		{"wrong token", token, "Bearer correct-horse-battery-stapler", 401},
		{"token prefix only", token, "Bearer correct", 401},
		{"empty token", token, "Bearer ", 401},
		{"wrong scheme", token, "Basic " + token, 401},
		{"no scheme", token, token, 401},
		{"right token", token, "Bearer " + token, 200},
		{"scheme is case-insensitive", token, "bearer " + token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, func(c *config.Config, _ *server) { c.AdminToken = config.NewSecret(tt.token) })
			hdr := map[string]string{}
			if tt.header != "" {
				hdr["Authorization"] = tt.header
			}
			code, body, h := call(t, "POST", ts.url+"/admin/reload", "", hdr)
			if code != tt.code {
				t.Errorf("status %d, want %d (%v)", code, tt.code, body)
			}
			if code == 401 && h.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if code != 200 && (body["ok"] != false || body["error"] == "") {
				t.Errorf("refusal body %v, want ok false and an error", body)
			}
			if strings.Contains(fmt.Sprint(body), token) || strings.Contains(ts.logs.String(), token) {
				t.Errorf("the token shows in the response or the log")
			}
		})
	}
}

func TestAdminReload(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) { c.AdminToken = config.NewSecret("tok") })
	reload := func() (int, map[string]any) {
		code, body, _ := call(t, "POST", ts.url+"/admin/reload", "", map[string]string{"Authorization": "Bearer tok"})
		return code, body
	}
	v1 := ts.live.Current().Version()

	code, body := reload()
	if code != 200 || body["ok"] != true || body["changed"] != false || body["version"] != v1 || body["entries"] != 3.0 || body["duration_ms"] == nil {
		t.Errorf("reload of the same file = %d %v, want ok and unchanged", code, body)
	}

	writeFile(t, ts.faqPath, faqYAML("Yes, and it is free."))
	code, body = reload()
	v2 := ts.live.Current().Version()
	if code != 200 || body["changed"] != true || body["version"] != v2 || v2 == v1 {
		t.Errorf("reload of a changed file = %d %v, want the new version", code, body)
	}

	writeFile(t, ts.faqPath, brokenYAML)
	code, body = reload()
	errs, _ := body["errors"].([]any)
	if code != http.StatusUnprocessableEntity || body["ok"] != false || len(errs) == 0 {
		t.Fatalf("reload of a broken file = %d %v, want 422 with errors", code, body)
	}
	if first := fmt.Sprint(errs[0]); !strings.HasPrefix(first, ts.faqPath+":") || !mentionsLine(first, 3) {
		t.Errorf("error %q, want FILE:LINE pointing at line 3", first)
	}
	if _, list, _ := call(t, "GET", ts.url+"/v1/faq", "", nil); list["version"] != v2 {
		t.Errorf("serving %v after a broken reload, want the previous version %s", list["version"], v2)
	}
}

func TestWebhookMount(t *testing.T) {
	hooked := make(chan string, 1)
	hook := &webhookAdapter{fakeAdapter: fakeAdapter{name: "telegram"}, path: "/telegram/webhook", serve: func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hooked <- string(body)
		w.WriteHeader(http.StatusNoContent)
	}}
	adapters := func(as ...bot.Adapter) func(*config.Config, *server) {
		return func(_ *config.Config, s *server) {
			s.newAdapters = func(*config.Config, *bot.Bot, bot.APIEvents, *slog.Logger) ([]bot.Adapter, map[string]string, error) {
				return as, nil, nil
			}
		}
	}
	ts := startServer(t, adapters(hook))
	resp, err := http.Post(ts.url+"/telegram/webhook", "application/json", strings.NewReader(`{"update_id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || <-hooked != `{"update_id":1}` {
		t.Errorf("POST to the webhook path = %d, want it handed to the adapter", resp.StatusCode)
	}

	for _, path := range []string{"/v1/ask", "relative", "/{wild}"} {
		bad := &webhookAdapter{fakeAdapter: fakeAdapter{name: "telegram"}, path: path, serve: hook.serve}
		s := newServer(ts.cfg, slog.New(slog.DiscardHandler))
		adapters(bad)(ts.cfg, s)
		s.signals = make(chan os.Signal)
		if err := s.Open(); err == nil || !strings.Contains(err.Error(), "telegram webhook") {
			t.Errorf("webhook path %q: Open = %v, want an error", path, err)
		}
	}
}

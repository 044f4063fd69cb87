package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/config"
	"travelbot/faq"
	"travelbot/internal/testutil"
)

// waitTimeout bounds every wait in these tests; things normally happen in
// milliseconds.
const waitTimeout = 10 * time.Second

// faqYAML is a small valid FAQ. Questions are asked verbatim, so the tests
// do not depend on how well the matcher generalises.
func faqYAML(answer string) string {
	return `version: 1
entries:
  - id: water
    question: Is tap water safe to drink in Milan?
    answer: ` + answer + `
    tags: [health, milan]
  - id: airport
    question: Which airport is closest to Cortina d'Ampezzo?
    answer: Venice Marco Polo, about two hours by bus.
  - id: emergency
    question: What number do I call in an emergency?
    answer: Call 112.
    tags: [emergency]
`
}

// brokenYAML has a syntax error on line 3.
const brokenYAML = "version: 1\nentries:\n  - id: water: [\n"

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// logLines collects a server's JSON log records and lets a test wait for
// one. Tests find records by their structured fields (trigger, result,
// addr...), never by the wording of the message, which is for people and
// may change.
type logLines struct {
	mu      sync.Mutex
	all     bytes.Buffer
	records testutil.Events[map[string]any]
	next    int // waitFor's cursor: the records before it were consumed
}

func newLogLines() *logLines { return &logLines{} }

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.all.Write(p)
	l.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			l.records.Add(m)
		}
	}
	return len(p), nil
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// waitFor returns the first record not yet returned by waitFor (nor passed
// over by it) whose fields include want, waiting for it to be written.
func (l *logLines) waitFor(t testing.TB, want map[string]any) map[string]any {
	t.Helper()
	l.mu.Lock()
	from := l.next
	l.mu.Unlock()
	m, next, ok := l.records.Wait(from, waitTimeout, func(m map[string]any) bool { return matches(m, want) })
	if !ok {
		t.Fatalf("no log record with %v within %v; log:\n%s", want, waitTimeout, l)
	}
	l.mu.Lock()
	l.next = next
	l.mu.Unlock()
	return m
}

// find returns the first record written so far whose fields include want.
func (l *logLines) find(want map[string]any) (map[string]any, bool) {
	for _, m := range l.records.All() {
		if matches(m, want) {
			return m, true
		}
	}
	return nil, false
}

// present, as a value in waitFor's or find's want, matches any value of a
// field the record has.
const present = "\x00present"

func matches(m, want map[string]any) bool {
	for k, v := range want {
		got, ok := m[k]
		if !ok || v != present && fmt.Sprint(got) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// fakeAdapter is a bot.Adapter whose behaviour a test scripts.
type fakeAdapter struct {
	name      string
	connected atomic.Bool
	run       func(ctx context.Context) error // nil: connect, wait for ctx, return nil
}

func (f *fakeAdapter) Name() string    { return f.name }
func (f *fakeAdapter) Connected() bool { return f.connected.Load() }
func (f *fakeAdapter) Run(ctx context.Context) error {
	if f.run != nil {
		return f.run(ctx)
	}
	f.connected.Store(true)
	<-ctx.Done()
	f.connected.Store(false)
	return nil
}

var _ bot.Adapter = (*fakeAdapter)(nil)

// testServer is a server running in the test on 127.0.0.1:0.
type testServer struct {
	*server
	url     string
	faqPath string
	logs    *logLines
	reloads *testutil.Events[faq.ReloadResult] // every reload attempt after Open
	hup     chan os.Signal
	cancel  context.CancelFunc
	done    chan error
}

// startServer runs a server over a fresh FAQ file. edit adjusts the config
// and the server (adapters, say) before Open.
func startServer(t *testing.T, edit func(*config.Config, *server)) *testServer {
	t.Helper()
	ts := &testServer{faqPath: filepath.Join(t.TempDir(), "faq.yaml"), logs: newLogLines(), reloads: &testutil.Events[faq.ReloadResult]{}, hup: make(chan os.Signal, 1), done: make(chan error, 1)}
	writeFile(t, ts.faqPath, faqYAML("Yes."))
	cfg := config.Default()
	cfg.FAQ = ts.faqPath
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.Watch = false
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.DataDir = t.TempDir() // the store and Telegram's claims: no two tests share them
	s := newServer(cfg, slog.New(slog.NewJSONHandler(ts.logs, nil)))
	s.signals = ts.hup
	if edit != nil {
		edit(cfg, s)
	}
	if err := s.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	ts.server = s
	ts.url = "http://" + s.Addr().String()
	// Told of every reload after the server's own bookkeeping (logs,
	// metrics, /readyz), so a test that waits for a reload sees all of
	// it done. Nothing reloads between Open and Run.
	onReload := s.reloader.OnReload
	s.reloader.OnReload = func(res faq.ReloadResult) {
		onReload(res)
		ts.reloads.Add(res)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel = cancel
	go func() { ts.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		if err := ts.stop(t); err != nil {
			t.Errorf("Run: %v", err)
		}
		s.Close()
	})
	return ts
}

// waitReload returns the first reload attempt from index from on (take
// ts.reloads.Len() before the action) with the given trigger.
func (ts *testServer) waitReload(t testing.TB, from int, trigger string) faq.ReloadResult {
	t.Helper()
	res, _, ok := ts.reloads.Wait(from, waitTimeout, func(r faq.ReloadResult) bool { return r.Trigger == trigger })
	if !ok {
		t.Fatalf("no %s reload within %v; reloads: %+v", trigger, waitTimeout, ts.reloads.All())
	}
	return res
}

// stop cancels Run and returns its result (once; later calls return nil).
func (ts *testServer) stop(t testing.TB) error {
	t.Helper()
	ts.cancel()
	select {
	case err, ok := <-ts.done:
		if ok {
			close(ts.done)
		}
		return err
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return after cancel")
		return nil
	}
}

// call does one HTTP request and decodes a JSON answer into a map.
func call(t testing.TB, method, url, body string, header map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v\n%s", method, url, err, data)
		}
	}
	return resp.StatusCode, m, resp.Header
}

// syncWriter collects output written from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
	w  io.Writer // also copied here, when set
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Write(p)
	if s.w != nil {
		s.w.Write(p)
	}
	return len(p), nil
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is `travelbot serve` run through Main by startServe.
type served struct {
	url  string
	logs *logLines
	// srv is serve's server, handed over between Open and Run (Main's
	// opened hook): what a test may read of it is safe for concurrent use
	// (live, the learning loop's writer, the adapters' state).
	srv     *server
	reloads *testutil.Events[faq.ReloadResult] // every reload attempt after Open
	stop    func()
}

// startServe runs `travelbot serve --config cfgPath` through Main, as the
// binary would, with env as the environment, until it listens. Unless env
// says otherwise, XDG_STATE_HOME is a directory of the test's own, so no
// two tests share a default data directory (the store, Telegram's
// claims). Its stop cancels serve and fails the test unless serve exits
// cleanly and promptly; serve is stopped at the end of the test anyway,
// before the test's directories are removed.
func startServe(t *testing.T, cfgPath string, env map[string]string) *served {
	t.Helper()
	sv := &served{logs: newLogLines(), reloads: &testutil.Events[faq.ReloadResult]{}}
	opened := make(chan *server, 1)
	state := t.TempDir()
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "XDG_STATE_HOME" {
			return state
		}
		return ""
	}
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: sv.logs, Getenv: getenv}
	m.opened = func(s *server) {
		// In serve's goroutine, before Run: nothing reloads yet.
		onReload := s.reloader.OnReload
		s.reloader.OnReload = func(res faq.ReloadResult) {
			onReload(res)
			sv.reloads.Add(res)
		}
		opened <- s
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		done <- m.Run(ctx, []string{"serve", "--config", cfgPath})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(waitTimeout):
			t.Error("serve did not stop at the end of the test")
		}
	})
	select {
	case sv.srv = <-opened:
	case err := <-done:
		t.Fatalf("serve did not start: %v\n%s", err, sv.logs)
	case <-time.After(waitTimeout):
		t.Fatalf("serve did not start within %v", waitTimeout)
	}
	sv.url = "http://" + sv.srv.Addr().String()
	sv.stop = func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after cancel, want nil", err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("serve did not stop after cancel")
		}
	}
	return sv
}

// waitReload returns the first reload attempt from index from on (take
// sv.reloads.Len() before the action) with the given trigger.
func (sv *served) waitReload(t testing.TB, from int, trigger string) faq.ReloadResult {
	t.Helper()
	res, _, ok := sv.reloads.Wait(from, waitTimeout, func(r faq.ReloadResult) bool { return r.Trigger == trigger })
	if !ok {
		t.Fatalf("no %s reload within %v; reloads: %+v", trigger, waitTimeout, sv.reloads.All())
	}
	return res
}

// runServe is startServe for the tests that need only the URL, the log
// and stop.
func runServe(t *testing.T, cfgPath string, env map[string]string) (url string, logs *logLines, stop func()) {
	t.Helper()
	sv := startServe(t, cfgPath, env)
	return sv.url, sv.logs, sv.stop
}

// TestServeEndToEnd runs the real `travelbot serve` through Main, as the
// binary would, and talks to it over HTTP: ask, reload by file change and by
// a real SIGHUP, then a clean exit on cancel. Tokens never reach the logs.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))
	cfgPath := filepath.Join(dir, "travelbot.yaml")
	writeFile(t, cfgPath, "faq: faq.yaml\nhttp_addr: 127.0.0.1:0\nlog_format: json\nreload_debounce: 10ms\nshutdown_timeout: 5s\n")
	secrets := map[string]string{
		"TRAVELBOT_ADMIN_TOKEN": "e2e-admin-token-value",
	}
	sv := startServe(t, cfgPath, secrets)
	url, logs := sv.url, sv.logs

	if code, body, _ := call(t, "GET", url+"/healthz", "", nil); code != 200 || body["ok"] != true {
		t.Errorf("healthz = %d %v", code, body)
	}
	code, body, _ := call(t, "POST", url+"/v1/ask", `{"question": "Is tap water safe to drink in Milan?"}`, nil)
	if code != 200 || body["outcome"] == nil {
		t.Errorf("ask = %d %v", code, body)
	}
	_, ready, _ := call(t, "GET", url+"/readyz", "", nil)
	adapters, _ := ready["adapters"].(map[string]any)
	if fmt.Sprint(adapters["telegram"]) != "map[connected:false enabled:false reason:TRAVELBOT_TELEGRAM_TOKEN is not set]" ||
		fmt.Sprint(adapters["discord"]) != "map[connected:false enabled:false reason:TRAVELBOT_DISCORD_TOKEN is not set]" {
		t.Errorf("readyz adapters = %v", adapters)
	}
	v1 := ready["faq"].(map[string]any)["version"]

	from := sv.reloads.Len()
	writeFile(t, faqPath, faqYAML("Yes, it is safe."))
	if res := sv.waitReload(t, from, "file"); !res.OK || res.Version == v1 {
		t.Errorf("file reload: %+v, want a new version", res)
	} else if _, ok := logs.find(map[string]any{"trigger": "file", "result": "ok", "version": res.Version}); !ok {
		t.Errorf("the file reload to %s was not logged:\n%s", res.Version, logs)
	}
	_, body, _ = call(t, "POST", url+"/v1/ask", `{"question": "Is tap water safe to drink in Milan?"}`, nil)
	if body["id"] == "water" && body["answer"] != "Yes, it is safe." {
		t.Errorf("after the file reload the answer is %q", body["answer"])
	}

	// A real SIGHUP to this process: serve has subscribed to it.
	from = sv.reloads.Len()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if res := sv.waitReload(t, from, "signal"); !res.OK || res.Changed {
		t.Errorf("SIGHUP reload: %+v, want unchanged", res)
	} else if _, ok := logs.find(map[string]any{"trigger": "signal", "result": "unchanged"}); !ok {
		t.Errorf("the SIGHUP reload was not logged:\n%s", logs)
	}

	sv.stop()
	for name, v := range secrets {
		if strings.Contains(logs.String(), v) {
			t.Errorf("%s appears in the log", name)
		}
	}
	if !strings.Contains(logs.String(), `"admin_token":"[redacted]"`) {
		t.Errorf("the config log line does not show the admin token as set:\n%s", logs)
	}
}

func TestServeConfigProblemsExitOne(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "travelbot.yaml")
	writeFile(t, cfgPath, "http_addr: nowhere\nlog_format: xml\ntelegram:\n  token: file-token-value\n")
	stderr := &syncWriter{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: func(k string) string {
		return map[string]string{"TRAVELBOT_RATE_BURST": "many", "TRAVELBOT_DISCORD_TOKEN": "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.env-token-value_abcdefghijklmnop"}[k]
	}}
	err := m.Run(context.Background(), []string{"serve", "--config", cfgPath})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("serve with a bad config = %v, want exit status 1", err)
	}
	for _, want := range []string{
		"4 problem(s)",
		cfgPath + ":1:12: http_addr:",
		cfgPath + ":2:13: log_format:",
		cfgPath + ":4:10: telegram.token: secrets are read only from the environment: remove this key and set TRAVELBOT_TELEGRAM_TOKEN",
		"TRAVELBOT_RATE_BURST: \"many\" is not a whole number",
	} {
		if !strings.Contains(ee.msg, want) {
			t.Errorf("message lacks %q:\n%s", want, ee.msg)
		}
	}
	for _, secret := range []string{"file-token-value", "env-token-value"} {
		if strings.Contains(ee.msg+stderr.String(), secret) {
			t.Errorf("a token appears in the output:\n%s", ee.msg)
		}
	}
}

func TestServeFAQProblemsExitOne(t *testing.T) {
	faqPath := filepath.Join(t.TempDir(), "faq.yaml")
	writeFile(t, faqPath, brokenYAML)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"TRAVELBOT_FAQ": faqPath, "TRAVELBOT_HTTP_ADDR": "127.0.0.1:0"}[k]
	}}
	err := m.Run(context.Background(), []string{"serve"})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("serve with a broken FAQ = %v, want exit status 1", err)
	}
	if !strings.HasPrefix(ee.msg, faqPath+":") || !mentionsLine(ee.msg, 3) {
		t.Errorf("message %q, want FILE:LINE problems pointing at line 3", ee.msg)
	}
}

func TestServeUsage(t *testing.T) {
	stderr := &syncWriter{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), []string{"serve", "extra"})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(stderr.String(), "usage: travelbot serve") {
		t.Errorf("serve extra = %v, stderr %q; want usage and exit status 2", err, stderr)
	}
}

func TestServeReloadOnSignal(t *testing.T) {
	ts := startServer(t, nil)
	writeFile(t, ts.faqPath, faqYAML("Yes, from the tap."))
	from := ts.reloads.Len()
	ts.hup <- syscall.SIGHUP
	if res := ts.waitReload(t, from, "signal"); !res.OK || !res.Changed {
		t.Errorf("signal reload: %+v, want a change", res)
	}
	if line, ok := ts.logs.find(map[string]any{"trigger": "signal", "result": "ok"}); !ok {
		t.Errorf("the signal reload was not logged with its trigger and result:\n%s", ts.logs)
	} else if line["version"] != ts.live.Current().Version() {
		t.Errorf("the signal reload logged %v, want version %s", line, ts.live.Current().Version())
	}
	if got := ts.live.Current().Entry("water").Answer; got != "Yes, from the tap." {
		t.Errorf("serving %q after SIGHUP", got)
	}

	writeFile(t, ts.faqPath, brokenYAML)
	from = ts.reloads.Len()
	ts.hup <- syscall.SIGHUP
	if res := ts.waitReload(t, from, "signal"); res.OK {
		t.Errorf("signal reload of a broken file: %+v, want it refused", res)
	}
	if _, ok := ts.logs.find(map[string]any{"trigger": "signal", "result": "error", "problems": present}); !ok {
		t.Errorf("the failed reload was not logged with its result and problem count:\n%s", ts.logs)
	}
	if problem, ok := ts.logs.find(map[string]any{"trigger": "signal", "problem": present}); !ok || !mentionsLine(fmt.Sprint(problem["problem"]), 3) {
		t.Errorf("no logged problem points at line 3 (%v):\n%s", problem, ts.logs)
	}
	if got := ts.live.Current().Entry("water").Answer; got != "Yes, from the tap." {
		t.Errorf("a broken file changed the answer to %q", got)
	}
}

func TestServeReloadOnFileChange(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) {
		c.Watch = true
		c.ReloadDebounce = 10 * time.Millisecond
	})
	tmp := ts.faqPath + ".tmp"
	writeFile(t, tmp, faqYAML("Yes, renamed in."))
	from := ts.reloads.Len()
	if err := os.Rename(tmp, ts.faqPath); err != nil {
		t.Fatal(err)
	}
	if res := ts.waitReload(t, from, "file"); !res.OK || !res.Changed {
		t.Errorf("file reload: %+v, want a change", res)
	}
	if got := ts.live.Current().Entry("water").Answer; got != "Yes, renamed in." {
		t.Errorf("serving %q after the rename", got)
	}
}

func TestServeLogsWhichAdaptersAreOff(t *testing.T) {
	ts := startServer(t, nil)
	for _, name := range []string{"telegram", "discord"} {
		want := map[string]any{"adapter": name, "reason": fmt.Sprintf("TRAVELBOT_%s_TOKEN is not set", strings.ToUpper(name))}
		if _, ok := ts.logs.find(want); !ok {
			t.Errorf("log lacks a record with %v:\n%s", want, ts.logs)
		}
	}
}

// TestServeShutdownFinishesInFlightWork holds an adapter reply and an HTTP
// request in flight when the context ends: Run waits for both, then returns
// nil, and the HTTP client gets its answer.
func TestServeShutdownFinishesInFlightWork(t *testing.T) {
	replying, handling := make(chan struct{}), make(chan struct{})
	stopping := make(chan struct{}) // Run has ended the adapters' context
	finish := make(chan struct{})
	replied := make(chan struct{})
	ad := &webhookAdapter{
		fakeAdapter: fakeAdapter{name: "telegram", run: func(ctx context.Context) error {
			close(replying)
			<-ctx.Done()
			close(stopping)
			<-finish // the reply in flight
			close(replied)
			return nil
		}},
		path: "/telegram/hook",
		serve: func(w http.ResponseWriter, r *http.Request) {
			close(handling)
			<-finish
			w.WriteHeader(http.StatusOK)
		},
	}
	ts := startServer(t, func(_ *config.Config, s *server) {
		s.newAdapters = func(*config.Config, *bot.Bot, bot.APIEvents, *slog.Logger) ([]bot.Adapter, map[string]string, error) {
			return []bot.Adapter{ad}, nil, nil
		}
	})
	<-replying
	requested := make(chan int, 1)
	go func() {
		resp, err := http.Post(ts.url+"/telegram/hook", "application/json", strings.NewReader("{}"))
		if err != nil {
			requested <- 0
			return
		}
		resp.Body.Close()
		requested <- resp.StatusCode
	}()
	<-handling

	stopped := make(chan error, 1)
	go func() {
		err := ts.stop(t)
		select {
		case <-replied:
		default:
			err = errors.Join(err, errors.New("Run returned before the adapter finished its reply"))
		}
		stopped <- err
	}()
	// Run is shutting down: it has told the adapters to stop, and must now
	// wait for the reply and the request in flight.
	<-stopping
	select {
	case err := <-stopped:
		t.Fatalf("Run returned %v with work in flight", err)
	default:
	}
	close(finish)
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Run = %v, want nil after a clean shutdown", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return")
	}
	if code := <-requested; code != http.StatusOK {
		t.Errorf("the request in flight got %d, want 200", code)
	}
}

// webhookAdapter is a fake adapter that also takes updates over HTTP.
type webhookAdapter struct {
	fakeAdapter
	path  string
	serve http.HandlerFunc
}

func (w *webhookAdapter) WebhookPath() string { return w.path }
func (w *webhookAdapter) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.serve(rw, r)
}

var _ webhook = (*webhookAdapter)(nil)

// mentionsLine reports whether a problem points at line n (FILE:N:COL: ...).
func mentionsLine(problem string, n int) bool {
	return regexp.MustCompile(fmt.Sprintf(`:%d:\d+: `, n)).MatchString(problem)
}

func TestServeShutdownTimesOut(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	ts := startServer(t, func(c *config.Config, s *server) {
		c.ShutdownTimeout = 50 * time.Millisecond
		s.newAdapters = func(*config.Config, *bot.Bot, bot.APIEvents, *slog.Logger) ([]bot.Adapter, map[string]string, error) {
			return []bot.Adapter{&fakeAdapter{name: "discord", run: func(context.Context) error { <-stuck; return nil }}}, nil, nil
		}
	})
	err := ts.stop(t)
	if err == nil || !strings.Contains(err.Error(), "gave up waiting") {
		t.Errorf("Run = %v, want a shutdown timeout", err)
	}
}

func TestServeStopsWhenAnAdapterCannotServe(t *testing.T) {
	ts := startServer(t, func(_ *config.Config, s *server) {
		s.newAdapters = func(*config.Config, *bot.Bot, bot.APIEvents, *slog.Logger) ([]bot.Adapter, map[string]string, error) {
			return []bot.Adapter{&fakeAdapter{name: "telegram", run: func(context.Context) error { return errors.New("token rejected (401)") }}}, nil, nil
		}
	})
	select {
	case err := <-ts.done:
		if err == nil || !strings.Contains(err.Error(), "telegram: token rejected") {
			t.Errorf("Run = %v, want the adapter's error", err)
		}
		close(ts.done)
	case <-time.After(waitTimeout):
		t.Fatal("Run kept going after the adapter failed")
	}
}

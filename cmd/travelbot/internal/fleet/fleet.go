// Package fleet runs several real `travelbot serve` processes on one
// PostgreSQL database behind a round-robin proxy, with a fake Telegram Bot
// API that counts what each chat was sent: the harness of the replicas test
// (cmd/travelbot/replicas_test) and of the replicas benchmark
// (cmd/travelbot/internal/fleet/bench). Telegram itself is played by
// Deliver: it posts webhook updates through the proxy, and delivers again
// what was not acknowledged with 200, as Telegram does.
package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"travelbot/internal/deathsig"
	"travelbot/seeds"
)

// Fixed identities of the fleet.
const (
	TelegramToken  = "123456:fleet-fake-token-0123456789-abcdefghij"
	TelegramBotID  = 123456
	WebhookSecret  = "fleet-webhook-secret"
	AdminToken     = "fleet-admin-token"
	HashKey        = "fleet-hash-key-0123456789"
	WebhookPath    = "/tg/hook"
	telegramMethod = "/bot" + TelegramToken + "/"
)

// Build compiles travelbot into dir and returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "travelbot")
	cmd := exec.Command("go", "build", "-o", bin, "travelbot/cmd/travelbot")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("fleet: go build: %w\n%s", err, out)
	}
	return bin, nil
}

// Options configure a fleet.
type Options struct {
	Binary   string // from Build
	DSN      string // an empty database
	Dir      string // where replicas keep their files and logs
	Replicas int
	ClaimTTL time.Duration // default 2s
	// Env is added to every replica's environment (Discord settings, say).
	Env []string
}

// Fleet is the running processes, the proxy and the fake Telegram. Its
// methods are safe for concurrent use.
type Fleet struct {
	opts     Options
	Telegram *Telegram
	ProxyURL string
	Replicas []*Replica

	proxy *http.Server
	next  atomic.Uint64
}

// Replica is one serve process. Its address stays the same across restarts.
type Replica struct {
	Index int
	Addr  string // host:port
	FAQ   string // its FAQ file, alone in its directory (ReadOnlyFAQ)
	Log   string // its stderr

	env  []string
	bin  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done <-chan struct{} // closed when cmd has exited
}

// URL is the replica's HTTP origin.
func (r *Replica) URL() string { return "http://" + r.Addr }

// Start starts the fake Telegram, the proxy and the replicas, and waits
// until every replica answers /healthz.
func Start(ctx context.Context, o Options) (*Fleet, error) {
	if o.ClaimTTL == 0 {
		o.ClaimTTL = 2 * time.Second
	}
	f := &Fleet{opts: o}
	var err error
	if f.Telegram, err = newTelegram(o.Replicas); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fleet: %w", err)
	}
	f.ProxyURL = "http://" + ln.Addr().String()
	for i := range o.Replicas {
		port, err := freePort()
		if err != nil {
			f.Close()
			return nil, err
		}
		dir := filepath.Join(o.Dir, fmt.Sprintf("replica-%d", i))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			f.Close()
			return nil, fmt.Errorf("fleet: %w", err)
		}
		r := &Replica{Index: i, Addr: fmt.Sprintf("127.0.0.1:%d", port), FAQ: filepath.Join(dir, "faq", "faq.yaml"), Log: filepath.Join(dir, "stderr.log"), bin: o.Binary}
		if err := os.MkdirAll(filepath.Dir(r.FAQ), 0o700); err != nil {
			f.Close()
			return nil, fmt.Errorf("fleet: %w", err)
		}
		if err := os.WriteFile(r.FAQ, seeds.FAQ, 0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("fleet: %w", err)
		}
		r.env = append([]string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + dir,
			"TRAVELBOT_HTTP_ADDR=" + r.Addr,
			"TRAVELBOT_DATABASE_URL=" + o.DSN,
			"TRAVELBOT_HASH_KEY=" + HashKey,
			"TRAVELBOT_DATA_DIR=" + dir,
			"TRAVELBOT_FAQ=" + r.FAQ,
			"TRAVELBOT_CLAIM_TTL=" + o.ClaimTTL.String(),
			"TRAVELBOT_ADMIN_TOKEN=" + AdminToken,
			"TRAVELBOT_LOG_LEVEL=warn",
			"TRAVELBOT_TRUSTED_PROXIES=127.0.0.1", // the proxy
			"TRAVELBOT_TELEGRAM_TOKEN=" + TelegramToken,
			"TRAVELBOT_TELEGRAM_API_BASE=" + f.Telegram.urls[i],
			// Telegram takes only https webhooks; the fleet's Telegram
			// is Deliver, which posts to the proxy.
			"TRAVELBOT_TELEGRAM_WEBHOOK_URL=https://fleet.invalid" + WebhookPath,
			"TRAVELBOT_TELEGRAM_WEBHOOK_SECRET=" + WebhookSecret,
		}, o.Env...)
		f.Replicas = append(f.Replicas, r)
	}
	f.proxy = &http.Server{Handler: http.HandlerFunc(f.serveProxy)}
	go f.proxy.Serve(ln)
	for _, r := range f.Replicas {
		if err := r.Start(); err != nil {
			f.Close()
			return nil, err
		}
	}
	for _, r := range f.Replicas {
		if err := r.WaitHealthy(ctx); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// Close kills every replica and stops the proxy and the fake.
func (f *Fleet) Close() {
	for _, r := range f.Replicas {
		r.Kill()
	}
	if f.proxy != nil {
		f.proxy.Close()
	}
	if f.Telegram != nil {
		f.Telegram.close()
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("fleet: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ReadOnlyFAQ makes the replica's FAQ file and its directory read-only,
// as a ConfigMap mounted into a pod is (for a user other than root, whom
// modes do not stop). The returned function makes them writable again (so
// that the test's temporary directory can be removed).
func (r *Replica) ReadOnlyFAQ() (restore func(), err error) {
	dir := filepath.Dir(r.FAQ)
	if err := os.Chmod(r.FAQ, 0o400); err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	return func() {
		_ = os.Chmod(dir, 0o700)
		_ = os.Chmod(r.FAQ, 0o600)
	}, nil
}

// Start starts the replica's process (again, after Kill).
func (r *Replica) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	logf, err := os.OpenFile(r.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	cmd := exec.Command(r.bin, "serve")
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = logf, logf
	// A test that dies (a timeout's panic) takes its replicas with it.
	done, err := deathsig.Start(cmd)
	logf.Close() // the child has its own descriptor
	if err != nil {
		return fmt.Errorf("fleet: replica %d: %w", r.Index, err)
	}
	r.cmd, r.done = cmd, done
	return nil
}

// Kill kills the replica with SIGKILL and reaps it. It is harmless on a
// replica that is not running.
func (r *Replica) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
	r.cmd = nil
}

// Running reports whether the process is up (started and not killed).
func (r *Replica) Running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cmd != nil
}

// WaitHealthy waits until the replica answers GET /healthz with 200. It
// fails at once when the process exits.
func (r *Replica) WaitHealthy(ctx context.Context) error {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	for {
		resp, err := http.Get(r.URL() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			log, _ := os.ReadFile(r.Log)
			return fmt.Errorf("fleet: replica %d not healthy: %w\n%s", r.Index, ctx.Err(), tail(log, 3000))
		case <-done:
			log, _ := os.ReadFile(r.Log)
			return fmt.Errorf("fleet: replica %d exited\n%s", r.Index, tail(log, 3000))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Ready is the part of a replica's GET /readyz the fleet reads.
type Ready struct {
	Ready bool `json:"ready"`
	FAQ   struct {
		Version string `json:"version"`
	} `json:"faq"`
	LastReload struct {
		Trigger string `json:"trigger"`
	} `json:"last_reload"`
	Adapters map[string]struct {
		Connected bool `json:"connected"`
	} `json:"adapters"`
	Replica *struct {
		ID      string   `json:"id"`
		Leading []string `json:"leading"`
	} `json:"replica"`
}

// Readiness reads the replica's GET /readyz.
func (r *Replica) Readiness(ctx context.Context) (Ready, error) {
	var rd Ready
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.URL()+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rd, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&rd)
	return rd, err
}

// Leads reports whether the replica's /readyz says it leads role and the
// adapter is connected.
func (rd Ready) Leads(role string) bool {
	if rd.Replica == nil {
		return false
	}
	for _, l := range rd.Replica.Leading {
		if l == role {
			return rd.Adapters[role].Connected
		}
	}
	return false
}

// serveProxy sends each request to the next replica in turn, and says
// which in the X-Fleet-Backend response header. A replica that is down
// gets the request anyway and the caller sees 502, as behind a real load
// balancer between two health checks.
func (f *Fleet) serveProxy(w http.ResponseWriter, r *http.Request) {
	i := int(f.next.Add(1) % uint64(len(f.Replicas)))
	target, _ := url.Parse(f.Replicas[i].URL())
	p := httputil.NewSingleHostReverseProxy(target)
	p.ModifyResponse = func(resp *http.Response) error {
		resp.Header.Set("X-Fleet-Backend", strconv.Itoa(i))
		return nil
	}
	p.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
		w.Header().Set("X-Fleet-Backend", strconv.Itoa(i))
		w.WriteHeader(http.StatusBadGateway)
	}
	p.ServeHTTP(w, r)
}

// Update is a private text message from user (the chat is the user's).
func Update(id int, user int64, text string) []byte {
	b, _ := json.Marshal(map[string]any{
		"update_id": id,
		"message": map[string]any{
			"message_id": id, "date": time.Now().Unix(), "text": text,
			"from": map[string]any{"id": user, "is_bot": false, "first_name": "Traveler"},
			"chat": map[string]any{"id": user, "type": "private"},
		},
	})
	return b
}

// Post delivers one webhook body once: through the proxy when replica is
// negative, else straight to that replica. It returns the status and the
// replica that answered (-1 when unknown).
func (f *Fleet) Post(ctx context.Context, replica int, body []byte) (int, int, error) {
	return f.Send(ctx, replica, WebhookPath, body, http.Header{"X-Telegram-Bot-Api-Secret-Token": {WebhookSecret}})
}

// Send posts a JSON body with the given headers to path once: through the
// proxy when replica is negative, else straight to that replica. It returns
// the status and the replica that answered (-1 when unknown).
func (f *Fleet) Send(ctx context.Context, replica int, path string, body []byte, hdr http.Header) (int, int, error) {
	base := f.ProxyURL
	if replica >= 0 {
		base = f.Replicas[replica].URL()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, -1, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, replica, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	backend := replica
	if v := resp.Header.Get("X-Fleet-Backend"); v != "" {
		backend, _ = strconv.Atoi(v)
	}
	return resp.StatusCode, backend, nil
}

// Deliver delivers body until a replica acknowledges it with 200, as
// Telegram does: through the proxy when replica is negative, else to that
// replica first and then to the next ones in turn. Between attempts it
// waits retry. It returns the replica that acknowledged and the number of
// attempts.
func (f *Fleet) Deliver(ctx context.Context, replica int, body []byte, retry time.Duration) (int, int, error) {
	for attempt := 1; ; attempt++ {
		target := replica
		if replica >= 0 {
			target = (replica + attempt - 1) % len(f.Replicas)
		}
		code, backend, err := f.Post(ctx, target, body)
		if err == nil && code == http.StatusOK {
			return backend, attempt, nil
		}
		select {
		case <-ctx.Done():
			return -1, attempt, fmt.Errorf("fleet: not acknowledged after %d attempts (last: %d %v): %w", attempt, code, err, ctx.Err())
		case <-time.After(retry):
		}
	}
}

// Admin calls an admin endpoint of a replica with the admin token.
func (r *Replica) Admin(ctx context.Context, path string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("fleet: %s: %d %s", path, resp.StatusCode, b)
	}
	return nil
}

// Console is an admin logged in to one replica's console, as a browser
// is: a session cookie and the page's CSRF token.
type Console struct {
	base string
	http *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Console logs in to the replica's admin console with the admin token.
func (r *Replica) Console(ctx context.Context) (*Console, error) {
	jar, _ := cookiejar.New(nil)
	c := &Console{base: r.URL(), http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if _, err := c.send(ctx, http.MethodGet, "/admin/login", nil); err != nil {
		return nil, err
	}
	code, err := c.send(ctx, http.MethodPost, "/admin/login", url.Values{"token": {AdminToken}, "csrf": {c.csrf}})
	if err != nil {
		return nil, err
	}
	if code != http.StatusSeeOther {
		return nil, fmt.Errorf("fleet: console login: %d", code)
	}
	if code, err := c.send(ctx, http.MethodGet, "/admin/review", nil); err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("fleet: console review page: %d %v", code, err)
	}
	return c, nil
}

// Promote posts the review page's promote form: text becomes an alternate
// of entry, for cluster. It returns the review page shown afterwards,
// which tells how it went.
func (c *Console) Promote(ctx context.Context, cluster, entry, text string) (string, error) {
	code, err := c.send(ctx, http.MethodPost, "/admin/review/promote", url.Values{"csrf": {c.csrf}, "cluster": {cluster}, "entry": {entry}, "text": {text}, "as": {"alternate"}})
	if err != nil {
		return "", err
	}
	if code != http.StatusSeeOther {
		return "", fmt.Errorf("fleet: console promote: %d", code)
	}
	page, err := c.page(ctx, "/admin/review")
	return page, err
}

func (c *Console) page(ctx context.Context, path string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// send sends a form (nil for none) and keeps the CSRF token of the page it
// gets back.
func (c *Console) send(ctx context.Context, method, path string, form url.Values) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, nil
}

// Command runs the travelbot binary with args (`review promote
// --database-url ...`, say) in an environment of its own, and returns what
// it printed.
func (f *Fleet) Command(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, f.opts.Binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + f.opts.Dir}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("fleet: travelbot %s: %w\n%s", strings.Join(args[:min(len(args), 2)], " "), err, out) // not the database URL
	}
	return string(out), nil
}

// Answer is what POST /v1/ask answers, in part.
type Answer struct {
	Outcome string `json:"outcome"`
	ID      string `json:"id"`
}

// Ask asks the replica a question over POST /v1/ask.
func (r *Replica) Ask(ctx context.Context, question string) (Answer, error) {
	var a Answer
	body, _ := json.Marshal(map[string]string{"question": question})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.URL()+"/v1/ask", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return a, fmt.Errorf("fleet: /v1/ask: %d", resp.StatusCode)
	}
	err = json.NewDecoder(resp.Body).Decode(&a)
	return a, err
}

// AskVia asks a question over POST /v1/ask through the proxy on behalf of
// the client address asker (in X-Forwarded-For: the replicas trust the
// proxy) and returns the status (429 when rate limited).
func (f *Fleet) AskVia(ctx context.Context, asker, question string) (int, error) {
	body, _ := json.Marshal(map[string]string{"question": question})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.ProxyURL+"/v1/ask", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", asker)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Telegram is a fake Bot API with one endpoint per replica, so that it
// knows which replica sends. It counts sendMessage per chat, and can hold
// one replica's sendMessage calls (Hold) to catch it mid-reply.
type Telegram struct {
	urls []string
	srvs []*http.Server

	mu      sync.Mutex
	sent    map[int64]int // chat -> sendMessage calls that went through
	total   int
	held    map[int]bool // replica -> its sendMessage calls wait
	waiting map[int]int  // replica -> calls waiting now
	release chan struct{}
}

func newTelegram(n int) (*Telegram, error) {
	t := &Telegram{sent: map[int64]int{}, held: map[int]bool{}, waiting: map[int]int{}, release: make(chan struct{})}
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.close()
			return nil, fmt.Errorf("fleet: %w", err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.serve(i, w, r) })}
		go srv.Serve(ln)
		t.urls = append(t.urls, "http://"+ln.Addr().String())
		t.srvs = append(t.srvs, srv)
	}
	return t, nil
}

func (t *Telegram) close() {
	for _, s := range t.srvs {
		s.Close()
	}
}

// Sent returns how many sendMessage calls went through to each chat.
func (t *Telegram) Sent() map[int64]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[int64]int, len(t.sent))
	for k, v := range t.sent {
		out[k] = v
	}
	return out
}

// Total is the number of sendMessage calls that went through.
func (t *Telegram) Total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// Hold makes the sendMessage calls of replica wait (uncounted) until
// Release, or until the replica goes away.
func (t *Telegram) Hold(replica int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.held[replica] = true
}

// Release lets every held call through and stops holding.
func (t *Telegram) Release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.held = map[int]bool{}
	close(t.release)
	t.release = make(chan struct{})
}

// Waiting is how many sendMessage calls of replica are being held now.
func (t *Telegram) Waiting(replica int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waiting[replica]
}

func (t *Telegram) serve(replica int, w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, telegramMethod)
	if !ok {
		writeResult(w, http.StatusUnauthorized, nil, "Unauthorized")
		return
	}
	_ = r.ParseMultipartForm(1 << 20)
	switch method {
	case "getMe":
		writeResult(w, http.StatusOK, map[string]any{"id": TelegramBotID, "is_bot": true, "first_name": "Travelbot", "username": "travelbot_fleet_bot"}, "")
	case "sendMessage":
		chat, _ := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
		t.mu.Lock()
		if t.held[replica] {
			t.waiting[replica]++
			rel := t.release
			t.mu.Unlock()
			select {
			case <-rel:
			case <-r.Context().Done():
			}
			t.mu.Lock()
			t.waiting[replica]--
			if r.Context().Err() != nil { // the replica died waiting: nothing was sent
				t.mu.Unlock()
				return
			}
		}
		t.sent[chat]++
		t.total++
		id := t.total
		t.mu.Unlock()
		writeResult(w, http.StatusOK, map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": r.FormValue("text")}, "")
	default: // setWebhook, setMyCommands, deleteWebhook, answerCallbackQuery...
		writeResult(w, http.StatusOK, true, "")
	}
}

func writeResult(w http.ResponseWriter, code int, result any, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	body := map[string]any{"ok": code == http.StatusOK}
	if code == http.StatusOK {
		body["result"] = result
	} else {
		body["error_code"], body["description"] = code, desc
	}
	_ = json.NewEncoder(w).Encode(body)
}

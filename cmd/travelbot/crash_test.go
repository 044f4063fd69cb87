package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"travelbot/bot/store/sqlite"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/internal/deathsig"
)

// crashHelper, set in the environment, makes the test binary run `travelbot
// serve` from its package init, as the real binary would: TestCrash
// restarts it after kill -9.
const crashHelper = "serve-crash"

func init() {
	if os.Getenv("TRAVELBOT_TEST_HELPER") == crashHelper {
		os.Exit(runMain([]string{"serve"}))
	}
}

// crashDeadline bounds every wait of TestCrash: generous, for -race on a
// loaded 2-core machine; a healthy run waits far less.
const crashDeadline = 60 * time.Second

// TestCrash runs the real `travelbot serve` as a child process polling a
// fake Telegram with 50 questions queued from 50 chats, kills it with
// SIGKILL mid-way several times, each time starting a new one on the same
// data directory, and counts the answers each chat got.
//
// Every sendMessage goes through a gate in front of the fake. Kills 1-3
// happen when exactly k replies have been accepted and the gate holds the
// rest, once each accepted reply is marked done in the store: no reply is
// in the window between Telegram accepting it and its done-mark, so none
// may be answered twice. Kill 4 happens the instant the fake accepts a
// reply, before the process even reads the response: that reply is in the
// window for sure, with whatever others were in flight. The test reads the
// window from the store after the kill and requires that exactly the
// replies in it, and no other, are answered twice.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	const chats = 50
	tg := telegramtest.New(t)
	g := newSendGate(tg)
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	dir := t.TempDir()
	// A small FAQ: the children start in a fraction of the embedded one's
	// compile, which -race makes slow.
	faqPath := filepath.Join(t.TempDir(), "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))

	updateOf := map[int64]int{} // chat -> update id
	for i := range chats {
		chat := int64(8100 + i)
		updateOf[chat] = tg.Enqueue(telegramtest.PrivateText(chat, "Is tap water safe to drink in Milan?"))
	}
	lastUpdate := updateOf[8100+chats-1]

	// gone waits until the gate holds no call of a killed child any more,
	// so that none is let through to the fake later, as if Telegram had
	// taken a call from a dead process.
	gone := func(c *crashChild) {
		t.Helper()
		if !tg.WaitUntil(crashDeadline, func() bool { return g.waiting() == 0 }) {
			t.Fatalf("%s: its %d calls still held after the kill", c.name, g.waiting())
		}
	}
	child := func(name string) *crashChild {
		c, err := startCrashChild(t, name, dir, faqPath, front.URL)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	start := time.Now()
	// Kills 1-3: no reply in the window.
	for _, k := range []int{1, 19, 36} {
		g.limit(k)
		c := child(fmt.Sprintf("child killed at %d", k))
		ok := tg.WaitUntil(crashDeadline, func() bool {
			n, err := doneCount(dir)
			return g.accepted() == k && err == nil && n == k
		})
		if !ok {
			n, err := doneCount(dir)
			c.kill()
			t.Fatalf("%s: %d replies accepted, %d done (%v), want %d of each\n%s", c.name, g.accepted(), n, err, k, c.logs())
		}
		c.kill()
		gone(c)
		t.Logf("%s after %v", c.name, time.Since(start).Round(time.Millisecond))
	}

	// Kill 4: the instant the fake accepts the 44th reply.
	const instant = 44
	c := child("child killed as reply 44 is accepted")
	g.killAt(instant, c.kill)
	if !tg.WaitUntil(crashDeadline, c.exited) {
		c.kill()
		t.Fatalf("%s: not killed; %d replies accepted\n%s", c.name, g.accepted(), c.logs())
	}
	gone(c)
	t.Logf("%s after %v", c.name, time.Since(start).Round(time.Millisecond))
	window, err := windowAt(dir, tg, updateOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(window) == 0 {
		t.Errorf("killed as a reply was accepted, yet no reply is in the window: the done-mark came before the reply?")
	}

	// The last child answers the rest.
	g.open()
	last := child("last child")
	answered := tg.WaitUntil(crashDeadline, func() bool {
		for chat := range updateOf {
			if len(tg.SentTo(chat)) == 0 {
				return false
			}
		}
		return tg.Offset() > lastUpdate // everything handled and confirmed: nothing more will be sent
	})
	last.kill()
	if !answered {
		t.Fatalf("not every chat answered (offset %d, want > %d)\n%s", tg.Offset(), lastUpdate, last.logs())
	}

	var twice []int64
	for chat := range updateOf {
		switch n := len(tg.SentTo(chat)); {
		case n == 2:
			twice = append(twice, chat)
		case n != 1:
			t.Errorf("chat %d got %d answers, want 1 (or 2 if its reply was in the window)", chat, n)
		}
	}
	slices.Sort(twice)
	slices.Sort(window)
	t.Logf("4 kills -9 of %d questions: %d answered twice %v; in the send-to-done window at the last kill: %v", chats, len(twice), twice, window)
	if !slices.Equal(twice, window) {
		t.Errorf("answered twice: %v; want exactly the replies in the window at a kill: %v", twice, window)
	}
}

// crashChild is one `travelbot serve` process.
type crashChild struct {
	name string
	cmd  *exec.Cmd
	done <-chan struct{} // closed when it has exited
	out  *syncWriter
}

func startCrashChild(t *testing.T, name, dir, faqPath, endpoint string) (*crashChild, error) {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRAVELBOT_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"TRAVELBOT_TEST_HELPER="+crashHelper,
		"TRAVELBOT_HTTP_ADDR=127.0.0.1:0",
		"TRAVELBOT_LOG_FORMAT=json",
		"TRAVELBOT_WATCH=false",
		"TRAVELBOT_DATA_DIR="+dir,
		"TRAVELBOT_FAQ="+faqPath,
		"XDG_STATE_HOME="+dir,
		"TRAVELBOT_TELEGRAM_TOKEN="+telegramtest.Token,
		"TRAVELBOT_TELEGRAM_API_BASE="+endpoint,
	)
	c := &crashChild{name: name, out: &syncWriter{}}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = env
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	// A test that dies takes the child with it.
	done, err := deathsig.Start(c.cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.done = done
	t.Cleanup(c.kill)
	return c, nil
}

// kill sends SIGKILL and waits for the exit.
func (c *crashChild) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

func (c *crashChild) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *crashChild) logs() string { return c.out.String() }

// sendGate stands in front of the fake Telegram and lets a bounded number
// of sendMessage calls through; the others wait (until the client gives
// up, or the gate opens further). Other methods pass.
type sendGate struct {
	tg *telegramtest.Server

	mu      sync.Mutex
	n       int // sendMessage calls passed to the fake
	held    int // calls waiting
	max     int // -1: no bound
	changed chan struct{}
	killN   int    // after the killN-th call is answered by the fake, kill
	killFn  func() // runs then, before the response is written out
}

func newSendGate(tg *telegramtest.Server) *sendGate {
	return &sendGate{tg: tg, max: -1, changed: make(chan struct{})}
}

func (g *sendGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/sendMessage") {
		g.tg.ServeHTTP(w, r)
		return
	}
	// Read the body first: net/http notices that the client went away
	// (the killed process) only once the body has been read.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var n int
	g.mu.Lock()
	g.held++
	for {
		if g.max < 0 || g.n < g.max {
			g.n++
			n = g.n
			g.held--
			g.mu.Unlock()
			break
		}
		ch := g.changed
		g.mu.Unlock()
		select {
		case <-ch:
		case <-r.Context().Done():
			g.mu.Lock()
			g.held--
			g.mu.Unlock()
			return
		}
		g.mu.Lock()
		if r.Context().Err() != nil {
			// The process died while its call waited: Telegram never got it.
			g.held--
			g.mu.Unlock()
			return
		}
	}
	rec := httptest.NewRecorder()
	g.tg.ServeHTTP(rec, r)
	g.mu.Lock()
	kill := g.killFn
	if n != g.killN {
		kill = nil
	}
	g.mu.Unlock()
	if kill != nil {
		// The fake has accepted the reply; the process has not seen the
		// answer yet, so it cannot have marked the reply done.
		kill()
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// waiting is the number of calls the gate holds.
func (g *sendGate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

func (g *sendGate) accepted() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// limit lets calls through until k have passed in all.
func (g *sendGate) limit(k int) { g.set(k) }

// open lets every call through.
func (g *sendGate) open() { g.set(-1) }

// killAt opens the gate and runs kill once the fake has answered the n-th
// call.
func (g *sendGate) killAt(n int, kill func()) {
	g.mu.Lock()
	g.killN, g.killFn = n, kill
	g.mu.Unlock()
	g.open()
}

func (g *sendGate) set(max int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.max = max
	close(g.changed)
	g.changed = make(chan struct{})
}

// openStore opens the child's store read-only, from outside.
func openStoreRO(dir string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?mode=ro&_pragma=busy_timeout(10000)")
}

// doneCount is the number of updates the store records as answered.
func doneCount(dir string) (int, error) {
	db, err := openStoreRO(dir)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(context.Background(), `SELECT count(*) FROM claims WHERE done`).Scan(&n)
	return n, err
}

// windowAt returns the chats whose reply Telegram has accepted but which
// the store does not record as answered: the replies in the window.
func windowAt(dir string, tg *telegramtest.Server, updateOf map[int64]int) ([]int64, error) {
	db, err := openStoreRO(dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	done := map[string]bool{}
	rows, err := db.QueryContext(context.Background(), `SELECT key FROM claims WHERE done`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		done[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []int64
	for chat, id := range updateOf {
		key := "telegram:" + strconv.FormatInt(telegramtest.Me.ID, 10) + ":" + strconv.Itoa(id)
		if len(tg.SentTo(chat)) > 0 && !done[key] {
			out = append(out, chat)
		}
	}
	return out, nil
}

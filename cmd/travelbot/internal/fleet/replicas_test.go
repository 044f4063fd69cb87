package fleet_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"travelbot/bot/discord/discordtest"
	"travelbot/bot/store/pgtest"
	"travelbot/cmd/travelbot/internal/fleet"
	"travelbot/faq"
	"travelbot/internal/testutil"
	"travelbot/seeds"
)

// The binary and the PostgreSQL cluster every test here shares.
var (
	binary  string
	cluster *pgtest.Cluster
	setup   error // why there is no cluster or binary
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "fleet-")
	if err != nil {
		panic(err)
	}
	if !testing.Short() {
		// The build and the cluster's initdb take seconds each, mostly in
		// other processes: side by side.
		var buildErr, pgErr error
		var wg sync.WaitGroup
		wg.Go(func() { binary, buildErr = fleet.Build(dir) })
		wg.Go(func() { cluster, pgErr = pgtest.New() })
		wg.Wait()
		if setup = buildErr; setup == nil {
			setup = pgErr
		}
	}
	code := m.Run()
	if cluster != nil {
		cluster.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// need skips t without PostgreSQL (failing under CI) and fails it when the
// binary did not build.
func need(t *testing.T) {
	t.Helper()
	switch {
	case testing.Short():
		t.Skip("starts three travelbot processes")
	case errors.Is(setup, pgtest.ErrNotInstalled) && os.Getenv("CI") == "":
		t.Skipf("skipping: %v", setup)
	case setup != nil:
		t.Fatal(setup)
	}
}

// waitTimeout bounds the waits for what normally takes milliseconds.
const waitTimeout = 10 * time.Second

// question is what every traveler of the burst asks: its reply is the same
// number of messages each time.
const question = "where is the US consulate in Milan?"

// TestReplicas runs three serve processes on one database behind a
// round-robin proxy and checks what several replicas promise: each webhook
// update answered once though a fifth of them reach two replicas and one
// replica is killed mid-reply; the gateway taken over when its leader dies;
// a FAQ change on one replica served by all.
func TestReplicas(t *testing.T) {
	need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dc := discordtest.New(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dsn := cluster.Database(t)
	f, err := fleet.Start(ctx, fleet.Options{
		Binary: binary, DSN: dsn, Dir: t.TempDir(), Replicas: 3, ClaimTTL: 2 * time.Second,
		Env: []string{
			"TRAVELBOT_DISCORD_TOKEN=" + discordtest.Token, "TRAVELBOT_DISCORD_API_BASE=" + dc.URL,
			"TRAVELBOT_DISCORD_PUBLIC_KEY=" + hex.EncodeToString(pub),
			fmt.Sprintf("TRAVELBOT_API_RATE_PER_MINUTE=%d", ratePerMinute), fmt.Sprintf("TRAVELBOT_API_RATE_BURST=%d", rateBurst),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer func() {
		if t.Failed() {
			for _, r := range f.Replicas {
				log, _ := os.ReadFile(r.Log)
				t.Logf("replica %d stderr (tail):\n%s", r.Index, tailBytes(log, 4000))
			}
		}
	}()

	t.Run("TelegramExactlyOnce", func(t *testing.T) { testExactlyOnce(ctx, t, f, dsn) })
	t.Run("DiscordInteractionsOnce", func(t *testing.T) { testInteractions(ctx, t, f, dc, priv) })
	t.Run("GatewayTakeover", func(t *testing.T) { testTakeover(ctx, t, f, dc) })
	t.Run("FAQEverywhere", func(t *testing.T) { testFAQ(ctx, t, f) })
	t.Run("PromoteOnReadOnlyFAQ", func(t *testing.T) { testPromote(ctx, t, f, dsn) })
	t.Run("RateLimitDrift", func(t *testing.T) { testRateDrift(ctx, t, f) }) // last: it spends the budget
}

func testExactlyOnce(ctx context.Context, t *testing.T, f *fleet.Fleet, dsn string) {
	// How many messages one reply is.
	if _, _, err := f.Deliver(ctx, 0, fleet.Update(1, 1, question), 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if perReply := f.Telegram.Sent()[1]; perReply != 1 {
		t.Fatalf("the first update got %d messages; the test counts on one message per reply", perReply)
	}
	const perReply = 1
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())

	// 600 updates: 120 of them delivered twice, the victim killed after
	// 200, with the replicas busy throughout.
	const n = 600
	const victim = 1
	user := func(i int) int64 { return 1_000_000 + int64(i) }
	var acked atomic.Int32
	third := make(chan struct{}) // closed when n/3 updates are acknowledged
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				body := fleet.Update(10_000+i, user(i), question)
				var err error
				switch i % 10 {
				case 0: // acknowledged, then delivered again to another replica
					var b int
					if b, _, err = f.Deliver(ctx, -1, body, 20*time.Millisecond); err == nil {
						_, _, err = f.Deliver(ctx, (b+1)%3, body, 20*time.Millisecond)
					}
				case 5: // delivered to two replicas at once
					var wg2 sync.WaitGroup
					var e1, e2 error
					wg2.Go(func() { _, _, e1 = f.Deliver(ctx, i%3, body, 20*time.Millisecond) })
					wg2.Go(func() { _, _, e2 = f.Deliver(ctx, (i+1)%3, body, 20*time.Millisecond) })
					wg2.Wait()
					err = errors.Join(e1, e2)
				default:
					_, _, err = f.Deliver(ctx, -1, body, 20*time.Millisecond)
				}
				if err != nil {
					errs <- fmt.Errorf("update %d: %w", i, err)
				}
				if acked.Add(1) == n/3 {
					close(third)
				}
			}
		})
	}

	// The kill: once a third is acknowledged, catch the victim mid-reply
	// (its sendMessage calls held, so it holds claims it has not
	// answered), SIGKILL it, and start it again. It is killed when every
	// claim it holds unfinished is a reply held at sendMessage: none is in
	// the window between a reply taken by Telegram and the claim marked
	// done, which no lease can cover (see postgres.Claims).
	rd, err := f.Replicas[victim].Readiness(ctx)
	if err != nil || rd.Replica == nil {
		t.Fatalf("victim's /readyz: %+v, %v", rd, err)
	}
	owner := rd.Replica.ID
	killed := make(chan int, 1)
	go func() {
		defer close(killed)
		select {
		case <-third:
		case <-ctx.Done():
			return
		}
		f.Telegram.Hold(victim)
		// The claims are rows in the database and the held calls come
		// from another process: looked at until they agree. The senders
		// pile up on the held replica, so they come to rest.
		var queryErr error
		testutil.Eventually(t, time.Minute, func() bool {
			w := f.Telegram.Waiting(victim)
			var open int
			if queryErr = db.QueryRow(ctx, `SELECT count(*) FROM claims WHERE owner = $1 AND NOT done`, owner).Scan(&open); queryErr != nil {
				return true
			}
			return w >= 2 && open == w
		})
		if queryErr != nil {
			errs <- queryErr
		}
		held := f.Telegram.Waiting(victim)
		f.Replicas[victim].Kill()
		// The fake notices the dead process's connections.
		if !testutil.Eventually(t, waitTimeout, func() bool { return f.Telegram.Waiting(victim) == 0 }) {
			errs <- fmt.Errorf("the fake Telegram still holds %d calls of the killed replica", f.Telegram.Waiting(victim))
		}
		f.Telegram.Release()
		if err := f.Replicas[victim].Start(); err != nil {
			errs <- err
		} else if err := f.Replicas[victim].WaitHealthy(ctx); err != nil {
			errs <- err
		}
		killed <- held
	}()

	start := time.Now()
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)
	held := <-killed
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if held < 2 {
		t.Fatalf("the victim was killed with %d replies in flight, want at least 2", held)
	}

	sent := f.Telegram.Sent()
	var lost, twice []int
	for i := range n {
		switch c := sent[user(i)]; {
		case c < perReply:
			lost = append(lost, i)
		case c > perReply:
			twice = append(twice, i)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d updates not answered: %v", len(lost), head(lost))
	}
	if len(twice) > 0 {
		t.Errorf("%d updates answered more than once: %v", len(twice), head(twice))
	}
	t.Logf("%d updates (%d delivered twice) in %v, %.0f updates/s; replica %d killed with %d replies in flight and restarted",
		n, n/5, took.Round(time.Millisecond), n/took.Seconds(), victim, held)
}

func testTakeover(ctx context.Context, t *testing.T, f *fleet.Fleet, dc *discordtest.Server) {
	leader := func() int {
		for _, r := range f.Replicas {
			if rd, err := r.Readiness(ctx); err == nil && rd.Leads("discord") {
				return r.Index
			}
		}
		return -1
	}
	first := -1
	testutil.Eventually(t, 15*time.Second, func() bool { first = leader(); return first >= 0 })
	if first < 0 {
		t.Fatal("no replica leads the Discord gateway")
	}
	leaders := 0
	for _, r := range f.Replicas {
		if rd, err := r.Readiness(ctx); err == nil && rd.Replica != nil && len(rd.Replica.Leading) > 0 {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%d replicas lead the gateway, want 1", leaders)
	}
	identifies := len(dc.Identifies())
	f.Replicas[first].Kill()
	killedAt := time.Now()
	next := -1
	testutil.Eventually(t, 10*time.Second, func() bool { next = leader(); return next >= 0 })
	took := time.Since(killedAt)
	if next < 0 {
		t.Fatalf("no replica took the gateway within 10s of the leader's death")
	}
	if len(dc.Identifies()) <= identifies {
		t.Errorf("replica %d says it leads, but the gateway saw no new IDENTIFY", next)
	}
	t.Logf("replica %d killed; replica %d took the gateway after %v", first, next, took.Round(time.Millisecond))
	if err := f.Replicas[first].Start(); err != nil {
		t.Fatal(err)
	}
	if err := f.Replicas[first].WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
}

func testFAQ(ctx context.Context, t *testing.T, f *fleet.Fleet) {
	base, err := faq.Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	entry := base.Entries[0].ID
	const phrasing = "zorblax quantum visa glimmerfrost"
	r0 := f.Replicas[0]
	data, err := os.ReadFile(r0.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := faq.AddPhrasing(data, r0.FAQ, entry, phrasing, false)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(r0.FAQ), "faq.yaml.tmp")
	if err := os.WriteFile(tmp, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, r0.FAQ); err != nil {
		t.Fatal(err)
	}
	if err := r0.Admin(ctx, "/admin/reload"); err != nil {
		t.Fatal(err)
	}
	promoted := time.Now()
	rd0, err := r0.Readiness(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := rd0.FAQ.Version
	for _, r := range f.Replicas[1:] {
		var got string
		testutil.Eventually(t, time.Until(promoted.Add(propagation)), func() bool {
			if rd, err := r.Readiness(ctx); err == nil {
				got = rd.FAQ.Version
			}
			return got == want
		})
		if got != want {
			t.Errorf("replica %d serves FAQ %s %v after the change, want %s", r.Index, got, propagation, want)
			continue
		}
		a, err := r.Ask(ctx, phrasing)
		if err != nil || a.ID != entry {
			t.Errorf("replica %d answers the promoted phrasing with %+v, %v; want entry %s", r.Index, a, err, entry)
		}
	}
	t.Logf("FAQ %s served by every replica %v after the change on replica 0", want, time.Since(promoted).Round(time.Millisecond))
}

// propagation bounds how long a FAQ change may take to reach every
// replica before the test fails. The README's figure (within 2 s) is what
// the tests log on an idle machine; the bound is looser so that a loaded CI
// machine, where every replica compiles the FAQ at low priority beside the
// race detector, does not fail the test on a wall clock.
const propagation = 10 * time.Second

// testPromote promotes through the console of a replica whose FAQ file is
// read-only, as a ConfigMap is, then through `travelbot review promote
// --database-url`: each edit goes to the database as a new version, the
// file is left as it was, and every replica answers the promoted phrasing
// (within 2 s on an idle machine; see propagation).
func testPromote(ctx context.Context, t *testing.T, f *fleet.Fleet, dsn string) {
	base, err := faq.Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	r1 := f.Replicas[1]
	restore, err := r1.ReadOnlyFAQ()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	file, err := os.ReadFile(r1.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r1.Console(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// servedEverywhere waits (2 s at most) until every replica serves a
	// version other than before that answers phrasing with entry.
	servedEverywhere := func(how, before, phrasing, entry string) {
		t.Helper()
		done := time.Now()
		for _, r := range f.Replicas {
			var got string
			var a fleet.Answer
			if !testutil.Eventually(t, time.Until(done.Add(propagation)), func() bool {
				rd, err := r.Readiness(ctx)
				if err != nil || rd.FAQ.Version == before {
					return false
				}
				got = rd.FAQ.Version
				a, err = r.Ask(ctx, phrasing)
				return err == nil && a.ID == entry
			}) {
				t.Errorf("%s: replica %d serves FAQ %s (was %s) and answers %q with %+v %v after the promote; want entry %s", how, r.Index, got, before, phrasing, a, propagation, entry)
			}
		}
		t.Logf("%s: served by every replica %v after the promote", how, time.Since(done).Round(time.Millisecond))
	}

	rd, err := r1.Readiness(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entry, phrasing := base.Entries[1].ID, "frobnitz lantern ticket quibble"
	if a, err := f.Replicas[2].Ask(ctx, phrasing); err != nil || a.ID == entry {
		t.Fatalf("before the promote, %q gets %+v, %v", phrasing, a, err)
	}
	page, err := c.Promote(ctx, "fleet-console-cluster", entry, phrasing)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, "The FAQ was not changed") {
		t.Fatalf("the console refused the promote:\n%s", page)
	}
	servedEverywhere("console", rd.FAQ.Version, phrasing, entry)

	// The same from the command line, on the database alone.
	rd, err = r1.Readiness(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entry2, phrasing2 := base.Entries[2].ID, "wibblethorp parking snowglobe"
	if _, err := f.Command(ctx, "review", "promote", "--database-url", dsn, "--entry", entry2, "--question", phrasing2, "fleet-cli-cluster"); err != nil {
		t.Fatal(err)
	}
	servedEverywhere("cli", rd.FAQ.Version, phrasing2, entry2)
	// The first promote is kept: the second edited the version it made.
	if a, err := f.Replicas[0].Ask(ctx, phrasing); err != nil || a.ID != entry {
		t.Errorf("after the second promote, %q gets %+v, %v; want entry %s", phrasing, a, err, entry)
	}
	if now, err := os.ReadFile(r1.FAQ); err != nil || string(now) != string(file) {
		t.Errorf("the read-only FAQ file changed (%v): the promotes must go to the database", err)
	}
}

func head(xs []int) []int {
	sort.Ints(xs)
	if len(xs) > 20 {
		return xs[:20]
	}
	return xs
}

func tailBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// The rate limit of the fleet's HTTP API: small, so the drift shows.
const (
	ratePerMinute = 6
	rateBurst     = 4
)

// testRateDrift measures how far a per-replica rate limit drifts behind a
// round-robin proxy: one asker (one address) gets each replica's burst, so
// up to replicas × burst at once instead of burst. The chat limits are the
// same limiter, kept per replica the same way.
func testRateDrift(ctx context.Context, t *testing.T, f *fleet.Fleet) {
	const asks = 40
	ok := 0
	start := time.Now()
	for range asks {
		code, err := f.AskVia(ctx, "203.0.113.7", "is the tap water safe to drink?")
		if err != nil {
			t.Fatal(err)
		}
		if code == http.StatusOK {
			ok++
		}
	}
	took := time.Since(start)
	n := len(f.Replicas)
	// What refilled during the run, on every replica.
	refill := n * (1 + int(took.Minutes()*ratePerMinute))
	if ok < n*rateBurst || ok > n*rateBurst+refill {
		t.Errorf("%d of %d back-to-back asks answered through the proxy, want %d (each replica's burst of %d) plus at most %d refilled", ok, asks, n*rateBurst, rateBurst, refill)
	}
	t.Logf("rate limit drift: %d of %d asks answered in %v with burst %d per replica on %d replicas (one process: %d)", ok, asks, took.Round(time.Millisecond), rateBurst, n, rateBurst)
}

// testInteractions posts 300 signed slash commands through the proxy to
// the Interactions Endpoint URL, a fifth of them again to another replica
// at once, and checks each was responded to exactly once (the fake refuses
// a second response, and records it).
func testInteractions(ctx context.Context, t *testing.T, f *fleet.Fleet, dc *discordtest.Server, key ed25519.PrivateKey) {
	const n = 300
	tokens := make([]string, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				ix := dc.Command(strconv.Itoa(500_000+i), true, "ask", "question", question)
				tokens[i] = ix.Token
				body, _ := json.Marshal(ix.Payload)
				dc.Expect(ix)
				send := func(replica int) error {
					ts := strconv.FormatInt(time.Now().Unix(), 10)
					sig := ed25519.Sign(key, append([]byte(ts), body...))
					code, _, err := f.Send(ctx, replica, "/discord/interactions", body, http.Header{
						"X-Signature-Ed25519": {hex.EncodeToString(sig)}, "X-Signature-Timestamp": {ts},
					})
					if err == nil && code != http.StatusAccepted {
						err = fmt.Errorf("status %d, want 202", code)
					}
					return err
				}
				var err error
				if i%5 == 0 { // to the proxy and to a replica at once
					var wg2 sync.WaitGroup
					var e1, e2 error
					wg2.Go(func() { e1 = send(-1) })
					wg2.Go(func() { e2 = send(i % 3) })
					wg2.Wait()
					err = errors.Join(e1, e2)
				} else {
					err = send(-1)
				}
				if err != nil {
					t.Errorf("interaction %d: %v", i, err)
					continue
				}
				if _, err := dc.WaitN(10*time.Second, 1, isCallback(ix.Token)); err != nil {
					t.Errorf("interaction %d not responded to: %v", i, err)
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)
	index := make(map[string]int, n)
	for i, tok := range tokens {
		index[tok] = i
	}
	var twice, late []int
	for _, r := range dc.Requests() {
		if i, ok := index[callbackToken(r)]; ok {
			switch {
			case r.Status == http.StatusBadRequest: // a second response
				twice = append(twice, i)
			case r.Status == http.StatusNotFound: // after Discord's 3 s
				late = append(late, i)
			}
		}
	}
	if len(twice) > 0 {
		t.Errorf("%d interactions responded to more than once: %v", len(twice), head(twice))
	}
	if len(late) > 0 {
		t.Errorf("%d interactions responded to after Discord's 3-second deadline: %v", len(late), head(late))
	}
	t.Logf("%d interactions (%d delivered twice) answered in %v", n, n/5, took.Round(time.Millisecond))
}

// callbackToken is the interaction token of a response, or "".
func callbackToken(r discordtest.Request) string {
	parts := strings.Split(r.Path, "/")
	if r.Method != http.MethodPost || len(parts) < 2 || parts[len(parts)-1] != "callback" {
		return ""
	}
	return parts[len(parts)-2]
}

// isCallback matches the interaction responses (not edits or follow-ups) to
// the interaction with token.
func isCallback(token string) func(discordtest.Request) bool {
	return func(r discordtest.Request) bool {
		return r.Method == http.MethodPost && strings.Contains(r.Path, "/"+token+"/callback")
	}
}

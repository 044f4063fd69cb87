package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"travelbot/bot/discord/discordtest"
	"travelbot/bot/store"
	"travelbot/bot/store/pgtest"
	"travelbot/config"
	"travelbot/faq"
)

// withDatabase makes startServer's server a replica on dsn.
func withDatabase(t *testing.T, dsn string) func(*config.Config, *server) {
	return func(c *config.Config, s *server) {
		c.DatabaseURL = config.NewSecret(dsn)
		c.DataDir = t.TempDir()
		s.getenv = func(k string) string {
			if k == store.HashKeyEnv {
				return "replica-test-hash-key-0123"
			}
			return ""
		}
	}
}

// pg is the PostgreSQL cluster the package's tests share, each on a
// database of its own; TestMain stops it.
var pg pgtest.Shared

// waitSync waits until ts has swapped in version from the database (a
// sync reload, which another replica's change set off).
func waitSync(t *testing.T, ts *testServer, version string) bool {
	t.Helper()
	_, _, ok := ts.reloads.Wait(0, waitTimeout, func(r faq.ReloadResult) bool {
		return r.Trigger == "sync" && r.OK && r.Version == version
	})
	return ok && ts.live.Current().Version() == version
}

// waitGateway waits until cond, a look at what the fake Discord recorded,
// holds: it is woken by every change the fake records.
func waitGateway(dc *discordtest.Server, cond func() bool) bool {
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		changed := dc.Changed()
		if cond() {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return cond()
		}
	}
}

func TestReplicasServeOneFAQ(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	dsn := pg.Start(t).Database(t)
	ctx := context.Background()
	a := startServer(t, withDatabase(t, dsn))
	b := startServer(t, withDatabase(t, dsn))
	v1 := a.live.Current().Version()
	if got := b.live.Current().Version(); got != v1 {
		t.Fatalf("two replicas on one file serve %s and %s", v1, got)
	}

	// A change on one replica reaches the other through the database.
	writeFile(t, a.faqPath, faqYAML("Definitely."))
	res := a.reloader.Reload(ctx, "http")
	if !res.OK || !res.Changed {
		t.Fatalf("reload on a: %+v", res)
	}
	v2 := res.Version
	if !waitSync(t, b, v2) {
		t.Fatalf("b still serves %s, want a's %s; b's reloads: %+v", b.live.Current().Version(), v2, b.reloads.All())
	}
	if r, _ := b.status.get(); r.Trigger != "sync" {
		t.Errorf("b's last reload trigger = %q, want sync", r.Trigger)
	}
	code, body, _ := call(t, "GET", b.url+"/readyz", "", nil)
	if rep, ok := body["replica"].(map[string]any); code != 200 || !ok || rep["id"] == "" {
		t.Errorf("/readyz = %d %v, want the replica's id", code, body)
	}
	if f, _ := body["faq"].(map[string]any); f["version"] != v2 {
		t.Errorf("/readyz faq = %v, want version %s", body["faq"], v2)
	}

	// A replica started on the old file (a version the database knows)
	// serves the latest, not its file.
	c := startServer(t, withDatabase(t, dsn))
	if got := c.live.Current().Version(); got != v2 {
		t.Errorf("a replica started on the old file serves %s, want the latest %s (old file %s)", got, v2, v1)
	}

	// A file version the database has never seen is imported, by a file
	// reload too, and the others follow.
	writeFile(t, c.faqPath, faqYAML("Only bottled."))
	res = c.reloader.Reload(ctx, "file")
	if !res.OK || !res.Changed {
		t.Fatalf("file reload on c: %+v", res)
	}
	for name, s := range map[string]*testServer{"a": a, "b": b} {
		if !waitSync(t, s, res.Version) {
			t.Errorf("%s serves %s, want c's %s", name, s.live.Current().Version(), res.Version)
		}
	}
}

func TestReplicaNeedsTheSharedHashKey(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	dsn := pg.Start(t).Database(t)
	cfg := config.Default()
	cfg.FAQ = filepath.Join(t.TempDir(), "faq.yaml") // not the embedded FAQ: its compile is not what is tested
	writeFile(t, cfg.FAQ, faqYAML("Yes."))
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.DatabaseURL = config.NewSecret(dsn)
	cfg.DataDir = t.TempDir()
	s := newServer(cfg, slog.New(slog.DiscardHandler))
	s.getenv = func(string) string { return "" }
	s.signals = make(chan os.Signal)
	err := s.Open()
	s.Close()
	if err == nil || !strings.Contains(err.Error(), store.HashKeyEnv) {
		t.Errorf("Open without %s = %v, want an error naming it", store.HashKeyEnv, err)
	}
}

// TestReplicasShareTheDiscordShards runs two replicas on a Discord bot of
// two shards: each shard is led by one replica, and when one replica stops
// the other takes its shard over. The IDENTIFYs are paced across the
// replicas as in production, at a shorter spacing, and the fake gateway
// holds them to a window as short (it records a gateway problem, failing
// the test, for two IDENTIFYs closer than that).
func TestReplicasShareTheDiscordShards(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	dsn := pg.Start(t).Database(t)
	dc := discordtest.New(t)
	const spacing = 300 * time.Millisecond
	// The paced slot is taken right before the IDENTIFY is sent (the
	// adapter's IdentifyGate, after the dial and HELLO), so the fake sees
	// the spacing but for how long each IDENTIFY takes to reach it: the
	// window is the spacing less a margin for that (unpaced, the two
	// identify within milliseconds).
	dc.SetIdentifyWindow(spacing - 50*time.Millisecond)
	sharded := func(c *config.Config, s *server) {
		withDatabase(t, dsn)(c, s)
		c.Discord.Token = config.NewSecret(discordtest.Token)
		c.Discord.APIBase = dc.URL
		c.Discord.ShardCount = 2
		s.identifySpacing = spacing
	}
	replicas := []*testServer{startServer(t, sharded), startServer(t, sharded)}
	leaders := func() map[string][]int {
		out := map[string][]int{}
		for i, r := range replicas {
			if st := r.replica.state(); st != nil {
				for _, role := range st.Leading {
					out[role] = append(out[role], i)
				}
			}
		}
		return out
	}
	want := []string{"discord-shard-0", "discord-shard-1"}
	// identified counts the IDENTIFYs for each shard of two.
	identified := func() map[[2]int]int {
		got := map[[2]int]int{}
		for _, id := range dc.Identifies() {
			if id.Shard != nil {
				got[*id.Shard]++
			}
		}
		return got
	}
	// A replica leads a shard before its adapter identifies for it: once
	// the gateway has seen both shards, both are led.
	if !waitGateway(dc, func() bool { s := identified(); return s[[2]int{0, 2}] > 0 && s[[2]int{1, 2}] > 0 }) {
		t.Fatalf("the gateway saw IDENTIFY for shards %v, want [0 2] and [1 2]", identified())
	}
	l := leaders()
	for _, role := range want {
		if len(l[role]) != 1 {
			t.Errorf("%s led by replicas %v, want one", role, l[role])
		}
	}
	if len(l) != len(want) {
		t.Fatalf("shards led by %v, want each of %v by one replica", l, want)
	}

	// The replica holding shard 1 stops: the other takes over every shard
	// it held (it may have held both), identifying for each again.
	before := identified()
	holder := l["discord-shard-1"][0]
	var held [][2]int
	for shard, role := range want {
		if l[role][0] == holder {
			held = append(held, [2]int{shard, 2})
		}
	}
	if err := replicas[holder].stop(t); err != nil {
		t.Fatal(err)
	}
	other := replicas[1-holder]
	if !waitGateway(dc, func() bool {
		now := identified()
		for _, shard := range held {
			if now[shard] == before[shard] {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("after replica %d stopped, no new IDENTIFY for each of the shards %v it held: %v, before %v", holder, held, identified(), before)
	}
	if got := other.replica.state().Leading; !slices.Equal(got, want) {
		t.Errorf("after replica %d stopped, the other leads %v, want %v", holder, got, want)
	}
}

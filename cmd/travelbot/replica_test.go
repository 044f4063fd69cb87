package main

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"travelbot/bot/discord/discordtest"
	"travelbot/bot/store"
	"travelbot/bot/store/pgtest"
	"travelbot/config"
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

// eventually reports whether cond holds within d, checking every 10ms.
func eventually(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func TestReplicasServeOneFAQ(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
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
	if !eventually(5*time.Second, func() bool { return b.live.Current().Version() == v2 }) {
		t.Fatalf("b still serves %s, want a's %s", b.live.Current().Version(), v2)
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
		if !eventually(5*time.Second, func() bool { return s.live.Current().Version() == res.Version }) {
			t.Errorf("%s serves %s, want c's %s", name, s.live.Current().Version(), res.Version)
		}
	}
}

func TestReplicaNeedsTheSharedHashKey(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
	cfg := config.Default()
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

func TestReplicasShareTheDiscordShards(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
	dc := discordtest.New(t)
	sharded := func(c *config.Config, s *server) {
		withDatabase(t, dsn)(c, s)
		c.Discord.Token = config.NewSecret(discordtest.Token)
		c.Discord.APIBase = dc.URL
		c.Discord.ShardCount = 2
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
	each := func() bool {
		l := leaders()
		for _, role := range want {
			if len(l[role]) != 1 {
				return false
			}
		}
		return len(l) == len(want)
	}
	if !eventually(10*time.Second, each) {
		t.Fatalf("shards led by %v, want each of %v by one replica", leaders(), want)
	}
	shards := func() map[[2]int]bool {
		got := map[[2]int]bool{}
		for _, id := range dc.Identifies() {
			if id.Shard != nil {
				got[*id.Shard] = true
			}
		}
		return got
	}
	if !eventually(10*time.Second, func() bool { s := shards(); return s[[2]int{0, 2}] && s[[2]int{1, 2}] }) {
		t.Errorf("the gateway saw IDENTIFY for shards %v, want [0 2] and [1 2]", shards())
	}

	// The replica holding shard 1 stops: the other takes it over.
	holder := leaders()["discord-shard-1"][0]
	if err := replicas[holder].stop(t); err != nil {
		t.Fatal(err)
	}
	other := replicas[1-holder]
	if !eventually(10*time.Second, func() bool {
		return slices.Equal(other.replica.state().Leading, want)
	}) {
		t.Errorf("after replica %d stopped, the other leads %v, want %v", holder, other.replica.state().Leading, want)
	}
}

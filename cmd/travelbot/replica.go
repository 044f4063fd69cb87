package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"travelbot/bot"
	"travelbot/bot/store"
	"travelbot/bot/store/postgres"
	"travelbot/bot/store/sqlite"
	"travelbot/config"
	"travelbot/faq"
	"travelbot/seeds"
)

// Several replicas. With database_url set, every `travelbot serve` sharing
// the database is one replica of one bot:
//
//   - the learning loop's records are in PostgreSQL (openStore);
//   - a Telegram webhook update or a Discord interaction over HTTP is
//     answered by one replica, even when it reaches two: the adapter claims
//     it first (postgres.Claims);
//   - the Discord gateway (each shard of it) and Telegram long polling,
//     which must run once, run on the replica that holds their leader lock
//     (leaderOnly);
//   - the FAQ is versioned in the database: a replica that loads a file
//     version the database has never seen publishes it, every replica
//     LISTENs and swaps in the latest within moments, and a file version the
//     database already knows (an older ConfigMap, say) does not override a
//     newer one made on another replica (replica.loadFAQ).
//
// Rate limits and the "you are asking fast" notes stay per replica: see
// the README.

// syncRecheck is how often a replica checks the latest FAQ version even
// without a notification (one lost while reconnecting, say).
const syncRecheck = 10 * time.Second

// openStore opens the learning loop's store: PostgreSQL when the
// configuration names a database, else the embedded SQLite store in dir.
func openStore(ctx context.Context, cfg *config.Config, dir string) (store.Store, error) {
	if cfg.DatabaseURL.IsSet() {
		return postgres.Open(ctx, cfg.DatabaseURL.Value())
	}
	return sqlite.OpenDir(ctx, dir)
}

// replica is what this process shares with the other replicas.
type replica struct {
	id       string
	db       *postgres.DB
	claims   *postgres.Claims
	path     string // the FAQ file, "" for the embedded one
	log      *slog.Logger
	live     *faq.Live
	reloader *faq.Reloader

	identifySpacing time.Duration // server.identifySpacing

	mu      sync.Mutex
	pending *postgres.FAQVersion // a file version the last load found new to the database
	leaders []*leaderOnly
}

// replicaID names this process in claims and logs: the host name (the pod's
// name on Kubernetes) and a random suffix, so a restarted replica is
// another owner.
func replicaID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return strings.TrimSpace(host) + "-" + hex.EncodeToString(b[:])
}

// openReplica joins the replicas when the configuration names a database;
// it does nothing otherwise. It takes over the FAQ reloads (s.reloader) so
// that every reload goes through the database, brings the FAQ up to the
// latest version, and sets the claims the adapters are built with.
func (s *server) openReplica(opts []faq.Option) error {
	if !s.cfg.DatabaseURL.IsSet() {
		return nil
	}
	db, ok := s.learning.db.(*postgres.DB)
	if !ok {
		return errors.New("the learning loop's store is not the database")
	}
	if strings.TrimSpace(s.getenv(store.HashKeyEnv)) == "" {
		return fmt.Errorf("with a database, set %s (the same on every replica) so that users hash alike everywhere", store.HashKeyEnv)
	}
	id := replicaID()
	r := &replica{
		id:     id,
		db:     db,
		claims: db.Claims(id, s.cfg.ClaimTTL, s.log),
		path:   s.cfg.FAQ,
		log:    s.log.With("replica", id),
		live:   s.live,

		identifySpacing: s.identifySpacing,
	}
	r.reloader = faq.NewReloader(s.live, r.loadFAQ, opts...)
	r.reloader.OnReload = func(res faq.ReloadResult) {
		r.published(res)
		s.reloaded(res)
	}
	s.reloader, s.replica, s.claims = r.reloader, r, r.claims
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res := r.reloader.Reload(ctx, "start"); !res.OK {
		return fmt.Errorf("the FAQ: %v", errors.Join(append([]error{res.Err}, problemErrors(res.Problems)...)...))
	}
	s.log.Info("replica", "id", id, "claim_ttl", s.cfg.ClaimTTL.String())
	return nil
}

func problemErrors(ps []faq.Problem) []error {
	var out []error
	for _, p := range ps {
		out = append(out, errors.New(p.String()))
	}
	return out
}

// syncKey carries, in a reload's context, the database's FAQ version to
// load instead of the file.
type syncKey struct{}

// loadFAQ is the replicas' reload source. A sync reload loads the version
// it carries. Any other reads the file: a version the database has never
// seen is loaded (and published once it serves, see published); a version
// it knows is old news, and the database's latest is loaded instead.
func (r *replica) loadFAQ(ctx context.Context) (*faq.Document, error) {
	if v, ok := ctx.Value(syncKey{}).(postgres.FAQVersion); ok {
		return faq.Parse(v.Name, v.YAML)
	}
	r.setPending(nil)
	name, data := seeds.Name, seeds.FAQ
	if watched, ok := faq.WatchedContent(ctx); ok { // the watcher's settled bytes, not a second read
		name, data = r.path, watched
	} else if r.path != "" {
		var err error
		if data, err = faq.ReadFile(r.path); err != nil {
			var ve *faq.ValidationError
			if errors.As(err, &ve) {
				return nil, err
			}
			return nil, fmt.Errorf("load faq: %w", err)
		}
		name = r.path
	}
	f, err := faq.Parse(name, data)
	if err != nil {
		return nil, err
	}
	// The version is a content hash: no compile here. The reloader
	// compiles the one table (at its low priority, on its few workers),
	// and only when the version is not already serving.
	version := faq.VersionOf(f)
	known, err := r.db.KnowsFAQ(ctx, version)
	if err != nil {
		return nil, fmt.Errorf("faq versions: %w", err)
	}
	if !known {
		r.setPending(&postgres.FAQVersion{Version: version, Name: name, YAML: data})
		return f, nil
	}
	latest, ok, err := r.db.LatestFAQ(ctx)
	if err != nil || !ok {
		return nil, fmt.Errorf("faq versions: the latest: %w", errors.Join(err, errors.New("none")))
	}
	return faq.Parse(latest.Name, latest.YAML)
}

func (r *replica) setPending(v *postgres.FAQVersion) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = v
}

// published publishes a new file version once it serves here
// (Reloader.OnReload: no reload runs meanwhile).
func (r *replica) published(res faq.ReloadResult) {
	r.mu.Lock()
	v := r.pending
	r.pending = nil
	r.mu.Unlock()
	if v == nil || !res.OK || res.Version != v.Version {
		return
	}
	v.Source = res.Trigger
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.db.PublishFAQ(ctx, *v); err != nil {
		r.log.Error("cannot publish the FAQ version to the other replicas", "version", v.Version, "err", err)
		return
	}
	r.log.Info("faq version published to the replicas", "version", v.Version, "trigger", res.Trigger)
}

// sync swaps in the database's latest FAQ version when it is not serving.
func (r *replica) sync(ctx context.Context) {
	latest, ok, err := r.db.LatestFAQ(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("cannot read the latest FAQ version", "err", err)
		}
		return
	}
	if !ok || latest.Version == r.live.Current().Version() {
		return
	}
	r.reloader.Reload(context.WithValue(ctx, syncKey{}, latest), "sync")
}

// run keeps the FAQ in step with the other replicas and purges old claims,
// until ctx ends.
func (r *replica) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { r.db.WatchFAQ(ctx, syncRecheck, r.sync) })
	wg.Go(func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := r.db.PurgeClaims(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
					r.log.Warn("cannot purge old claims", "err", err)
				}
			}
		}
	})
	wg.Wait()
}

// needsLeader reports whether a must run on one replica only: the Discord
// gateway, Telegram long polling.
func needsLeader(a bot.Adapter) bool {
	if wh, ok := a.(webhook); ok && wh.WebhookPath() != "" {
		return false
	}
	return true
}

// gate wraps the adapters that must run once across the replicas in
// leaderOnly; rebuild makes a fresh adapter by name (and Discord shard, -1
// for none) for each later term of leadership (an adapter runs once). With
// several Discord shards each shard is a role of its own, so the replicas
// share the shards out: every shard, or the one discord.shard_id names.
func (r *replica) gate(adapters []bot.Adapter, d config.Discord, rebuild func(name string, shard int) (bot.Adapter, error)) []bot.Adapter {
	out := make([]bot.Adapter, 0, len(adapters))
	add := func(role, lock string, first bot.Adapter, rebuild func() (bot.Adapter, error)) {
		log := r.log.With("role", role)
		l := &leaderOnly{name: role, first: first, rebuild: rebuild, elector: r.db.Elector(lock, time.Second, log)}
		r.leaders = append(r.leaders, l)
		out = append(out, l)
	}
	for _, a := range adapters {
		switch {
		case !needsLeader(a):
			out = append(out, a)
		case a.Name() == "discord" && d.ShardCount > 1:
			for shard := range d.ShardCount {
				if d.ShardID >= 0 && shard != d.ShardID {
					continue
				}
				var first bot.Adapter
				if shard == max(d.ShardID, 0) {
					first = a // built for this shard
				}
				role := fmt.Sprintf("discord-shard-%d", shard)
				add(role, fmt.Sprintf("%s-of-%d", role, d.ShardCount), first, func() (bot.Adapter, error) { return rebuild(a.Name(), shard) })
			}
		default:
			add(a.Name(), a.Name(), a, func() (bot.Adapter, error) { return rebuild(a.Name(), -1) })
		}
	}
	return out
}

// identifyGate is the Discord adapters' IdentifyGate: with replicas, each
// IDENTIFY of any shard on any replica (a new leader's, or a new session
// within a term after op 9) waits for its slot of the application's
// identify window, reserved in PostgreSQL. The gateway calls it right
// before it sends the IDENTIFY, so what comes first (the gateway URL, the
// dial, HELLO) takes none of the spacing. Nil without replicas.
func (r *replica) identifyGate() func(ctx context.Context) error {
	if r == nil {
		return nil
	}
	return func(ctx context.Context) error { return r.db.Pace(ctx, "discord-identify", r.identifySpacing) }
}

// discordIdentifySpacing is the least time between two gateway IDENTIFYs
// of the application across replicas and shards: Discord's 5 s window for
// max_concurrency 1, and a margin.
const discordIdentifySpacing = 5500 * time.Millisecond

// replicaState is the replica part of GET /readyz.
type replicaState struct {
	ID string `json:"id"`
	// Leading lists the roles (adapters) this replica runs for all.
	Leading []string `json:"leading"`
}

// state is nil without replicas.
func (r *replica) state() *replicaState {
	if r == nil {
		return nil
	}
	st := &replicaState{ID: r.id, Leading: []string{}}
	for _, l := range r.leaders {
		if l.elector.Leading() {
			st.Leading = append(st.Leading, l.name)
		}
	}
	slices.Sort(st.Leading)
	return st
}

// leaderOnly runs an adapter only while this replica holds its leader lock.
// Standing by, it counts as connected: the replica is ready, another one
// runs the adapter.
type leaderOnly struct {
	name    string
	elector *postgres.Elector
	rebuild func() (bot.Adapter, error)

	mu    sync.Mutex
	first bot.Adapter // run in the first term, then nil; nil: rebuild at once
	cur   atomic.Pointer[bot.Adapter]
}

var _ bot.Adapter = (*leaderOnly)(nil)

// Name implements bot.Adapter.
func (l *leaderOnly) Name() string { return l.name }

// Connected implements bot.Adapter: the adapter's own state while leading,
// true while another replica leads.
func (l *leaderOnly) Connected() bool {
	if !l.elector.Leading() {
		return true
	}
	a := l.cur.Load()
	return a != nil && (*a).Connected()
}

// Run implements bot.Adapter: it campaigns until ctx ends, running a fresh
// adapter in each term of leadership. An adapter that cannot serve at all
// (a rejected token) ends Run with its error, as it would without replicas.
func (l *leaderOnly) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var runErr error
	l.elector.Run(ctx, func(lctx context.Context) {
		a, err := l.next()
		if err == nil {
			l.cur.Store(&a)
			err = a.Run(lctx)
		}
		if err != nil {
			runErr = err
			cancel()
		}
	})
	return runErr
}

func (l *leaderOnly) next() (bot.Adapter, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.first; a != nil {
		l.first = nil
		return a, nil
	}
	return l.rebuild()
}

// rebuildAdapter builds a fresh adapter by name, for a new term of
// leadership; shard, unless -1, is the Discord shard it runs.
func (s *server) rebuildAdapter(name string, shard int) (bot.Adapter, error) {
	cfg := *s.cfg
	if shard >= 0 {
		cfg.Discord.ShardID = shard
	}
	as, _, err := s.newAdapters(&cfg, s.bot, s.metrics, s.log)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.Name() == name {
			return a, nil
		}
	}
	return nil, fmt.Errorf("no adapter %s to rebuild", name)
}

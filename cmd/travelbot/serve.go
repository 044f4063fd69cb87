package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/store"
	"travelbot/bot/store/postgres"
	"travelbot/cmd/travelbot/console"
	"travelbot/config"
	"travelbot/faq"
)

// serve runs travelbot for real: the chat adapters whose tokens are set, the
// HTTP server, and the live FAQ. It returns nil after a clean shutdown.
func (m *Main) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	configPath := fs.String("config", "", "YAML config `file` (see config/example.yaml); TRAVELBOT_* variables override it")
	if done, err := m.parseFlags(fs, args, "usage: travelbot serve [--config FILE]"); done {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs)
	}

	hup := m.Hangups
	if hup == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP)
		defer signal.Stop(ch)
		hup = ch
	}

	cfg, err := config.Load(*configPath, m.Getenv)
	if err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			return &exitError{code: 1, msg: fmt.Sprintf("travelbot serve: the configuration has %d problem(s):\n%s", len(ve.Problems), ve.Error())}
		}
		return err
	}
	s := newServer(cfg, newLogger(cfg, m.Stderr))
	s.getenv = m.Getenv
	s.signals = hup
	if err := s.Open(); err != nil {
		return err
	}
	defer s.Close()
	if m.opened != nil {
		m.opened(s)
	}
	return s.Run(ctx)
}

// newLogger builds the process's logger; cfg has been validated. Every
// record it writes has cfg's secrets redacted (newRedactingHandler).
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(newRedactingHandler(h, cfg))
}

// server is `travelbot serve`: Open checks everything and binds, Run serves
// until its context ends, Close releases what Open took. End-to-end tests
// run it on 127.0.0.1:0 and read Addr.
type server struct {
	cfg *config.Config
	log *slog.Logger

	// Tests may set these before Open.
	getenv      func(string) string // TRAVELBOT_HASH_KEY, XDG_STATE_HOME, HOME; os.Getenv by default
	signals     <-chan os.Signal    // SIGHUP; nil: the process's, via signal.Notify
	newAdapters func(*config.Config, *bot.Bot, bot.APIEvents, *slog.Logger) ([]bot.Adapter, map[string]string, error)
	// identifySpacing is the least time between Discord IDENTIFYs across
	// the replicas: discordIdentifySpacing, shortened by the tests (with
	// the fake gateway's window shortened alike) so they need not wait 5 s.
	identifySpacing time.Duration

	// Set by Open.
	live        *faq.Live
	reloader    *faq.Reloader
	bot         *bot.Bot
	metrics     *metrics
	learning    *learning // the question log and feedback store
	replica     *replica  // with database_url: what the replicas share; else nil
	claims      *postgres.Claims
	discordHTTP http.Handler // Discord interactions over HTTP; nil without discord.public_key
	status      reloadStatus
	adapters    []bot.Adapter
	off         map[string]string // adapter name -> why it is off
	adminHash   [32]byte          // sha256 of the admin token, when set
	api         *apiAccess        // who may call /v1/ask, and who they are
	console     *console.Console  // the admin console at /admin/; nil without an admin token
	ln          net.Listener
	http        *http.Server
	watcher     *faq.Watcher
	stopSignals func()
}

func newServer(cfg *config.Config, log *slog.Logger) *server {
	s := &server{cfg: cfg, log: log, getenv: os.Getenv, identifySpacing: discordIdentifySpacing}
	s.newAdapters = func(cfg *config.Config, b *bot.Bot, events bot.APIEvents, log *slog.Logger) ([]bot.Adapter, map[string]string, error) {
		return buildAdapters(cfg, b, events, log, s.claims, telegramClaims(s.claims, s.learning, log), s.replica.identifyGate())
	}
	return s
}

// Open loads and compiles the FAQ, builds the bot and the adapters, binds
// the HTTP address, starts watching the FAQ file and listening for SIGHUP.
// Nothing is served until Run. On error, everything opened so far is closed;
// FAQ problems come back as an exitError listing them.
func (s *server) Open() (err error) {
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	opts := []faq.Option{faq.WithThresholds(faq.Thresholds{Answer: s.cfg.Thresholds.Answer, Clarify: s.cfg.Thresholds.Clarify})}
	// Watch before loading, so a change made while loading is not missed
	// (reloading what was just loaded is a no-op). A missing file is
	// better explained by the load's error than by the watcher's.
	var watchErr error
	if s.cfg.Watch && s.cfg.FAQ != "" {
		s.watcher, watchErr = faq.NewWatcher(s.cfg.FAQ, s.cfg.ReloadDebounce, func(ctx context.Context) { s.reloader.Reload(ctx, faq.TriggerFile) }, s.log)
	}
	start := time.Now()
	t, err := loadTable(s.cfg.FAQ, opts...)
	if err != nil {
		return faqError(err)
	}
	if watchErr != nil {
		return fmt.Errorf("serve: %w", watchErr)
	}
	s.live = faq.NewLive(t)
	s.metrics = newMetrics()
	s.metrics.entries.Set(float64(t.Len()))
	s.status.set(faq.ReloadResult{OK: true, Changed: true, Version: t.Version(), Entries: t.Len(), Duration: time.Since(start), Trigger: "start"}, time.Now())
	s.reloader = faq.NewReloader(s.live, func(ctx context.Context) (*faq.Document, error) {
		if data, ok := faq.WatchedContent(ctx); ok { // the watcher's settled bytes, not a second read
			return faq.Parse(s.cfg.FAQ, data)
		}
		return loadFAQ(s.cfg.FAQ)
	}, opts...)
	s.reloader.OnReload = s.reloaded
	if s.learning, err = openLearning(context.Background(), s.cfg, s.getenv, s.metrics, s.log); err != nil {
		return fmt.Errorf("serve: learning loop: %w", err)
	}
	if err := s.openReplica(opts); err != nil {
		return fmt.Errorf("serve: replicas: %w", err)
	}

	var limiter bot.Limiter // stays a nil interface when off
	if rl := s.cfg.RateLimit; rl.PerMinute > 0 {
		limiter = bot.NewRateLimiter(rl.PerMinute, rl.Burst, bot.RateLimiterOptions{})
	}
	var apiLimiter bot.Limiter // the HTTP API's own budget; nil when off
	if rl := s.cfg.APIRateLimit; rl.PerMinute > 0 {
		apiLimiter = bot.NewRateLimiter(rl.PerMinute, rl.Burst, bot.RateLimiterOptions{})
	}
	if s.api, err = newAPIAccess(s.cfg); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	s.bot = bot.New(bot.Options{
		Tables:          s.live,
		Reloader:        s.reloader,
		Admins:          map[string][]string{"telegram": s.cfg.Telegram.Admins, "discord": s.cfg.Discord.Admins},
		Limiter:         limiter,
		ChannelLimiters: map[string]bot.Limiter{"http": apiLimiter},
		Observer:        s.metrics,
		Recorder:        s.learning.recorder,
		Retention:       s.learning.textRetention(s.cfg),
		Logger:          s.log,
	})
	if s.adapters, s.off, err = s.newAdapters(s.cfg, s.bot, s.metrics, s.log); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if s.discordHTTP, err = s.discordInteractions(s.adapters); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if s.replica != nil {
		s.adapters = s.replica.gate(s.adapters, s.cfg.Discord, s.rebuildAdapter)
	}
	if s.cfg.AdminToken.IsSet() {
		s.adminHash = hashToken(s.cfg.AdminToken.Value())
	}

	mux, err := s.routes()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.ln, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
		return fmt.Errorf("serve: %w", err)
	}

	if s.signals == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP)
		s.signals, s.stopSignals = ch, func() { signal.Stop(ch) }
	}

	s.log.Info("config", "config", s.cfg)
	s.log.Info("faq loaded", "file", t.File(), "version", t.Version(), "entries", t.Len(), "warnings", len(t.Warnings()), "watch", s.watcher != nil,
		"thresholds.answer", t.Thresholds().Answer, "thresholds.clarify", t.Thresholds().Clarify) // in use: the config's, else the FAQ's, else the defaults
	for _, a := range s.adapters {
		s.log.Info("adapter on", "adapter", a.Name())
	}
	for _, name := range slices.Sorted(maps.Keys(s.off)) {
		s.log.Info("adapter off", "adapter", name, "reason", s.off[name])
	}
	s.log.Info("learning loop", "data_dir", s.learning.dir, "retention", s.cfg.Retention.String(), "log_questions", s.cfg.LogQuestions)
	s.log.Info("listening", "addr", s.ln.Addr().String())
	s.ignoreStartupSignals()
	return nil
}

// ignoreStartupSignals logs and drops a SIGHUP that arrived while Open ran:
// the FAQ it asks for was loaded just now.
func (s *server) ignoreStartupSignals() {
	for {
		select {
		case <-s.signals:
			s.log.Warn("SIGHUP during start-up ignored: the FAQ was loaded just now; send it again to reload", "signal", "SIGHUP", "ignored", true)
		default:
			return
		}
	}
}

// Addr is the address the HTTP server is bound to (after Open).
func (s *server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx ends or an adapter cannot serve at all, then shuts
// down: it stops taking new work, lets HTTP requests and adapter replies in
// flight finish within the shutdown timeout, and returns nil for a clean
// stop on ctx.
func (s *server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var wg sync.WaitGroup
	errc := make(chan error, 1+len(s.adapters))
	wg.Go(func() {
		if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	})
	if s.watcher != nil {
		wg.Go(func() { s.watcher.Run(ctx) })
	}
	wg.Go(func() { s.reloadOnSignal(ctx) })
	if s.replica != nil {
		wg.Go(func() { s.replica.run(ctx) })
	}
	for _, a := range s.adapters {
		wg.Go(func() {
			if err := a.Run(ctx); err != nil {
				errc <- fmt.Errorf("%s: %w", a.Name(), err)
			}
		})
	}

	var err error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	case err = <-errc:
		s.log.Error("shutting down", "err", err)
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer scancel()
	cancel() // adapters, the watcher and the signal loop stop; adapters finish their replies
	if serr := s.http.Shutdown(sctx); serr != nil {
		s.http.Close()
		err = errors.Join(err, fmt.Errorf("http shutdown: %w", serr))
	}
	// The interactions acknowledged over HTTP are answered before exit,
	// also by a replica's adapter, which has no Run that would wait.
	if h, ok := s.discordHTTP.(*discord.InteractionsHandler); ok {
		if serr := h.Shutdown(sctx); serr != nil {
			err = errors.Join(err, fmt.Errorf("discord interactions: %w", serr))
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
		err = errors.Join(err, fmt.Errorf("shutdown: gave up waiting for the adapters after %v", s.cfg.ShutdownTimeout))
	}
	if err != nil {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// reloadOnSignal reloads the FAQ on every SIGHUP until ctx ends.
func (s *server) reloadOnSignal(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.signals:
			s.reloader.Reload(ctx, "signal")
		}
	}
}

// Close releases what Open took and Run did not: the listener, the file
// watch and the signal subscription. It is safe to call more than once.
func (s *server) Close() error {
	if s.stopSignals != nil {
		s.stopSignals()
	}
	if s.watcher != nil {
		s.watcher.Close()
	}
	if s.ln != nil {
		s.ln.Close() // already closed after Run; the error says so
	}
	if s.learning != nil {
		if err := s.learning.Close(); err != nil {
			s.log.Error("closing the learning loop's store", "err", err)
		}
		s.learning = nil
	}
	return nil
}

// reloaded logs, counts and records every reload attempt, whatever
// triggered it (faq.Reloader.OnReload).
func (s *server) reloaded(res faq.ReloadResult) {
	s.metrics.reloaded(res)
	s.status.set(res, time.Now())
	if l := s.learning; l != nil {
		rec := store.Reload{Time: time.Now(), Trigger: res.Trigger, OK: res.OK, Changed: res.Changed, Version: res.Version, Entries: res.Entries, Duration: res.Duration}
		if !res.OK {
			rec.Problems = reloadErrors(res)
		}
		if err := l.db.RecordReload(context.Background(), rec); err != nil {
			s.log.Error("recording the reload", "err", err)
		}
	}
	attrs := []any{"trigger", res.Trigger, "result", reloadOutcome(res), "version", res.Version, "entries", res.Entries, "duration_ms", durationMS(res.Duration)}
	if res.OK {
		s.log.Info("faq reload", attrs...)
		return
	}
	errs := reloadErrors(res)
	s.log.Error("faq reload failed; still serving the previous FAQ", append(attrs, "problems", len(errs))...)
	const maxLogged = 50
	for i, e := range errs {
		if i == maxLogged {
			s.log.Error("faq reload: more problems not logged", "count", len(errs)-maxLogged)
			break
		}
		s.log.Error("faq reload problem", "trigger", res.Trigger, "problem", e)
	}
}

// reloadErrors lists why a reload failed: FILE:LINE:COL problems, or the
// error that stopped it.
func reloadErrors(res faq.ReloadResult) []string {
	errs := []string{}
	for _, p := range res.Problems {
		errs = append(errs, p.String())
	}
	if res.Err != nil {
		errs = append(errs, res.Err.Error())
	}
	return errs
}

func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// reloadStatus is the last reload attempt, for /readyz. It is safe for
// concurrent use.
type reloadStatus struct {
	mu  sync.Mutex
	res faq.ReloadResult
	at  time.Time
}

func (r *reloadStatus) set(res faq.ReloadResult, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res, r.at = res, at
}

func (r *reloadStatus) get() (faq.ReloadResult, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res, r.at
}

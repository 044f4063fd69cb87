// Package config is the operator's configuration for `travelbot serve`:
// defaults, an optional YAML file decoded strictly, and environment variables
// on top (defaults < file < environment). Secrets (tokens) come only from the
// environment and never appear in any output: Secret redacts itself however
// it is printed, logged or marshalled. Load reports every problem at once.
package config

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is everything `travelbot serve` can be told. The yaml key and the
// environment variable of each field are in its comment; example.yaml shows
// every key with its default.
type Config struct {
	// FAQ is the FAQ file to serve (yaml: faq, env: TRAVELBOT_FAQ). Empty
	// means the FAQ compiled into the binary. A relative path in the config
	// file is relative to the config file's directory; in the environment,
	// to the working directory.
	FAQ string `yaml:"faq"`
	// HTTPAddr is where the HTTP server listens, host:port (yaml: http_addr,
	// env: TRAVELBOT_HTTP_ADDR, default localhost:8080). Port 0 picks a free
	// port; the bound address is logged.
	HTTPAddr string `yaml:"http_addr"`
	// LogFormat is text or json (yaml: log_format, env: TRAVELBOT_LOG_FORMAT,
	// default text).
	LogFormat string `yaml:"log_format"`
	// LogLevel is debug, info, warn or error (yaml: log_level, env:
	// TRAVELBOT_LOG_LEVEL, default info).
	LogLevel string `yaml:"log_level"`
	// Thresholds override the FAQ's own answer/clarify thresholds; zero
	// keeps the FAQ's own or the built-in defaults.
	Thresholds Thresholds `yaml:"thresholds"`
	// Watch reloads the FAQ when its file changes (yaml: watch, env:
	// TRAVELBOT_WATCH, default true). It has no effect on the embedded FAQ.
	Watch bool `yaml:"watch"`
	// ReloadDebounce is how long the file must be quiet before a change is
	// reloaded, so an editor's burst of writes reloads once (yaml:
	// reload_debounce, env: TRAVELBOT_RELOAD_DEBOUNCE, default 250ms).
	ReloadDebounce time.Duration `yaml:"reload_debounce"`
	// RateLimit is the per-user question budget in chat.
	RateLimit RateLimit `yaml:"rate_limit"`
	// APIRateLimit is the budget of POST /v1/ask, per API key when
	// APIKeys are set, per client address otherwise (yaml:
	// api_rate_limit.per_minute and .burst, env:
	// TRAVELBOT_API_RATE_PER_MINUTE and TRAVELBOT_API_RATE_BURST, default
	// 600 a minute in bursts of 60: an integrator's backend asks for many
	// people at once).
	APIRateLimit RateLimit `yaml:"api_rate_limit"`
	// APIKeys are the bearer tokens integrators send to POST /v1/ask, comma-
	// separated (env only: TRAVELBOT_API_KEYS). Set, /v1/ask requires one
	// and rate-limits per key; unset, it is open and limited per address.
	APIKeys Secret `yaml:"api_keys"`
	// TrustedProxies are the CIDRs (or single addresses) of reverse proxies
	// whose X-Forwarded-For header is believed for the client address
	// (yaml: trusted_proxies, a list; env: TRAVELBOT_TRUSTED_PROXIES,
	// comma-separated). Empty, the header is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// ShutdownTimeout bounds how long SIGINT/SIGTERM waits for replies in
	// flight (yaml: shutdown_timeout, env: TRAVELBOT_SHUTDOWN_TIMEOUT,
	// default 10s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// AdminToken is the bearer token for POST /admin/reload (env only:
	// TRAVELBOT_ADMIN_TOKEN). Unset, admin calls are refused.
	AdminToken Secret `yaml:"admin_token"`
	// DatabaseURL is a PostgreSQL connection URL (env only:
	// TRAVELBOT_DATABASE_URL, postgres://user:pass@host:5432/db). Set, the
	// learning loop's records, the FAQ versions, the exactly-once claims and
	// the leader lock live there, shared by every replica; unset, the
	// embedded single-process default.
	DatabaseURL Secret `yaml:"database_url"`
	// ClaimTTL is the lease on a chat update a replica is answering, in the
	// PostgreSQL claims: a Telegram update, over the webhook or long polling,
	// or a Discord interaction over HTTP. It is renewed while the replica
	// works, so when the replica dies another one (for long polling, the
	// next polling leader) answers after at most this long (yaml:
	// claim_ttl, env: TRAVELBOT_CLAIM_TTL, default 15s). It is used only
	// with DatabaseURL: without one, the single process records the
	// Telegram updates it answered in its SQLite store with no lease, so a
	// restart has none to wait out.
	ClaimTTL time.Duration `yaml:"claim_ttl"`
	// DataDir is where the embedded store keeps the learning loop's records
	// and its user-hash key (yaml: data_dir, env: TRAVELBOT_DATA_DIR).
	// Empty means DefaultDataDir: $XDG_STATE_HOME/travelbot, or
	// ~/.local/state/travelbot. It is created on first use. A relative path
	// in the config file is relative to the config file's directory.
	DataDir string `yaml:"data_dir"`
	// Retention is how long questions and feedback are kept before they are
	// purged (yaml: retention, env: TRAVELBOT_RETENTION, default 720h, 30
	// days; at least 1h).
	Retention time.Duration `yaml:"retention"`
	// LogQuestions keeps the (redacted) text of questions and notes; false
	// keeps only counts of outcomes and votes, with no text and no user hash
	// (yaml: log_questions, env: TRAVELBOT_LOG_QUESTIONS, default true).
	LogQuestions bool `yaml:"log_questions"`
	// Telegram configures the Telegram adapter; it runs when its token is set.
	Telegram Telegram `yaml:"telegram"`
	// Discord configures the Discord adapter; it runs when its token is set.
	Discord Discord `yaml:"discord"`
}

// Thresholds override the FAQ's match thresholds, each in [0, 1] with
// clarify <= answer; zero keeps the FAQ's own value or the default.
type Thresholds struct {
	// Answer is the confidence at or above which the bot answers (yaml:
	// thresholds.answer, env: TRAVELBOT_ANSWER_THRESHOLD).
	Answer float64 `yaml:"answer"`
	// Clarify is the confidence at or above which the bot offers "did you
	// mean" suggestions (yaml: thresholds.clarify, env:
	// TRAVELBOT_CLARIFY_THRESHOLD).
	Clarify float64 `yaml:"clarify"`
}

// RateLimit is a token bucket per user: Burst questions at once, refilled at
// PerMinute. Emergencies are never limited.
type RateLimit struct {
	// PerMinute is the sustained rate (yaml: rate_limit.per_minute, env:
	// TRAVELBOT_RATE_PER_MINUTE, default 20). Zero turns rate limiting off.
	PerMinute float64 `yaml:"per_minute"`
	// Burst is how many questions a user may ask back to back (yaml:
	// rate_limit.burst, env: TRAVELBOT_RATE_BURST, default 5).
	Burst int `yaml:"burst"`
}

// Telegram configures the Telegram adapter.
type Telegram struct {
	// Token is the bot token from BotFather (env only:
	// TRAVELBOT_TELEGRAM_TOKEN). Unset, the adapter is off.
	Token Secret `yaml:"token"`
	// APIBase is the Bot API server's origin, without a trailing slash;
	// the client calls APIBase/bot<token>/<method> (yaml:
	// telegram.api_base, env: TRAVELBOT_TELEGRAM_API_BASE, default
	// https://api.telegram.org). Set it for a self-hosted Bot API server.
	// It was api_endpoint: a file or variable of that name is a problem
	// naming this one, not silently ignored.
	APIBase string `yaml:"api_base" was:"api_endpoint"`
	// Admins are the numeric Telegram user ids that may reload the FAQ
	// from chat (yaml: telegram.admins, a list; env:
	// TRAVELBOT_TELEGRAM_ADMINS, comma-separated).
	Admins []string `yaml:"admins"`
	// WebhookURL switches the adapter from long polling to a webhook at this
	// https URL; its path is served by the HTTP server (yaml:
	// telegram.webhook_url, env: TRAVELBOT_TELEGRAM_WEBHOOK_URL).
	WebhookURL string `yaml:"webhook_url"`
	// WebhookSecret is sent by Telegram with every webhook call and checked
	// (env only: TRAVELBOT_TELEGRAM_WEBHOOK_SECRET; 1-256 of A-Z a-z 0-9 _ -).
	WebhookSecret Secret `yaml:"webhook_secret"`
}

// Discord configures the Discord adapter.
type Discord struct {
	// Token is the bot token, bare: the adapter adds "Bot " (env only:
	// TRAVELBOT_DISCORD_TOKEN). Unset, the adapter is off.
	Token Secret `yaml:"token"`
	// APIBase is the origin for Discord REST, without a trailing slash; the
	// client calls APIBase/api/v9/... and asks it for the gateway URL (yaml:
	// discord.api_base, env: TRAVELBOT_DISCORD_API_BASE, default
	// https://discord.com).
	APIBase string `yaml:"api_base"`
	// Admins are the Discord user ids (snowflakes) that may reload the FAQ
	// from chat (yaml: discord.admins, a list; env: TRAVELBOT_DISCORD_ADMINS,
	// comma-separated).
	Admins []string `yaml:"admins"`
	// Guild registers the slash commands in this one guild (instant) instead
	// of globally (yaml: discord.guild, env: TRAVELBOT_DISCORD_GUILD).
	Guild string `yaml:"guild"`
	// Ephemeral makes replies visible only to the asker (yaml:
	// discord.ephemeral, env: TRAVELBOT_DISCORD_EPHEMERAL, default true).
	Ephemeral bool `yaml:"ephemeral"`
	// MessageContent asks for Discord's privileged Message Content intent,
	// so plain messages that mention the bot are read in full; enable it in
	// the Developer Portal too, or Discord refuses the connection (yaml:
	// discord.message_content, env: TRAVELBOT_DISCORD_MESSAGE_CONTENT,
	// default false: DMs and mentions still work, slash commands always).
	MessageContent bool `yaml:"message_content"`
	// PublicKey is the application's public key from the Developer Portal,
	// in hex (yaml: discord.public_key, env: TRAVELBOT_DISCORD_PUBLIC_KEY).
	// Set, slash commands, autocomplete and buttons are also served over
	// HTTP at POST /discord/interactions (set the Interactions Endpoint URL
	// to it), so any replica answers them; requests not signed with it
	// are refused with 401.
	PublicKey string `yaml:"public_key"`
	// ShardCount splits the gateway's guilds into shards, as Discord
	// requires past 2,500 guilds (yaml: discord.shard_count, env:
	// TRAVELBOT_DISCORD_SHARD_COUNT, default 1: one shard).
	ShardCount int `yaml:"shard_count"`
	// ShardID is the shard this process runs, 0 to ShardCount-1 (yaml:
	// discord.shard_id, env: TRAVELBOT_DISCORD_SHARD_ID, default -1:
	// with database_url the replicas share the shards out, each shard
	// run by one replica at a time; without it, required past one shard).
	ShardID int `yaml:"shard_id"`
}

// Default returns the configuration used when nothing is set.
func Default() *Config {
	return &Config{
		HTTPAddr:        "localhost:8080",
		LogFormat:       "text",
		LogLevel:        "info",
		Watch:           true,
		ReloadDebounce:  250 * time.Millisecond,
		RateLimit:       RateLimit{PerMinute: 20, Burst: 5},
		APIRateLimit:    RateLimit{PerMinute: 600, Burst: 60},
		ShutdownTimeout: 10 * time.Second,
		ClaimTTL:        15 * time.Second,
		Retention:       30 * 24 * time.Hour,
		LogQuestions:    true,
		Telegram:        Telegram{APIBase: "https://api.telegram.org"},
		Discord:         Discord{APIBase: "https://discord.com", Ephemeral: true, ShardCount: 1, ShardID: -1},
	}
}

// String summarises the configuration on one line, secrets redacted.
func (c *Config) String() string {
	var sb strings.Builder
	for i, a := range c.attrs() {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%s=%v", a.Key, a.Value)
	}
	return sb.String()
}

// LogValue logs the configuration as a group, secrets redacted.
func (c *Config) LogValue() slog.Value { return slog.GroupValue(c.attrs()...) }

func (c *Config) attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("faq", c.FAQ),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("log_format", c.LogFormat),
		slog.String("log_level", c.LogLevel),
		threshold("thresholds.answer", c.Thresholds.Answer),
		threshold("thresholds.clarify", c.Thresholds.Clarify),
		slog.Bool("watch", c.Watch),
		slog.Duration("reload_debounce", c.ReloadDebounce),
		slog.Float64("rate_limit.per_minute", c.RateLimit.PerMinute),
		slog.Int("rate_limit.burst", c.RateLimit.Burst),
		slog.Float64("api_rate_limit.per_minute", c.APIRateLimit.PerMinute),
		slog.Int("api_rate_limit.burst", c.APIRateLimit.Burst),
		slog.Any("api_keys", c.APIKeys),
		slog.String("trusted_proxies", strings.Join(c.TrustedProxies, ",")),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Any("admin_token", c.AdminToken),
		slog.Any("database_url", c.DatabaseURL),
		slog.Duration("claim_ttl", c.ClaimTTL),
		slog.String("data_dir", c.DataDir),
		slog.Duration("retention", c.Retention),
		slog.Bool("log_questions", c.LogQuestions),
		slog.Any("telegram.token", c.Telegram.Token),
		slog.String("telegram.api_base", c.Telegram.APIBase),
		slog.String("telegram.admins", strings.Join(c.Telegram.Admins, ",")),
		slog.String("telegram.webhook_url", c.Telegram.WebhookURL),
		slog.Any("telegram.webhook_secret", c.Telegram.WebhookSecret),
		slog.Any("discord.token", c.Discord.Token),
		slog.String("discord.api_base", c.Discord.APIBase),
		slog.String("discord.admins", strings.Join(c.Discord.Admins, ",")),
		slog.String("discord.guild", c.Discord.Guild),
		slog.Bool("discord.ephemeral", c.Discord.Ephemeral),
		slog.Bool("discord.message_content", c.Discord.MessageContent),
		slog.String("discord.public_key", c.Discord.PublicKey),
		slog.Int("discord.shard_count", c.Discord.ShardCount),
		slog.Int("discord.shard_id", c.Discord.ShardID),
	}
}

// threshold logs a threshold override; zero is no override (the FAQ's own
// threshold, else the built-in default, applies: serve's "faq loaded" line
// gives the value in use), which a logged 0 would misstate.
func threshold(key string, v float64) slog.Attr {
	if v == 0 {
		return slog.String(key, "faq or default")
	}
	return slog.Float64(key, v)
}

// DefaultDataDir is the data directory when data_dir is not set:
// $XDG_STATE_HOME/travelbot, or $HOME/.local/state/travelbot. getenv is
// asked first; when it knows neither variable (a test's, a bare
// service's), the process's own environment is, and ./travelbot-data is
// the last resort.
func DefaultDataDir(getenv func(string) string) string {
	for _, get := range []func(string) string{getenv, os.Getenv} {
		if x := get("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
			return filepath.Join(x, "travelbot")
		}
		if h := get("HOME"); h != "" {
			return filepath.Join(h, ".local", "state", "travelbot")
		}
	}
	return "travelbot-data"
}

// ParseProxy reads one trusted_proxies item: a CIDR ("10.0.0.0/8",
// "fd00::/8") or a single address, which stands for itself alone.
func ParseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("trusted proxy: %w", err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy: %w", err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Keys returns the API keys, split at commas, blanks dropped. The values
// are secrets: never log them.
func (c *Config) Keys() []string {
	var out []string
	for _, k := range strings.Split(c.APIKeys.Value(), ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

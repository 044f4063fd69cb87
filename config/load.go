package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"travelbot/internal/apishape"
	"travelbot/internal/yamlx"
)

// Problem is one thing wrong with the configuration. Where says where the
// bad value came from: "FILE:LINE:COL" for the config file, the variable's
// name for the environment, "" for a default.
type Problem struct {
	Where string
	Key   string // the yaml key, dotted ("telegram.admins"); "" when Where names a variable
	Msg   string
}

// String formats the problem as "WHERE: KEY: message". It never contains a
// secret's value.
func (p Problem) String() string {
	var parts []string
	for _, s := range []string{p.Where, p.Key, p.Msg} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// ValidationError lists every problem found by Load, in the order: file,
// environment, values.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load builds the configuration: Default, then the YAML file at path (if path
// is not empty), then the environment read through getenv (an empty value
// counts as unset). The file is decoded strictly: unknown keys are problems
// with their line. A secret's key in the file is a problem naming the
// variable to set instead. On any problem Load returns a *ValidationError
// listing all of them and a nil Config.
func Load(path string, getenv func(string) string) (*Config, error) {
	l := &loader{c: Default(), file: path, pos: make(map[string]position), env: make(map[string]string)}
	if path != "" {
		l.readFile(path)
	}
	l.readEnv(getenv)
	l.validate() // a value that failed to decode kept its default, which is valid
	if len(l.problems) > 0 {
		return nil, &ValidationError{Problems: l.problems}
	}
	return l.c, nil
}

// loader carries one Load: the config being built, where each key's value
// came from, and the problems found so far.
type loader struct {
	c        *Config
	file     string
	pos      map[string]position // key -> position of its value in the file
	env      map[string]string   // key -> variable it was last set from
	problems []Problem
}

func (l *loader) add(where, key, format string, args ...any) {
	l.problems = append(l.problems, Problem{Where: where, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// where names the origin of key's current value: the variable, the file
// position, or "" for a default.
func (l *loader) where(key string) (where, shownKey string) {
	if env, ok := l.env[key]; ok {
		return env, ""
	}
	if p, ok := l.pos[key]; ok {
		return fmt.Sprintf("%s:%d:%d", l.file, p.line, p.col), key
	}
	return "", key
}

// problem reports a bad value for key, located by where it came from.
func (l *loader) problem(key, format string, args ...any) {
	where, k := l.where(key)
	l.add(where, k, format, args...)
}

// setting is one non-secret key and the variable that overrides it.
type setting struct {
	key, env string
	set      func(string) error // parses an environment value into the Config
}

// secret is one key that may be set only from the environment.
type secret struct {
	key, env string
	s        *Secret
}

func (c *Config) settings() []setting {
	return []setting{
		{"faq", "TRAVELBOT_FAQ", setString(&c.FAQ)},
		{"http_addr", "TRAVELBOT_HTTP_ADDR", setString(&c.HTTPAddr)},
		{"log_format", "TRAVELBOT_LOG_FORMAT", setString(&c.LogFormat)},
		{"log_level", "TRAVELBOT_LOG_LEVEL", setString(&c.LogLevel)},
		{"thresholds.answer", "TRAVELBOT_ANSWER_THRESHOLD", setFloat(&c.Thresholds.Answer)},
		{"thresholds.clarify", "TRAVELBOT_CLARIFY_THRESHOLD", setFloat(&c.Thresholds.Clarify)},
		{"watch", "TRAVELBOT_WATCH", setBool(&c.Watch)},
		{"reload_debounce", "TRAVELBOT_RELOAD_DEBOUNCE", setDuration(&c.ReloadDebounce)},
		{"rate_limit.per_minute", "TRAVELBOT_RATE_PER_MINUTE", setFloat(&c.RateLimit.PerMinute)},
		{"rate_limit.burst", "TRAVELBOT_RATE_BURST", setInt(&c.RateLimit.Burst)},
		{"api_rate_limit.per_minute", "TRAVELBOT_API_RATE_PER_MINUTE", setFloat(&c.APIRateLimit.PerMinute)},
		{"api_rate_limit.burst", "TRAVELBOT_API_RATE_BURST", setInt(&c.APIRateLimit.Burst)},
		{"trusted_proxies", "TRAVELBOT_TRUSTED_PROXIES", setList(&c.TrustedProxies)},
		{"shutdown_timeout", "TRAVELBOT_SHUTDOWN_TIMEOUT", setDuration(&c.ShutdownTimeout)},
		{"claim_ttl", "TRAVELBOT_CLAIM_TTL", setDuration(&c.ClaimTTL)},
		{"data_dir", "TRAVELBOT_DATA_DIR", setString(&c.DataDir)},
		{"retention", "TRAVELBOT_RETENTION", setDuration(&c.Retention)},
		{"log_questions", "TRAVELBOT_LOG_QUESTIONS", setBool(&c.LogQuestions)},
		{"telegram.api_base", "TRAVELBOT_TELEGRAM_API_BASE", setString(&c.Telegram.APIBase)},
		{"telegram.admins", "TRAVELBOT_TELEGRAM_ADMINS", setList(&c.Telegram.Admins)},
		{"telegram.webhook_url", "TRAVELBOT_TELEGRAM_WEBHOOK_URL", setString(&c.Telegram.WebhookURL)},
		{"discord.api_base", "TRAVELBOT_DISCORD_API_BASE", setString(&c.Discord.APIBase)},
		{"discord.admins", "TRAVELBOT_DISCORD_ADMINS", setList(&c.Discord.Admins)},
		{"discord.guild", "TRAVELBOT_DISCORD_GUILD", setString(&c.Discord.Guild)},
		{"discord.ephemeral", "TRAVELBOT_DISCORD_EPHEMERAL", setBool(&c.Discord.Ephemeral)},
		{"discord.message_content", "TRAVELBOT_DISCORD_MESSAGE_CONTENT", setBool(&c.Discord.MessageContent)},
		{"discord.public_key", "TRAVELBOT_DISCORD_PUBLIC_KEY", setString(&c.Discord.PublicKey)},
		{"discord.shard_count", "TRAVELBOT_DISCORD_SHARD_COUNT", setInt(&c.Discord.ShardCount)},
		{"discord.shard_id", "TRAVELBOT_DISCORD_SHARD_ID", setInt(&c.Discord.ShardID)},
	}
}

func (c *Config) secrets() []secret {
	return []secret{
		{"admin_token", "TRAVELBOT_ADMIN_TOKEN", &c.AdminToken},
		{"api_keys", "TRAVELBOT_API_KEYS", &c.APIKeys},
		{"database_url", "TRAVELBOT_DATABASE_URL", &c.DatabaseURL},
		{"telegram.token", "TRAVELBOT_TELEGRAM_TOKEN", &c.Telegram.Token},
		{"telegram.webhook_secret", "TRAVELBOT_TELEGRAM_WEBHOOK_SECRET", &c.Telegram.WebhookSecret},
		{"discord.token", "TRAVELBOT_DISCORD_TOKEN", &c.Discord.Token},
	}
}

func setString(p *string) func(string) error {
	return func(v string) error { *p = v; return nil }
}

func setList(p *[]string) func(string) error {
	return func(v string) error { *p = splitList(v); return nil }
}

func setBool(p *bool) func(string) error {
	return func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p = b
		return nil
	}
}

func setFloat(p *float64) func(string) error {
	return func(v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%q is not a number", v)
		}
		*p = f
		return nil
	}
}

func setInt(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
		return nil
	}
}

func setDuration(p *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 250ms or 10s", v)
		}
		*p = d
		return nil
	}
}

// splitList splits a comma-separated list, trimming spaces and dropping
// empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// maxFileSize bounds what Load reads: a config file is a few hundred bytes.
const maxFileSize = 1 << 20

func (l *loader) readFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		l.add(path, "", "cannot read the config file: %v", errors.Unwrap(err))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		l.add(path, "", "cannot read the config file: %v", err)
		return
	}
	if len(data) > maxFileSize {
		l.add(path, "", "the config file is larger than %d bytes", maxFileSize)
		return
	}

	root, syntax := yamlx.Parse(data)
	for _, p := range syntax {
		l.yaml(p)
	}
	if root == nil { // an empty file (all defaults), or a syntax error
		return
	}
	if root.Kind != yaml.MappingNode {
		l.add(fmt.Sprintf("%s:%d:%d", path, root.Line, root.Column), "", "the config file must be a mapping of keys to values")
		return
	}
	l.positions("", root)
	dec := &yamlx.Decoder{
		MaxNodes: maxNodes,
		Report:   l.yaml,
		Types: map[reflect.Type]yamlx.TypeDecoder{
			reflect.TypeFor[time.Duration](): decodeDuration,
			reflect.TypeFor[Secret]():        decodeSecret,
		},
	}
	dec.Decode(root, l.c)
	for _, s := range l.c.secrets() {
		if p := s.s.file; p.valid() {
			l.add(fmt.Sprintf("%s:%d:%d", path, p.line, p.col), s.key,
				"secrets are read only from the environment: remove this key and set %s", s.env)
			*s.s = Secret{}
		}
	}
	if l.c.FAQ != "" && !filepath.IsAbs(l.c.FAQ) {
		l.c.FAQ = filepath.Join(filepath.Dir(path), l.c.FAQ)
	}
	if l.c.DataDir != "" && !filepath.IsAbs(l.c.DataDir) {
		l.c.DataDir = filepath.Join(filepath.Dir(path), l.c.DataDir)
	}
}

// positions records where each key's value is, so problems with a value
// point at its line.
func (l *loader) positions(prefix string, m *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		key := k.Value
		if prefix != "" {
			key = prefix + "." + key
		}
		l.pos[key] = position{line: v.Line, col: v.Column}
		if v.Kind == yaml.MappingNode {
			l.positions(key, v)
		}
	}
}

// maxNodes bounds the YAML values a config file may hold, counting each
// use of an alias: a config file has a few dozen.
const maxNodes = 10_000

// yaml records a problem found by the YAML decoder.
func (l *loader) yaml(p yamlx.Problem) {
	l.add(fmt.Sprintf("%s:%d:%d", l.file, p.Pos.Line, p.Pos.Col), p.Path, "%s", p.Msg)
}

// decodeDuration decodes a duration written as Go writes them ("250ms").
func decodeDuration(d *yamlx.Decoder, n *yaml.Node, at yamlx.Pos, path string, v reflect.Value) bool {
	dur, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || yamlx.IsNull(n) || err != nil {
		d.Errorf(at, path, "must be a duration such as 250ms or 10s (got %s)", yamlx.Describe(n))
		return false
	}
	v.SetInt(int64(dur))
	return true
}

// decodeSecret records where a secret's key appeared in a config file and
// keeps nothing of its value: secrets come only from the environment, and
// Load reports the key as a problem naming the variable to use.
func decodeSecret(_ *yamlx.Decoder, _ *yaml.Node, at yamlx.Pos, _ string, v reflect.Value) bool {
	v.Addr().Interface().(*Secret).file = position{line: at.Line, col: at.Col}
	return true
}

// renamedEnv maps a variable that was renamed to its new name. Setting the
// old one is a problem: ignored, it would silently drop the setting.
var renamedEnv = map[string]string{
	"TRAVELBOT_TELEGRAM_API_ENDPOINT": "TRAVELBOT_TELEGRAM_API_BASE",
}

func (l *loader) readEnv(getenv func(string) string) {
	for _, old := range slices.Sorted(maps.Keys(renamedEnv)) {
		if getenv(old) != "" {
			l.add(old, "", "this variable is now %s: rename it", renamedEnv[old])
		}
	}
	for _, s := range l.c.settings() {
		v := getenv(s.env)
		if v == "" {
			continue
		}
		if err := s.set(v); err != nil {
			l.add(s.env, "", "%v", err)
			continue
		}
		l.env[s.key] = s.env
	}
	for _, s := range l.c.secrets() {
		// Trimmed: a token pasted with its newline is the token.
		if v := strings.TrimSpace(getenv(s.env)); v != "" {
			*s.s = NewSecret(v)
			l.env[s.key] = s.env
			if msg := shapeProblem(s.key, v); msg != "" {
				l.add(s.env, "", "%s", msg)
			}
		}
	}
}

func (l *loader) validate() {
	c := l.c
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		l.problem("http_addr", "%q is not host:port (%v)", c.HTTPAddr, unwrapAddrError(err))
	} else if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		l.problem("http_addr", "%q: the port must be a number from 0 to 65535", c.HTTPAddr)
	}
	l.oneOf("log_format", c.LogFormat, "text", "json")
	l.oneOf("log_level", c.LogLevel, "debug", "info", "warn", "error")
	l.unit("thresholds.answer", c.Thresholds.Answer)
	l.unit("thresholds.clarify", c.Thresholds.Clarify)
	if a, cl := c.Thresholds.Answer, c.Thresholds.Clarify; a != 0 && cl != 0 && cl > a {
		l.problem("thresholds.clarify", "%g is above the answer threshold %g", cl, a)
	}
	if c.ReloadDebounce < 0 {
		l.problem("reload_debounce", "%v is negative", c.ReloadDebounce)
	}
	if !(c.RateLimit.PerMinute >= 0) || math.IsInf(c.RateLimit.PerMinute, 0) {
		l.problem("rate_limit.per_minute", "%g is negative (0 turns rate limiting off)", c.RateLimit.PerMinute)
	}
	if c.RateLimit.PerMinute > 0 && c.RateLimit.Burst < 1 {
		l.problem("rate_limit.burst", "%d: must be at least 1", c.RateLimit.Burst)
	}
	if !(c.APIRateLimit.PerMinute >= 0) || math.IsInf(c.APIRateLimit.PerMinute, 0) {
		l.problem("api_rate_limit.per_minute", "%g is negative (0 turns the API's rate limit off)", c.APIRateLimit.PerMinute)
	}
	if c.APIRateLimit.PerMinute > 0 && c.APIRateLimit.Burst < 1 {
		l.problem("api_rate_limit.burst", "%d: must be at least 1", c.APIRateLimit.Burst)
	}
	for _, p := range c.TrustedProxies {
		if _, err := ParseProxy(p); err != nil {
			l.problem("trusted_proxies", "%q is not a CIDR such as 10.0.0.0/8 or an IP address", p)
		}
	}
	if c.ShutdownTimeout <= 0 {
		l.problem("shutdown_timeout", "%v: must be positive", c.ShutdownTimeout)
	}
	if c.ClaimTTL < time.Second {
		l.problem("claim_ttl", "%v: must be at least 1s", c.ClaimTTL)
	}
	if c.Retention < time.Hour {
		l.problem("retention", "%v: must be at least 1h (720h is 30 days)", c.Retention)
	}

	c.Telegram.APIBase = l.origin("telegram.api_base", c.Telegram.APIBase)
	for _, id := range c.Telegram.Admins {
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
			l.problem("telegram.admins", "%q is not a Telegram user id (a positive number)", id)
		}
	}
	if u := c.Telegram.WebhookURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil {
			l.problem("telegram.webhook_url", "%q: must be an https URL with a host and no user (Telegram calls only https webhooks)", RedactURL(u))
		} else if p.Path == "" || p.Path == "/" {
			l.problem("telegram.webhook_url", "%q: needs a path, which the HTTP server serves (e.g. https://bot.example.org/telegram/webhook)", u)
		}
	}
	if s := c.Telegram.WebhookSecret; s.IsSet() && !apishape.TelegramWebhookSecret(s.Value()) {
		l.problem("telegram.webhook_secret", "must be 1 to 256 of the characters A-Z a-z 0-9 _ - (value not shown)")
	}

	c.Discord.APIBase = l.origin("discord.api_base", c.Discord.APIBase)
	for _, id := range c.Discord.Admins {
		if !isSnowflake(id) {
			l.problem("discord.admins", "%q is not a Discord user id (a snowflake: digits only)", id)
		}
	}
	switch d := c.Discord; {
	case d.ShardCount < 1:
		l.problem("discord.shard_count", "%d: must be at least 1", d.ShardCount)
	case d.ShardID < -1 || d.ShardID >= d.ShardCount:
		l.problem("discord.shard_id", "%d: must be -1 (any) or a shard from 0 to %d", d.ShardID, d.ShardCount-1)
	case d.ShardCount > 1 && d.ShardID == -1 && !c.DatabaseURL.IsSet():
		l.problem("discord.shard_id", "with %d shards, one process runs one: set discord.shard_id, or database_url for the replicas to share them out", d.ShardCount)
	}
	if k := c.Discord.PublicKey; k != "" && !isPublicKey(k) {
		l.problem("discord.public_key", "must be the 64 hex digits of the application's public key (Developer Portal, General Information)")
	}
	if g := c.Discord.Guild; g != "" && !isSnowflake(g) {
		l.problem("discord.guild", "%q is not a Discord guild id (a snowflake: digits only)", g)
	}
}

func unwrapAddrError(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err.Error()
}

func (l *loader) oneOf(key, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	l.problem(key, "%q: must be one of %s", v, strings.Join(allowed, ", "))
}

func (l *loader) unit(key string, v float64) {
	if !(v >= 0 && v <= 1) { // also NaN, which a YAML .nan gives
		l.problem(key, "%g: must be between 0 and 1 (0 keeps the FAQ's own)", v)
	}
}

// origin checks that v is an http(s) origin, by the rule the adapters
// apply too, and returns it without its trailing slash.
func (l *loader) origin(key, v string) string {
	o, err := apishape.Origin(v)
	if err != nil {
		l.problem(key, "%q: %v", RedactURL(v), err)
		return v
	}
	return o
}

func isSnowflake(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}

// isPublicKey reports whether k is an Ed25519 public key in hex.
func isPublicKey(k string) bool {
	b, err := hex.DecodeString(k)
	return err == nil && len(b) == 32
}

package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// writeFile writes a config file into a fresh temp dir and returns its path.
func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "travelbot.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// problems returns Load's problems as strings, failing the test if Load
// returned another kind of error.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load error = %v (%T), want *ValidationError", err, err)
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.String())
	}
	return out
}

// normalize makes empty lists nil so a decoded `admins: []` equals a default.
func normalize(c *Config) *Config {
	cp := *c
	if len(cp.Telegram.Admins) == 0 {
		cp.Telegram.Admins = nil
	}
	if len(cp.Discord.Admins) == 0 {
		cp.Discord.Admins = nil
	}
	if len(cp.TrustedProxies) == 0 {
		cp.TrustedProxies = nil
	}
	return &cp
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load("", env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load with nothing set = %v\nwant %v", c, Default())
	}
	want := Config{HTTPAddr: "localhost:8080", LogFormat: "text", LogLevel: "info", Watch: true,
		ReloadDebounce: 250 * time.Millisecond, RateLimit: RateLimit{PerMinute: 20, Burst: 5},
		APIRateLimit:    RateLimit{PerMinute: 600, Burst: 60},
		ShutdownTimeout: 10 * time.Second,
		ClaimTTL:        15 * time.Second,
		Retention:       30 * 24 * time.Hour,
		LogQuestions:    true,
		Telegram:        Telegram{APIBase: "https://api.telegram.org"},
		Discord:         Discord{APIBase: "https://discord.com", Ephemeral: true, ShardCount: 1, ShardID: -1}}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("defaults = %v\nwant       %v", c, &want)
	}
}

// TestExample keeps example.yaml valid, equal to the defaults, and complete:
// every key of Config appears in it, and every secret's variable is named.
func TestExample(t *testing.T) {
	c, err := Load("example.yaml", env{}.get)
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
	if got, want := normalize(c), Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example.yaml = %v\nwant the defaults %v", got, want)
	}
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]bool{}
	for _, s := range Default().secrets() {
		secrets[s.key] = true
		if !bytes.Contains(data, []byte(s.env)) {
			t.Errorf("example.yaml does not mention %s", s.env)
		}
	}
	for _, key := range yamlKeys(reflect.TypeOf(Config{}), "") {
		if secrets[key] {
			continue
		}
		if !hasKey(doc, strings.Split(key, ".")) {
			t.Errorf("example.yaml lacks the key %s", key)
		}
	}
	for _, s := range Default().settings() {
		if !bytes.Contains(data, []byte(s.env)) {
			t.Errorf("example.yaml does not mention %s (for %s)", s.env, s.key)
		}
	}
}

// yamlKeys lists the dotted yaml keys of a struct's leaf fields.
func yamlKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("yaml")
		if name == "" || name == "-" {
			continue
		}
		key := prefix + name
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Secret{}) && f.Type != reflect.TypeOf(time.Duration(0)) {
			out = append(out, yamlKeys(f.Type, key+".")...)
			continue
		}
		out = append(out, key)
	}
	return out
}

func hasKey(m map[string]any, path []string) bool {
	v, ok := m[path[0]]
	if !ok {
		return false
	}
	if len(path) == 1 {
		return true
	}
	sub, ok := v.(map[string]any)
	return ok && hasKey(sub, path[1:])
}

// TestEverySettingHasAVariable checks that the environment table covers
// every key of Config, so no setting is file-only.
func TestEverySettingHasAVariable(t *testing.T) {
	c := Default()
	have := map[string]string{}
	for _, s := range c.settings() {
		have[s.key] = s.env
	}
	for _, s := range c.secrets() {
		have[s.key] = s.env
	}
	for _, key := range yamlKeys(reflect.TypeOf(Config{}), "") {
		if have[key] == "" {
			t.Errorf("key %s has no environment variable", key)
		}
	}
	if len(have) != len(yamlKeys(reflect.TypeOf(Config{}), "")) {
		t.Errorf("the settings table has %d keys, Config has %d", len(have), len(yamlKeys(reflect.TypeOf(Config{}), "")))
	}
}

func TestPrecedence(t *testing.T) {
	file := `
http_addr: 0.0.0.0:9000
log_format: json
thresholds:
  answer: 0.6
watch: false
reload_debounce: 1s
rate_limit:
  per_minute: 30
telegram:
  admins: [111, "222"]
  api_base: http://tg.local:8081/
discord:
  ephemeral: false
  guild: "123456789012345678"
`
	tests := []struct {
		name  string
		file  string
		env   env
		check func(*Config) []string // returns what is wrong
	}{
		{"defaults", "", env{}, func(c *Config) []string {
			return diffs(
				"http_addr", c.HTTPAddr, "localhost:8080",
				"log_format", c.LogFormat, "text",
				"watch", c.Watch, true,
				"rate_limit.burst", c.RateLimit.Burst, 5,
			)
		}},
		{"file over defaults", file, env{}, func(c *Config) []string {
			return diffs(
				"http_addr", c.HTTPAddr, "0.0.0.0:9000",
				"log_format", c.LogFormat, "json",
				"log_level", c.LogLevel, "info", // not in the file: default kept
				"thresholds.answer", c.Thresholds.Answer, 0.6,
				"thresholds.clarify", c.Thresholds.Clarify, 0.0,
				"watch", c.Watch, false,
				"reload_debounce", c.ReloadDebounce, time.Second,
				"rate_limit.per_minute", c.RateLimit.PerMinute, 30.0,
				"rate_limit.burst", c.RateLimit.Burst, 5, // sibling kept
				"telegram.admins", strings.Join(c.Telegram.Admins, ","), "111,222",
				"telegram.api_base", c.Telegram.APIBase, "http://tg.local:8081",
				"discord.api_base", c.Discord.APIBase, "https://discord.com",
				"discord.ephemeral", c.Discord.Ephemeral, false,
				"discord.guild", c.Discord.Guild, "123456789012345678",
			)
		}},
		{"environment over file", file, env{
			"TRAVELBOT_HTTP_ADDR":               "127.0.0.1:0",
			"TRAVELBOT_LOG_LEVEL":               "debug",
			"TRAVELBOT_ANSWER_THRESHOLD":        "0.7",
			"TRAVELBOT_CLARIFY_THRESHOLD":       "0.3",
			"TRAVELBOT_WATCH":                   "true",
			"TRAVELBOT_RELOAD_DEBOUNCE":         "50ms",
			"TRAVELBOT_RATE_PER_MINUTE":         "0",
			"TRAVELBOT_RATE_BURST":              "9",
			"TRAVELBOT_SHUTDOWN_TIMEOUT":        "3s",
			"TRAVELBOT_TELEGRAM_ADMINS":         " 5, 6 ,,",
			"TRAVELBOT_TELEGRAM_WEBHOOK_URL":    "https://bot.example.org/tg/hook",
			"TRAVELBOT_DISCORD_API_BASE":        "https://proxy.example.org/",
			"TRAVELBOT_DISCORD_ADMINS":          "80351110224678912",
			"TRAVELBOT_DISCORD_EPHEMERAL":       "1",
			"TRAVELBOT_TELEGRAM_TOKEN":          "123456:tg-secret-0123456789abcdefghijklmn",
			"TRAVELBOT_DISCORD_TOKEN":           "MTIzNDU2Nzg5.dc-s3c.ret-0123456789abcdef",
			"TRAVELBOT_ADMIN_TOKEN":             "admin-secret",
			"TRAVELBOT_TELEGRAM_WEBHOOK_SECRET": "hook_secret-1",
		}, func(c *Config) []string {
			return diffs(
				"http_addr", c.HTTPAddr, "127.0.0.1:0",
				"log_format", c.LogFormat, "json", // file value kept
				"log_level", c.LogLevel, "debug",
				"thresholds.answer", c.Thresholds.Answer, 0.7,
				"thresholds.clarify", c.Thresholds.Clarify, 0.3,
				"watch", c.Watch, true,
				"reload_debounce", c.ReloadDebounce, 50*time.Millisecond,
				"rate_limit.per_minute", c.RateLimit.PerMinute, 0.0,
				"rate_limit.burst", c.RateLimit.Burst, 9,
				"shutdown_timeout", c.ShutdownTimeout, 3*time.Second,
				"telegram.admins", strings.Join(c.Telegram.Admins, ","), "5,6",
				"telegram.webhook_url", c.Telegram.WebhookURL, "https://bot.example.org/tg/hook",
				"discord.api_base", c.Discord.APIBase, "https://proxy.example.org",
				"discord.admins", strings.Join(c.Discord.Admins, ","), "80351110224678912",
				"discord.ephemeral", c.Discord.Ephemeral, true,
				"telegram.token", c.Telegram.Token.Value(), "123456:tg-secret-0123456789abcdefghijklmn",
				"discord.token", c.Discord.Token.Value(), "MTIzNDU2Nzg5.dc-s3c.ret-0123456789abcdef",
				"admin_token", c.AdminToken.Value(), "admin-secret",
				"telegram.webhook_secret", c.Telegram.WebhookSecret.Value(), "hook_secret-1",
			)
		}},
		{"environment over defaults", "", env{"TRAVELBOT_FAQ": "faq.yaml", "TRAVELBOT_LOG_FORMAT": "json", "TRAVELBOT_TELEGRAM_API_BASE": "http://localhost:8081"},
			func(c *Config) []string {
				return diffs(
					"faq", c.FAQ, "faq.yaml", // from the environment: relative to the working directory
					"log_format", c.LogFormat, "json",
					"telegram.api_base", c.Telegram.APIBase, "http://localhost:8081",
				)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			c, err := Load(path, tt.env.get)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for _, d := range tt.check(c) {
				t.Error(d)
			}
		})
	}
}

// diffs takes (name, got, want) triples and describes each mismatch.
func diffs(triples ...any) []string {
	var out []string
	for i := 0; i+2 < len(triples); i += 3 {
		if !reflect.DeepEqual(triples[i+1], triples[i+2]) {
			out = append(out, fmt.Sprintf("%s = %#v, want %#v", triples[i], triples[i+1], triples[i+2]))
		}
	}
	return out
}

func TestRelativeFAQPathIsRelativeToTheConfigFile(t *testing.T) {
	p := writeFile(t, "faq: data/faq.yaml\n")
	c, err := Load(p, env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(p), "data", "faq.yaml"); c.FAQ != want {
		t.Errorf("faq = %q, want %q", c.FAQ, want)
	}
	p = writeFile(t, "faq: /srv/faq.yaml\n")
	if c, err = Load(p, env{}.get); err != nil || c.FAQ != "/srv/faq.yaml" {
		t.Errorf("absolute faq = %q, %v; want it unchanged", c.FAQ, err)
	}
}

// TestValidationReportsEveryProblem puts many mistakes in one file and the
// environment and expects each one, located, in a single error.
func TestValidationReportsEveryProblem(t *testing.T) {
	p := writeFile(t, `http_addr: nowhere
log_format: xml
log_level: loud
thresholds:
  answer: 0.3
  clarify: 0.4
reload_debounce: -1s
rate_limit:
  per_minute: -2
shutdown_timeout: 0s
telegram:
  api_base: ftp://api.telegram.org
  admins: [12, abc]
  webhook_url: http://insecure.example.org/hook
discord:
  api_base: https://discord.com/api/v9
  admins: ["-5"]
`)
	_, err := Load(p, env{
		"TRAVELBOT_DISCORD_GUILD":           "my-guild",
		"TRAVELBOT_TELEGRAM_WEBHOOK_SECRET": "has spaces and $ymbols",
	}.get)
	got := problems(t, err)
	want := []string{
		p + ":1:12: http_addr: ",
		p + ":2:13: log_format: \"xml\": must be one of text, json",
		p + ":3:12: log_level: \"loud\"",
		p + ":6:12: thresholds.clarify: 0.4 is above the answer threshold 0.3",
		p + ":7:18: reload_debounce: -1s is negative",
		p + ":9:15: rate_limit.per_minute: -2 is negative",
		p + ":10:19: shutdown_timeout: 0s: must be positive",
		p + ":12:13: telegram.api_base: \"ftp://api.telegram.org\"",
		p + ":13:11: telegram.admins: \"abc\" is not a Telegram user id",
		p + ":14:16: telegram.webhook_url: \"http://insecure.example.org/hook\": must be an https URL",
		p + ":16:13: discord.api_base: \"https://discord.com/api/v9\": must be an origin only",
		p + ":17:11: discord.admins: \"-5\" is not a Discord user id",
		"TRAVELBOT_DISCORD_GUILD: \"my-guild\" is not a Discord guild id",
		"TRAVELBOT_TELEGRAM_WEBHOOK_SECRET: must be 1 to 256 of the characters",
	}
	for _, w := range want {
		if !containsPrefix(got, w) {
			t.Errorf("missing problem %q", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	if strings.Contains(err.Error(), "$ymbols") {
		t.Errorf("the error shows the webhook secret: %v", err)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestFileProblems(t *testing.T) {
	tests := []struct {
		name string
		body string
		env  env
		want []string // each a regexp; FILE stands for the path
	}{
		{"unknown keys with lines", "http_addr: localhost:1\nhtp_addr: x\ntelegram:\n  admin: [1]\n", nil, []string{
			`^FILE:2:1: unknown key "htp_addr" \(did you mean "http_addr"\?\)$`,
			`^FILE:4:3: telegram: unknown key "admin" \(did you mean "admins"\?\)$`,
		}},
		{"wrong types", "watch: maybe\nrate_limit:\n  burst: lots\nreload_debounce: 5\n", nil, []string{
			`^FILE:1:8: watch: must be true or false \(got "maybe"\)$`,
			`^FILE:3:10: rate_limit.burst: must be an integer \(got "lots"\)$`,
			`^FILE:4:18: reload_debounce: must be a duration such as 250ms or 10s \(got "5"\)$`,
		}},
		{"syntax error", "http_addr: localhost:1\nlog_format: [text\n", nil, []string{
			`^FILE:\d+:\d+: YAML syntax error: .+`,
		}},
		{"not a mapping", "- a\n- b\n", nil, []string{
			`^FILE:1:1: the config file must be a mapping`,
		}},
		{"secrets in the file", "admin_token: s3cret-admin\ntelegram:\n  token: 123:s3cret-tg\n  webhook_secret: s3cret-hook\ndiscord:\n  token: s3cret-dc\n", nil, []string{
			`^FILE:1:14: admin_token: secrets are read only from the environment: remove this key and set TRAVELBOT_ADMIN_TOKEN$`,
			`^FILE:3:10: telegram.token: .*set TRAVELBOT_TELEGRAM_TOKEN$`,
			`^FILE:4:19: telegram.webhook_secret: .*set TRAVELBOT_TELEGRAM_WEBHOOK_SECRET$`,
			`^FILE:6:10: discord.token: .*set TRAVELBOT_DISCORD_TOKEN$`,
		}},
		{"decoding and value problems together", "htp: 1\nhttp_addr: nowhere\nwatch: maybe\n", nil, []string{
			`^FILE:1:1: unknown key "htp" \(known keys: faq, http_addr, .*\)$`,
			`^FILE:2:12: http_addr: "nowhere" is not host:port`,
			`^FILE:3:8: watch: must be true or false`,
		}},
		{"bad environment values too", "watch: true\n", env{"TRAVELBOT_WATCH": "yes please", "TRAVELBOT_RATE_BURST": "1.5", "TRAVELBOT_SHUTDOWN_TIMEOUT": "10"}, []string{
			`^TRAVELBOT_WATCH: "yes please" is not true or false$`,
			`^TRAVELBOT_RATE_BURST: "1.5" is not a whole number$`,
			`^TRAVELBOT_SHUTDOWN_TIMEOUT: "10" is not a duration`,
		}},
		{"renamed key and variable", "telegram:\n  api_endpoint: http://127.0.0.1:8081\n", env{"TRAVELBOT_TELEGRAM_API_ENDPOINT": "http://127.0.0.1:8081"}, []string{
			`^FILE:2:3: telegram: key "api_endpoint" is now "api_base": rename it$`,
			`^TRAVELBOT_TELEGRAM_API_ENDPOINT: this variable is now TRAVELBOT_TELEGRAM_API_BASE: rename it$`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.body)
			_, err := Load(p, tt.env.get)
			got := problems(t, err)
			for _, w := range tt.want {
				re := regexp.MustCompile(strings.ReplaceAll(w, "FILE", regexp.QuoteMeta(p)))
				found := false
				for _, g := range got {
					found = found || re.MatchString(g)
				}
				if !found {
					t.Errorf("no problem matches %s", w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows a secret from the file:\n%v", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.yaml")
	got := problems(t, func() error { _, err := Load(p, env{}.get); return err }())
	if len(got) != 1 || !strings.HasPrefix(got[0], p+": cannot read the config file") {
		t.Errorf("problems = %q", got)
	}
}

func TestEmptyFileIsDefaults(t *testing.T) {
	c, err := Load(writeFile(t, "# nothing set\n"), env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("got %v, want the defaults", c)
	}
}

func TestOrigins(t *testing.T) {
	tests := []struct {
		in, want string // want "" = a problem
	}{
		{"https://api.telegram.org", "https://api.telegram.org"},
		{"https://api.telegram.org/", "https://api.telegram.org"},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081"},
		{"https://api.telegram.org//", ""},
		{"https://api.telegram.org/bot", ""},
		{"https://api.telegram.org?x=1", ""},
		{"https://api.telegram.org?", ""},
		{"https://user:pw@api.telegram.org", ""},
		{"ws://api.telegram.org", ""},
		{"api.telegram.org", ""},
		{"https://", ""},
	}
	for _, tt := range tests {
		c, err := Load("", env{"TRAVELBOT_TELEGRAM_API_BASE": tt.in, "TRAVELBOT_DISCORD_API_BASE": tt.in}.get)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%q: accepted as %q, want a problem", tt.in, c.Telegram.APIBase)
		case tt.want == "" && len(problems(t, err)) != 2:
			t.Errorf("%q: problems %q, want one per setting", tt.in, problems(t, err))
		case tt.want != "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.want != "" && (c.Telegram.APIBase != tt.want || c.Discord.APIBase != tt.want):
			t.Errorf("%q: got %q and %q, want %q", tt.in, c.Telegram.APIBase, c.Discord.APIBase, tt.want)
		}
	}
}

// TestSecretsNeverShown prints, logs and marshals a Config with every
// secret set, every way we can think of, and looks for the secrets.
func TestSecretsNeverShown(t *testing.T) {
	secrets := env{
		"TRAVELBOT_ADMIN_TOKEN":             "admin-TOKEN-value",
		"TRAVELBOT_TELEGRAM_TOKEN":          "123456:TG-TOKEN-value-0123456789abcdefghijkl",
		"TRAVELBOT_TELEGRAM_WEBHOOK_SECRET": "HOOK-SECRET-value",
		"TRAVELBOT_DISCORD_TOKEN":           "DC-TOKEN-value.Abcd.0123456789abcdefgh",
	}
	c, err := Load("", secrets.get)
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outputs = append(outputs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, c.Telegram), fmt.Sprintf(verb, c.AdminToken))
	}
	outputs = append(outputs, c.String())
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j), string(y))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "config", c, "plain", *c, "token", c.Discord.Token)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c, "plain", *c, "token", c.Discord.Token)
	outputs = append(outputs, logs.String())

	for _, out := range outputs {
		for name, v := range secrets {
			if strings.Contains(out, v) || strings.Contains(out, fmt.Sprintf("%x", v)) {
				t.Errorf("%s shows up in %q", name, out)
			}
		}
	}
	if !strings.Contains(c.String(), "admin_token="+redacted) {
		t.Errorf("String() = %q, want it to show that the admin token is set", c.String())
	}
	if got := fmt.Sprint(Secret{}); got != "" {
		t.Errorf("an unset secret prints %q, want \"\"", got)
	}
}

// NaN and infinities are not numbers a threshold or a rate can take: from
// the environment or from YAML's .nan, they are refused, never served.
func TestNotANumber(t *testing.T) {
	_, err := Load("", env{"TRAVELBOT_ANSWER_THRESHOLD": "NaN", "TRAVELBOT_RATE_PER_MINUTE": "+Inf"}.get)
	got := problems(t, err)
	for _, w := range []string{"TRAVELBOT_ANSWER_THRESHOLD: ", "TRAVELBOT_RATE_PER_MINUTE: "} {
		if !containsPrefix(got, w) {
			t.Errorf("missing problem %q in %q", w, got)
		}
	}
	p := writeFile(t, "thresholds:\n  answer: .nan\n")
	if _, err := Load(p, env{}.get); err == nil {
		t.Error("thresholds.answer: .nan accepted")
	}
}

func TestAPISettings(t *testing.T) {
	c, err := Load("", env{
		"TRAVELBOT_TRUSTED_PROXIES":     "10.0.0.0/8, 127.0.0.1,",
		"TRAVELBOT_API_KEYS":            "k1, k2",
		"TRAVELBOT_API_RATE_PER_MINUTE": "1200",
		"TRAVELBOT_API_RATE_BURST":      "100",
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.TrustedProxies, []string{"10.0.0.0/8", "127.0.0.1"}) || !reflect.DeepEqual(c.Keys(), []string{"k1", "k2"}) {
		t.Errorf("proxies %q, keys %d", c.TrustedProxies, len(c.Keys()))
	}
	if c.APIRateLimit != (RateLimit{PerMinute: 1200, Burst: 100}) {
		t.Errorf("api_rate_limit = %+v", c.APIRateLimit)
	}
	if strings.Contains(c.String(), "k1") {
		t.Errorf("the API keys leak into %s", c)
	}
	for _, tt := range []struct{ in, want string }{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"192.0.2.7", "192.0.2.7/32"},
		{"::ffff:192.0.2.7", "192.0.2.7/32"},
		{"fd00::/8", "fd00::/8"},
	} {
		if p, err := ParseProxy(tt.in); err != nil || p.String() != tt.want {
			t.Errorf("ParseProxy(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
	_, err = Load("", env{"TRAVELBOT_TRUSTED_PROXIES": "10.0.0.0/33,proxy.local", "TRAVELBOT_API_RATE_BURST": "0"}.get)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("bad proxies: %v, want a ValidationError", err)
	}
	got := ve.Error()
	for _, want := range []string{`"10.0.0.0/33"`, `"proxy.local"`, "TRAVELBOT_API_RATE_BURST"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q lack %s", got, want)
		}
	}
}

// TestTokenShapes: tokens are trimmed, then checked for shape; a bad one
// is a problem naming the variable and never showing the value.
func TestTokenShapes(t *testing.T) {
	const tg, dc = "7000001:AAH-abcdefghijklmnopqrstuvwxyz012345", "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
	tests := []struct {
		name    string
		env     env
		problem string // the variable of the one problem; "" for none
	}{
		{"good", env{"TRAVELBOT_TELEGRAM_TOKEN": tg, "TRAVELBOT_DISCORD_TOKEN": dc, "TRAVELBOT_ADMIN_TOKEN": "s3cret-admin"}, ""},
		{"trailing newline and spaces are trimmed", env{"TRAVELBOT_TELEGRAM_TOKEN": tg + "\n", "TRAVELBOT_DISCORD_TOKEN": " " + dc + " ", "TRAVELBOT_ADMIN_TOKEN": "s3cret-admin\r\n"}, ""},
		{"telegram without its id", env{"TRAVELBOT_TELEGRAM_TOKEN": "AAH-abcdefghijklmnopqrstuvwxyz012345"}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"telegram with a bot prefix", env{"TRAVELBOT_TELEGRAM_TOKEN": "bot" + tg}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"telegram with a space inside", env{"TRAVELBOT_TELEGRAM_TOKEN": "7000001:AAH abcdefghijklmnopqrstuvwxyz012345"}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"discord with Bot prefix", env{"TRAVELBOT_DISCORD_TOKEN": "Bot " + dc}, "TRAVELBOT_DISCORD_TOKEN"},
		{"discord with a slash", env{"TRAVELBOT_DISCORD_TOKEN": "MTA5ODc2NTQz/GhIjKl.abc"}, "TRAVELBOT_DISCORD_TOKEN"},
		{"admin token with a space", env{"TRAVELBOT_ADMIN_TOKEN": "two words"}, "TRAVELBOT_ADMIN_TOKEN"},
		// The bounds of each shape, one character either side.
		{"telegram id of 5 digits", env{"TRAVELBOT_TELEGRAM_TOKEN": "70000:" + strings.Repeat("a", 35)}, ""},
		{"telegram id of 16 digits", env{"TRAVELBOT_TELEGRAM_TOKEN": strings.Repeat("7", 16) + ":" + strings.Repeat("a", 35)}, ""},
		{"telegram id of 4 digits", env{"TRAVELBOT_TELEGRAM_TOKEN": "7000:" + strings.Repeat("a", 35)}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"telegram id of 17 digits", env{"TRAVELBOT_TELEGRAM_TOKEN": strings.Repeat("7", 17) + ":" + strings.Repeat("a", 35)}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"telegram secret of 30", env{"TRAVELBOT_TELEGRAM_TOKEN": "7000001:" + strings.Repeat("a", 30)}, ""},
		{"telegram secret of 64", env{"TRAVELBOT_TELEGRAM_TOKEN": "7000001:" + strings.Repeat("a", 64)}, ""},
		{"telegram secret of 29", env{"TRAVELBOT_TELEGRAM_TOKEN": "7000001:" + strings.Repeat("a", 29)}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"telegram secret of 65", env{"TRAVELBOT_TELEGRAM_TOKEN": "7000001:" + strings.Repeat("a", 65)}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"telegram test fake's old 17", env{"TRAVELBOT_TELEGRAM_TOKEN": "123456:TEST-token-s3cr3t"}, "TRAVELBOT_TELEGRAM_TOKEN"},
		{"discord of one part", env{"TRAVELBOT_DISCORD_TOKEN": "fake-bot-token"}, "TRAVELBOT_DISCORD_TOKEN"},
		{"discord of two parts", env{"TRAVELBOT_DISCORD_TOKEN": "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl"}, "TRAVELBOT_DISCORD_TOKEN"},
		{"discord of four parts", env{"TRAVELBOT_DISCORD_TOKEN": dc + ".extra"}, "TRAVELBOT_DISCORD_TOKEN"},
		{"discord with an empty part", env{"TRAVELBOT_DISCORD_TOKEN": "MTA5ODc2NTQzMjEwOTg3NjU0Mw..abcdefghijklmnop"}, "TRAVELBOT_DISCORD_TOKEN"},
		{"discord with standard base64", env{"TRAVELBOT_DISCORD_TOKEN": "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abc+def/ghi="}, "TRAVELBOT_DISCORD_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("", tt.env.get)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if want := strings.TrimSpace(tt.env["TRAVELBOT_TELEGRAM_TOKEN"]); c.Telegram.Token.Value() != want {
					t.Errorf("telegram token %q, want %q", c.Telegram.Token.Value(), want)
				}
				if got := c.Telegram.Token.Value(); strings.HasPrefix(tt.env["TRAVELBOT_TELEGRAM_TOKEN"], tg) && got != tg {
					t.Errorf("telegram token %q, want it trimmed", got)
				}
				if got := c.AdminToken.Value(); tt.env["TRAVELBOT_ADMIN_TOKEN"] != "" && got != "s3cret-admin" {
					t.Errorf("admin token %q, want it trimmed", got)
				}
				return
			}
			got := problems(t, err)
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.problem+": ") {
				t.Errorf("problems %q, want one for %s", got, tt.problem)
			}
			for _, v := range tt.env {
				if len(got) > 0 && strings.Contains(got[0], strings.TrimSpace(v)) {
					t.Errorf("the problem shows the value: %q", got[0])
				}
			}
		})
	}
}

// TestURLsLoseTheirUserInfo: a password in an origin is not echoed.
func TestURLsLoseTheirUserInfo(t *testing.T) {
	_, err := Load("", env{"TRAVELBOT_DISCORD_API_BASE": "https://user:hunter2@proxy.example.org/api", "TRAVELBOT_TELEGRAM_API_BASE": "ftp://bob:pa%20ss@x"}.get)
	got := strings.Join(problems(t, err), "\n")
	for _, secret := range []string{"hunter2", "user:", "pa%20ss", "bob"} {
		if strings.Contains(got, secret) {
			t.Errorf("problems show %q:\n%s", secret, got)
		}
	}
	if !strings.Contains(got, "https://[redacted]@proxy.example.org/api") {
		t.Errorf("problems do not show the redacted URL:\n%s", got)
	}
	for in, want := range map[string]string{
		"https://example.org/x":         "https://example.org/x",
		"https://u:p@example.org/x":     "https://[redacted]@example.org/x",
		"postgres://u:p%zz@db:5432/app": "postgres://[redacted]@db:5432/app",
		"not a url":                     "not a url",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReplicaSettings(t *testing.T) {
	const key = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
	tests := []struct {
		name    string
		env     env
		problem string // "" for none
	}{
		{"defaults", env{}, ""},
		{"a database and a lease", env{"TRAVELBOT_DATABASE_URL": "postgres://db/travelbot", "TRAVELBOT_CLAIM_TTL": "5s"}, ""},
		{"a lease too short", env{"TRAVELBOT_CLAIM_TTL": "500ms"}, "TRAVELBOT_CLAIM_TTL"},
		{"a public key", env{"TRAVELBOT_DISCORD_PUBLIC_KEY": key}, ""},
		{"a public key that is not one", env{"TRAVELBOT_DISCORD_PUBLIC_KEY": key[:10]}, "TRAVELBOT_DISCORD_PUBLIC_KEY"},
		{"shards shared out by the replicas", env{"TRAVELBOT_DATABASE_URL": "postgres://db/travelbot", "TRAVELBOT_DISCORD_SHARD_COUNT": "4"}, ""},
		{"one shard of four", env{"TRAVELBOT_DISCORD_SHARD_COUNT": "4", "TRAVELBOT_DISCORD_SHARD_ID": "3"}, ""},
		{"shards without a database or a shard id", env{"TRAVELBOT_DISCORD_SHARD_COUNT": "4"}, "discord.shard_id"},
		{"a shard out of range", env{"TRAVELBOT_DISCORD_SHARD_COUNT": "4", "TRAVELBOT_DISCORD_SHARD_ID": "4"}, "TRAVELBOT_DISCORD_SHARD_ID"},
		{"no shards", env{"TRAVELBOT_DISCORD_SHARD_COUNT": "0"}, "TRAVELBOT_DISCORD_SHARD_COUNT"},
	}
	for _, tt := range tests {
		c, err := Load("", tt.env.get)
		var ve *ValidationError
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.problem != "" && !errors.As(err, &ve):
			t.Errorf("%s: %v, want a problem with %s", tt.name, err, tt.problem)
		case tt.problem != "" && !strings.Contains(ve.Error(), tt.problem):
			t.Errorf("%s: problems %q lack %s", tt.name, ve.Error(), tt.problem)
		case tt.problem == "" && strings.Contains(c.String(), "postgres://"):
			t.Errorf("%s: the database URL shows in %s", tt.name, c)
		}
	}
}

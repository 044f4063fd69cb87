package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"travelbot/config"
)

// TestLogsNeverShowASecret logs every secret of a config in every form it
// takes in practice (raw, in a URL path, percent-encoded, with %20 for a
// space, inside an error from the HTTP client, in groups and in a
// logger's own attributes) and looks for any of the forms in the output,
// text and JSON alike.
func TestLogsNeverShowASecret(t *testing.T) {
	const (
		tgID, tgSecret = "7000001", "AAHsecretPARTabcdefghijklmnopqrstu"
		discord        = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.discordSECRETabcdefghijkl"
		admin          = "adm/in+tok?en&=%x"
		hookPath       = "/telegram/Zq8unguessablePathSegment"
	)
	env := map[string]string{
		"TRAVELBOT_TELEGRAM_TOKEN":       tgID + ":" + tgSecret + "\n", // trimmed by config
		"TRAVELBOT_DISCORD_TOKEN":        discord,
		"TRAVELBOT_ADMIN_TOKEN":          admin,
		"TRAVELBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.org" + hookPath,
	}
	cfg, err := config.Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	token := tgID + ":" + tgSecret
	_, httpErr := http.Get("http://127.0.0.1:1/bot" + token + "/getMe?admin=" + url.QueryEscape(admin))
	if httpErr == nil {
		t.Fatal("the request to port 1 succeeded")
	}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			cfg.LogFormat = format
			var out bytes.Buffer
			log := newLogger(cfg, &out).With("adapter_token", discord)
			log.Info("calling https://api.telegram.org/bot"+token+"/getUpdates", "url", "https://api.telegram.org/bot"+url.QueryEscape(token)+"/x")
			log.Error("request failed", "err", httpErr, "wrapped", fmt.Errorf("telegram: %w", httpErr))
			log.Warn("spaces", "as_plus", url.QueryEscape(token+" "), "as_%20", strings.ReplaceAll(url.QueryEscape(admin+" "), "+", "%20"), "path", url.PathEscape(admin))
			log.Info("group", slog.Group("g", "token", tgSecret, slog.Group("n", "admin", admin)))
			log.Info("struct", "value", struct{ Token string }{discord}, "error", errors.New("bad token "+discord))
			log.Info("webhook mounted", "path", hookPath, "url", cfg.Telegram.WebhookURL)
			got := out.String()
			for _, secret := range []string{tgSecret, discord, admin, url.QueryEscape(admin), url.PathEscape(admin), url.QueryEscape(token), "Zq8unguessablePathSegment"} {
				if strings.Contains(got, secret) {
					t.Errorf("the log shows %q:\n%s", secret, got)
				}
			}
			if !strings.Contains(got, "/telegram/[redacted]") {
				t.Errorf("the webhook path is not shown as /telegram/[redacted]:\n%s", got)
			}
			if !strings.Contains(got, "request failed") || !strings.Contains(got, "connection refused") {
				t.Errorf("the log lost what is not secret:\n%s", got)
			}
		})
	}
}

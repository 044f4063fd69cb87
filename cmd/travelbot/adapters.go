package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/store/postgres"
	"travelbot/bot/store/sqlite"
	"travelbot/bot/telegram"
	"travelbot/config"
)

// telegramClaims are the claims Telegram updates are answered through,
// polled or delivered to the webhook: the replicas' in PostgreSQL when
// there are replicas, else the embedded store's record of answered
// updates, so that a restart after a crash (kill -9 included) does not
// answer again what was answered. Nil when there is no store.
func telegramClaims(replicas *postgres.Claims, l *learning, log *slog.Logger) telegram.Claims {
	if replicas != nil {
		return replicas
	}
	if l != nil {
		if db, ok := l.db.(*sqlite.DB); ok {
			return db.LocalClaims(replicaID(), log.With("adapter", "telegram"))
		}
	}
	return nil // a nil interface, not a nil pointer
}

// buildAdapters returns the chat adapters to run, and for each adapter that
// is off, why (for the start-up log and /readyz). An error means an adapter
// is configured but cannot be built; serve then refuses to start.
//
// The adapters are wired here and nowhere else: bot/telegram and
// bot/discord know bot, never config. An adapter that receives updates over
// HTTP (Telegram's webhook mode) also implements webhook, and serve mounts
// it on the HTTP server. claims, when not nil, are the replicas' (see
// replica.go); tgClaims are Telegram's (telegramClaims). identifyGate, when
// not nil, paces the Discord gateway's IDENTIFYs across the replicas
// (replica.identifyGate).
func buildAdapters(cfg *config.Config, b *bot.Bot, events bot.APIEvents, log *slog.Logger, claims *postgres.Claims, tgClaims telegram.Claims, identifyGate func(context.Context) error) (adapters []bot.Adapter, off map[string]string, err error) {
	off = make(map[string]string)
	// Replies in flight get most of the shutdown budget; the rest is for
	// the HTTP server and the adapters' own goodbyes.
	grace := max(cfg.ShutdownTimeout-2*time.Second, cfg.ShutdownTimeout/2)

	if !cfg.Telegram.Token.IsSet() {
		off["telegram"] = "TRAVELBOT_TELEGRAM_TOKEN is not set"
	} else {
		tg, err := telegram.New(telegram.Options{
			Claims:          tgClaims,
			Token:           cfg.Telegram.Token.Value(),
			APIBase:         cfg.Telegram.APIBase,
			Conversation:    b,
			Logger:          log.With("adapter", "telegram"),
			Events:          events,
			WebhookURL:      cfg.Telegram.WebhookURL,
			WebhookSecret:   cfg.Telegram.WebhookSecret.Value(),
			ShutdownTimeout: grace,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("telegram: %w", err)
		}
		adapters = append(adapters, tg)
	}

	if !cfg.Discord.Token.IsSet() {
		off["discord"] = "TRAVELBOT_DISCORD_TOKEN is not set"
	} else {
		var dcClaims discord.Claims // a nil interface without replicas
		if claims != nil {
			dcClaims = claims
		}
		dc, err := discord.New(discord.Options{
			Claims:          dcClaims,
			IdentifyGate:    identifyGate,
			Token:           cfg.Discord.Token.Value(),
			APIBase:         cfg.Discord.APIBase,
			Guild:           cfg.Discord.Guild,
			ShardID:         max(cfg.Discord.ShardID, 0), // -1 (any): replica.gate picks per term
			ShardCount:      cfg.Discord.ShardCount,
			Ephemeral:       cfg.Discord.Ephemeral,
			MessageContent:  cfg.Discord.MessageContent,
			Conversation:    b,
			Logger:          log.With("adapter", "discord"),
			Events:          events,
			ShutdownTimeout: grace,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("discord: %w", err)
		}
		adapters = append(adapters, dc)
	}
	return adapters, off, nil
}

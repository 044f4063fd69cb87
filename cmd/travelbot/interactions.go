package main

import (
	"fmt"
	"net/http"

	"travelbot/bot"
	"travelbot/bot/discord"
)

// discordInteractionsPath is where Discord's Interactions Endpoint URL must
// point when discord.public_key is set.
const discordInteractionsPath = "/discord/interactions"

// discordInteractions builds the handler of Discord interactions over HTTP
// when discord.public_key is set and the Discord adapter is on; nil
// otherwise. adapters are as built, before any leader gating. With
// replicas the gateway's adapter runs only on the leader and is rebuilt for
// each term, so every replica serves interactions through an adapter of its
// own, which never opens the gateway (the handler needs only REST).
func (s *server) discordInteractions(adapters []bot.Adapter) (http.Handler, error) {
	if s.cfg.Discord.PublicKey == "" {
		return nil, nil
	}
	var dc *discord.Adapter
	for _, a := range adapters {
		if d, ok := a.(*discord.Adapter); ok {
			dc = d
		}
	}
	if dc == nil {
		return nil, nil // Discord is off; the start-up log and /readyz say why
	}
	if s.replica != nil {
		a, err := s.rebuildAdapter(dc.Name(), -1)
		if err != nil {
			return nil, err
		}
		var ok bool
		if dc, ok = a.(*discord.Adapter); !ok {
			return nil, fmt.Errorf("discord interactions: the rebuilt adapter is a %T", a)
		}
	}
	return discord.NewInteractionsHandler(dc, s.cfg.Discord.PublicKey)
}

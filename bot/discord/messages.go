package discord

import (
	"context"
	"runtime/debug"
	"strings"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot"
)

// onMessage answers direct messages and messages that mention the bot.
// Messages from bots (this one included) and webhooks are ignored.
func (a *Adapter) onMessage(s *discordgo.Session, mc *discordgo.MessageCreate) {
	if mc == nil || mc.Message == nil || mc.Author == nil || mc.Author.Bot || mc.WebhookID != "" {
		return
	}
	self := a.identity().userID
	if self == "" || mc.Author.ID == self {
		return
	}
	if mc.GuildID != "" && !mentioned(mc.Mentions, self) {
		return
	}
	m := mc.Message
	a.spawn(func() { a.message(s, m, self) })
}

func mentioned(users []*discordgo.User, id string) bool {
	for _, u := range users {
		if u != nil && u.ID == id {
			return true
		}
	}
	return false
}

// message answers one message in its channel, as a reply to it.
func (a *Adapter) message(s *discordgo.Session, m *discordgo.Message, self string) {
	defer func() {
		if v := recover(); v != nil {
			a.logPanic("message", v, debug.Stack())
			a.sendChannel(s, m, []outgoing{{Content: errorText()}})
		}
	}()
	text := strings.TrimSpace(strings.NewReplacer("<@"+self+">", " ", "<@!"+self+">", " ").Replace(m.Content))
	// A mention without text is all Discord shows the bot of a guild
	// message without the Message Content intent (mentions of the bot do
	// carry their text): point to /ask.
	msgs := []outgoing{{Content: bot.TextWith112(bot.KeyUseAsk, "en")}}
	if text != "" {
		ctx, cancel := context.WithTimeout(a.base, answerTimeout)
		defer cancel()
		msgs = render(a.conv.Handle(ctx, bot.Message{Channel: channel, UserID: m.Author.ID, Text: text, Chat: m.ChannelID, ChatKind: chatKind(m.GuildID)}))
	}
	a.sendChannel(s, m, msgs)
}

// sendChannel posts msgs in m's channel, the first as a reply to m that
// pings no one (not even m's author).
func (a *Adapter) sendChannel(s *discordgo.Session, m *discordgo.Message, msgs []outgoing) {
	keepIfGone := false
	for n, o := range msgs {
		send := &discordgo.MessageSend{
			Content:         o.Content,
			Embeds:          nonNil(o.Embeds),
			Components:      nonNil(o.Components),
			AllowedMentions: noMentions(),
		}
		if n == 0 {
			send.Reference = &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: &keepIfGone}
		}
		ctx, cancel := context.WithTimeout(a.base, a.opts.RESTTimeout)
		err := a.call(ctx, "channel_message", false, func(opts ...discordgo.RequestOption) error {
			_, err := s.ChannelMessageSendComplex(m.ChannelID, send, opts...)
			return err
		})
		cancel()
		if err != nil {
			a.log.Warn("discord: message reply not delivered", "err", err)
			return
		}
	}
}

package discord

import (
	"context"
	"errors"

	"github.com/bwmarrin/discordgo"
)

// Command and option names.
const (
	cmdAsk      = "ask"
	cmdTopics   = "topics"
	cmdHelp     = "help"
	cmdReload   = "reload"
	optQuestion = "question"
)

// commands are the slash commands travelbot registers. /reload is hidden
// from members without Manage Server by default (server admins can change
// that in Integrations); the bot's own admin list is still checked.
func commands() []*discordgo.ApplicationCommand {
	manageServer := int64(discordgo.PermissionManageGuild)
	noDM := false
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	return []*discordgo.ApplicationCommand{
		{
			Name:        cmdAsk,
			Type:        discordgo.ChatApplicationCommand,
			Description: "Ask a question about traveling to the Milan-Cortina 2026 Winter Games",
			Options: []*discordgo.ApplicationCommandOption{{
				Type:         discordgo.ApplicationCommandOptionString,
				Name:         optQuestion,
				Description:  "Your question: pick a suggestion or type your own",
				Required:     true,
				Autocomplete: true,
			}},
		},
		{
			Name:        cmdTopics,
			Type:        discordgo.ChatApplicationCommand,
			Description: "List everything I can answer",
			Options:     []*discordgo.ApplicationCommandOption{},
		},
		{
			Name:        cmdHelp,
			Type:        discordgo.ChatApplicationCommand,
			Description: "What this bot is and how to use it",
			Options:     []*discordgo.ApplicationCommandOption{},
		},
		{
			Name:                     cmdReload,
			Type:                     discordgo.ChatApplicationCommand,
			Description:              "Reload the FAQ (bot admins only)",
			DefaultMemberPermissions: &manageServer,
			DMPermission:             &noDM,
			Contexts:                 &guildOnly,
			Options:                  []*discordgo.ApplicationCommandOption{},
		},
	}
}

// registerCommands overwrites the application's commands (globally, or in
// Options.Guild) with ours, so removed or renamed commands disappear.
func (a *Adapter) registerCommands(ctx context.Context, s *discordgo.Session) error {
	app := a.identity().appID
	if app == "" {
		return errors.New("discord: READY carried no application id")
	}
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	return a.call(ctx, "register_commands", true, func(opts ...discordgo.RequestOption) error {
		_, err := s.ApplicationCommandBulkOverwrite(app, a.opts.Guild, commands(), opts...)
		return err
	})
}

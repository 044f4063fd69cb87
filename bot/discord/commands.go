package discord

import (
	"context"
	"errors"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot"
)

// Command and option names the adapter dispatches on. The commands
// themselves (names, descriptions, arguments) come from bot.Commands, the
// one list both platforms register.
const (
	cmdAsk      = "ask"
	cmdTopics   = "topics"
	cmdReload   = "reload"
	optQuestion = "question"
)

// Wire values of Discord's command API.
const (
	chatInputCommand   = 1 // CHAT_INPUT: a slash command
	stringOptionType   = 3
	contextGuild       = 0
	manageGuildPermBit = int64(discordgo.PermissionManageGuild)
)

// wireCommand is an application command as Discord's API describes it.
// discordgo's ApplicationCommand is not used because it marshals fields
// that do not belong to a string option ("channel_types": null,
// "options": null) and default_member_permissions as a string where the
// OpenAPI description wants an integer.
type wireCommand struct {
	Name        string       `json:"name"`
	Type        int          `json:"type"`
	Description string       `json:"description"`
	Options     []wireOption `json:"options"`
	// DefaultMemberPermissions hides the command from members without
	// these permissions (server admins can change that in Integrations).
	DefaultMemberPermissions *int64 `json:"default_member_permissions,omitempty"`
	DMPermission             *bool  `json:"dm_permission,omitempty"`
	Contexts                 []int  `json:"contexts,omitempty"`
}

type wireOption struct {
	Type         int    `json:"type"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Required     bool   `json:"required"`
	Autocomplete bool   `json:"autocomplete"`
}

// commands are the slash commands travelbot registers, from bot.Commands.
// Discord has no /start (its first contact is the app's profile), so
// greeting commands are skipped. Admin commands are hidden from members
// without Manage Server and unavailable in DMs; the bot's own admin list
// is still checked.
func commands() []wireCommand {
	var out []wireCommand
	for _, c := range bot.Commands() {
		if c.Greeting {
			continue
		}
		w := wireCommand{Name: c.Name, Type: chatInputCommand, Description: truncate(c.Description, maxCommandDescription), Options: []wireOption{}}
		if c.Argument != "" {
			w.Options = append(w.Options, wireOption{
				Type:         stringOptionType,
				Name:         c.Argument,
				Description:  truncate(c.ArgumentDescription, maxCommandDescription),
				Required:     true,
				Autocomplete: c.Name == cmdAsk,
			})
		}
		if c.AdminOnly {
			perms, noDM := manageGuildPermBit, false
			w.DefaultMemberPermissions, w.DMPermission, w.Contexts = &perms, &noDM, []int{contextGuild}
		}
		out = append(out, w)
	}
	return out
}

// registerCommands overwrites the application's commands (globally, or in
// Options.Guild) with ours, so removed or renamed commands disappear.
func (a *Adapter) registerCommands(ctx context.Context, s *discordgo.Session) error {
	app := a.identity().appID
	if app == "" {
		return errors.New("READY carried no application id")
	}
	endpoint := discordgo.EndpointApplicationGlobalCommands(app)
	if a.opts.Guild != "" {
		endpoint = discordgo.EndpointApplicationGuildCommands(app, a.opts.Guild)
	}
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	cmds := commands()
	return a.call(ctx, "register_commands", true, func(opts ...discordgo.RequestOption) error {
		_, err := s.RequestWithBucketID("PUT", endpoint, cmds, endpoint, opts...)
		return err
	})
}

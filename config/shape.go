package config

import (
	"net/url"
	"regexp"
	"strings"
)

// The shapes of the tokens, checked at start so that a token pasted with
// a stray character fails with the variable's name instead of as "cannot
// reach the Bot API" forever.
var (
	// telegramToken is a bot id, a colon and the secret part; BotFather's
	// ids are 5 to 16 digits and its secrets 35 characters of base64url
	// (some room is left either way).
	telegramToken = regexp.MustCompile(`^[0-9]{5,16}:[A-Za-z0-9_-]{30,64}$`)
	// discordToken is three base64url parts separated by dots, as the
	// Developer Portal gives them: the bot's id, a timestamp and an HMAC.
	discordToken = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
)

// shapeProblem says what is wrong with the shape of the secret for key,
// without its value; "" when it is fine or has no shape to check.
func shapeProblem(key, v string) string {
	switch key {
	case "telegram.token":
		if !telegramToken.MatchString(v) {
			return "is not a Telegram bot token: want 5 to 16 digits, a colon, then 30 to 64 of A-Z a-z 0-9 _ - as BotFather gives it (value not shown)"
		}
	case "discord.token":
		switch {
		case strings.HasPrefix(v, "Bot "):
			return `starts with "Bot ": set the bare token, the adapter adds the prefix (value not shown)`
		case !discordToken.MatchString(v):
			return "is not a Discord bot token: want three parts of A-Z a-z 0-9 _ - separated by dots, as the Developer Portal gives it (value not shown)"
		}
	case "admin_token":
		if strings.ContainsFunc(v, isSpace) {
			return "must not contain spaces (value not shown)"
		}
	}
	return ""
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

// RedactURL returns s with any user information (a user name, a password)
// replaced by "[redacted]", for errors and logs. Text that does not parse
// as a URL loses everything between "://" and the last "@" before the
// path.
func RedactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		if u.User == nil {
			return s
		}
		u.User = url.User(redacted)
		return strings.Replace(u.String(), url.PathEscape(redacted), redacted, 1)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return scheme + "://" + redacted + rest[at:]
	}
	return s
}

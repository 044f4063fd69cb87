package bot_test

import (
	"context"
	"strings"
	"testing"

	"travelbot/bot"
	"travelbot/faq"
)

// In a group the bot reads only /ask, mentions and replies, so "say it
// another way" after "None of these" says how to ask there; a plain
// rephrased message would be ignored. A private chat needs no such hint.
func TestRephraseInAGroupSaysHowToAsk(t *testing.T) {
	b := bot.New(bot.Options{Tables: faq.NewLive(table(t, testFAQ))})
	ctx := context.Background()
	hint := bot.Text(bot.KeyHelpGroup, "en")
	group := b.NoneOfThese(ctx, bot.Message{Channel: "telegram", Chat: "-100", ChatKind: bot.ChatGroup, UserID: "1"}, "")
	if group.Kind != bot.KindRephrase || !strings.Contains(group.Text, hint) || !strings.Contains(group.Text, bot.DangerLine("en")) {
		t.Errorf("in a group: %s %q, want the rephrase request with %q and the 112 line", group.Kind, group.Text, hint)
	}
	private := b.NoneOfThese(ctx, bot.Message{Channel: "telegram", Chat: "5", ChatKind: bot.ChatPrivate, UserID: "1"}, "")
	if private.Kind != bot.KindRephrase || strings.Contains(private.Text, hint) {
		t.Errorf("in a private chat: %s %q, want the rephrase request without the group hint", private.Kind, private.Text)
	}
}

package telegramtest

import (
	"testing"

	"travelbot/internal/testutil"
)

// TestSpecIsTheSharedOne keeps the embedded copy of the Telegram Bot API's
// description equal to the project's shared one (cp
// ../shared/specs/telegram-bot-api.json bot/telegram/telegramtest/spec/).
func TestSpecIsTheSharedOne(t *testing.T) {
	testutil.SameAsSharedSpec(t, specJSON, "telegram-bot-api.json")
}

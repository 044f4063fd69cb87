package discordtest

import (
	"testing"

	"travelbot/internal/testutil"
)

// TestSpecIsTheSharedOne keeps the embedded copy of Discord's OpenAPI
// description equal to the project's shared one (cp
// ../shared/specs/discord-openapi.json bot/discord/discordtest/spec/).
func TestSpecIsTheSharedOne(t *testing.T) {
	testutil.SameAsSharedSpec(t, specJSON, "discord-openapi.json")
}

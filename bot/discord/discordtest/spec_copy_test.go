package discordtest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"
)

// TestSpecIsTheSharedOne keeps the embedded copy of Discord's OpenAPI
// description equal to the project's shared one, when that is checked out
// next to the module (../shared/specs): a refreshed shared spec fails here
// until the copy is refreshed too (cp ../shared/specs/discord-openapi.json
// bot/discord/discordtest/spec/).
func TestSpecIsTheSharedOne(t *testing.T) {
	shared, err := os.ReadFile("../../../../shared/specs/discord-openapi.json")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no ../shared/specs next to the module: the embedded copy is all there is")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, specJSON) {
		t.Errorf("%s differs from ../shared/specs/discord-openapi.json: refresh the copy", SpecFile)
	}
}

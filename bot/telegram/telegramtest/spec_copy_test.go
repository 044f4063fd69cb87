package telegramtest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"
)

// TestSpecIsTheSharedOne keeps the embedded copy of the Telegram Bot API's
// description equal to the project's shared one, when that is checked out
// next to the module (../shared/specs): a refreshed shared spec fails here
// until the copy is refreshed too (cp ../shared/specs/telegram-bot-api.json
// bot/telegram/telegramtest/spec/).
func TestSpecIsTheSharedOne(t *testing.T) {
	shared, err := os.ReadFile("../../../../shared/specs/telegram-bot-api.json")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no ../shared/specs next to the module: the embedded copy is all there is")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, specJSON) {
		t.Errorf("%s differs from ../shared/specs/telegram-bot-api.json: refresh the copy", SpecFile)
	}
}

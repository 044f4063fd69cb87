package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points the default data directory (XDG_STATE_HOME) at a
// temporary directory, so that no test's serve writes the learning loop's
// store into the real home directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "travelbot-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_STATE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

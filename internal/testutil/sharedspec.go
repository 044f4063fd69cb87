package testutil

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// SameAsSharedSpec fails the test when embedded, a fake's copy of a
// platform spec, differs from the project's shared one (name under
// ../shared/specs next to the module root), and skips it when there is no
// shared copy to compare with: a refreshed shared spec fails until the
// copy is refreshed too.
func SameAsSharedSpec(t *testing.T, embedded []byte, name string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "specs", name)
	shared, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no ../shared/specs next to the module: the embedded copy is all there is")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, embedded) {
		t.Errorf("the embedded copy differs from %s: refresh it", path)
	}
}

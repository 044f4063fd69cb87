package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"travelbot/bot/store"
)

func TestLoadHashKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	noEnv := func(string) string { return "" }
	k1, err := store.LoadHashKey(dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 32 {
		t.Errorf("generated key has %d bytes, want 32", len(k1))
	}
	st, err := os.Stat(filepath.Join(dir, store.HashKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := store.LoadHashKey(dir, noEnv)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("second load = %x, %v; want the same key %x", k2, err, k1)
	}
	env := func(k string) string {
		if k == store.HashKeyEnv {
			return "a key from the environment"
		}
		return ""
	}
	if k, err := store.LoadHashKey(dir, env); err != nil || string(k) != "a key from the environment" {
		t.Errorf("with %s set: %q, %v", store.HashKeyEnv, k, err)
	}
	if _, err := store.LoadHashKey(dir, func(string) string { return "short" }); err == nil {
		t.Errorf("a 5-character key was taken")
	}
	if err := os.WriteFile(filepath.Join(dir, store.HashKeyFile), []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.LoadHashKey(dir, noEnv); err == nil {
		t.Errorf("a garbled key file was taken")
	}
}

func TestHasher(t *testing.T) {
	a, b := store.NewHasher([]byte("key one, sixteen+")), store.NewHasher([]byte("key two, sixteen+"))
	tests := []struct {
		name string
		same bool
		x, y string
	}{
		{"stable", true, a.User("telegram", "42"), a.User("telegram", "42")},
		{"per user", false, a.User("telegram", "42"), a.User("telegram", "43")},
		{"per channel", false, a.User("telegram", "42"), a.User("discord", "42")},
		{"per key", false, a.User("telegram", "42"), b.User("telegram", "42")},
		{"no boundary games", false, a.User("tele", "gram42"), a.User("telegram", "42")},
	}
	for _, tt := range tests {
		if (tt.x == tt.y) != tt.same {
			t.Errorf("%s: %q vs %q", tt.name, tt.x, tt.y)
		}
	}
	if h := a.User("telegram", "42"); len(h) != 32 {
		t.Errorf("hash %q", h)
	}
	if a.User("telegram", "") != "" {
		t.Errorf("an empty user id hashed to something")
	}
}

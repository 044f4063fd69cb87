package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// HashKeyEnv is the environment variable that, when set, holds the key of
// the user hash (any string of at least 16 bytes). Replicas that share a
// store must share the key.
const HashKeyEnv = "TRAVELBOT_HASH_KEY"

// HashKeyFile is the file, in the data directory, that holds a generated
// key when HashKeyEnv is not set.
const HashKeyFile = "hash.key"

// Hasher turns platform user ids into keyed hashes (HMAC-SHA256): stable for
// one key, so a user's votes can be told apart and counted once, and
// unreadable without the key, which never leaves the data directory or the
// environment. It is safe for concurrent use.
type Hasher struct {
	key  []byte
	pool sync.Pool
}

// NewHasher returns a Hasher with the given key.
func NewHasher(key []byte) *Hasher {
	h := &Hasher{key: append([]byte(nil), key...)}
	h.pool.New = func() any { return hmac.New(sha256.New, h.key) }
	return h
}

// User returns the hash of a user on a channel, 32 hex digits, or "" for
// an empty id.
func (h *Hasher) User(channel, userID string) string {
	if userID == "" {
		return ""
	}
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(channel))
	m.Write([]byte{0})
	m.Write([]byte(userID))
	var buf [sha256.Size]byte
	sum := m.Sum(buf[:0])
	h.pool.Put(m)
	return hex.EncodeToString(sum[:16])
}

// LoadHashKey returns the user-hash key: the value of HashKeyEnv when env
// gives one, or else the key in dir/hash.key, generated (32 random bytes,
// mode 0600) when the file does not exist yet. It creates dir if needed.
func LoadHashKey(dir string, env func(string) string) ([]byte, error) {
	if env != nil {
		if k := strings.TrimSpace(env(HashKeyEnv)); k != "" {
			if len(k) < 16 {
				return nil, fmt.Errorf("store: %s is too short: use at least 16 characters", HashKeyEnv)
			}
			return []byte(k), nil
		}
	}
	path := filepath.Join(dir, HashKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		k, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(k) < 16 {
			return nil, fmt.Errorf("store: %s does not hold a key; remove it to generate a new one", path)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("store: hash key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("store: hash key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadHashKey(dir, nil) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("store: hash key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(k) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("store: hash key: %w", err)
	}
	return k, nil
}

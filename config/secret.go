package config

import (
	"fmt"
	"log/slog"
)

// Secret is a token. Only Value reveals it: printed with any fmt verb,
// logged with slog, or marshalled as JSON, YAML or text it reads
// "[redacted]" when set and "" when not, so a Config can be logged whole.
type Secret struct {
	value string
	// file is where the secret's key appeared in a config file ("" if it
	// did not). Secrets are never read from files; Load reports the key.
	file position
}

// NewSecret returns a Secret holding v.
func NewSecret(v string) Secret { return Secret{value: v} }

// Value returns the secret itself, for the one call that must send it.
func (s Secret) Value() string { return s.value }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s.value != "" }

const redacted = "[redacted]"

// String returns "[redacted]" when set, "" otherwise.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// Format prints String whatever the verb, so %#v, %x or %d cannot leak it.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// LogValue logs String.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText returns String, so encoding/json and slog's handlers redact.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML returns String.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// position is a line and column in the config file (1-based).
type position struct{ line, col int }

func (p position) valid() bool { return p.line > 0 }

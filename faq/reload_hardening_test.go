package faq

import (
	"strings"
	"testing"
)

// TestYAMLSyntaxErrorPositions is issue 15's point on syntax errors: the
// problem is at the line (and column) of the mistake, also for a tab used
// as indentation and after blank lines, which a position counted from the
// last non-blank line or from the parser's message alone got wrong.
func TestYAMLSyntaxErrorPositions(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"tab as indentation on line 4",
			"version: 1\nentries:\n  - id: a\n\tquestion: Is it?\n    answer: Yes.\n",
			"f.yaml:4:1: YAML syntax error: found a tab character that violates indentation"},
		{"unclosed flow list after blank lines",
			"version: 1\n\n\n\nentries:\n  - id: a\n    question: [Is it?\n    answer: Yes.\n",
			"f.yaml:7:15: YAML syntax error: did not find expected ',' or ']'"},
		{"bad indentation after blank lines",
			"version: 1\nentries:\n\n\n\n  - id: a\n    question: Is it?\n   answer: Yes.\n",
			"f.yaml:8:4: YAML syntax error: did not find expected '-' indicator"},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.src))
		if err == nil {
			t.Errorf("%s: parsed", tt.name)
			continue
		}
		if got := strings.TrimSpace(err.Error()); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

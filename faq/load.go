package faq

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ValidationError lists every problem found in an FAQ file that failed to
// load: errors and warnings, in file order.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var sb strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(p.String())
	}
	return sb.String()
}

// Parse decodes and validates an FAQ. PLACEHOLDER: replaced by the strict loader.
func Parse(name string, data []byte) (*FAQ, error) {
	var f FAQ
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, &ValidationError{Problems: []Problem{{File: name, Msg: err.Error()}}}
	}
	f.File = name
	return &f, nil
}

// Load reads and parses the FAQ file at path.
func Load(path string) (*FAQ, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load faq: %w", err)
	}
	return Parse(path, data)
}

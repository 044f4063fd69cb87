package faq_test

import (
	"errors"
	"strings"
	"testing"

	"travelbot/faq"
)

// TestParseCasesPositions: every problem of a cases file comes out as
// FILE:LINE:COL: message, pointing at what to edit, all at once and in
// file order.
func TestParseCasesPositions(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"unknown key with a hint", `cases:
  - question: where do I park
    expct: parking
`, []string{
			`c.yaml:2:5: case has no expect (an entry id, or none) and no urgency (urgent or none)`,
			`c.yaml:3:5: cases[0]: unknown key "expct" (did you mean "expect"?)`,
		}},
		{"unknown key without one", `cases:
  - {question: help, urgency: urgent, severity: high}
`, []string{
			`c.yaml:2:39: cases[0]: unknown key "severity" (known keys: question, expect, lang, urgency)`,
		}},
		{"unknown top-level key", `cases: []
case: []
`, []string{
			`c.yaml:2:1: unknown key "case" (did you mean "cases"?)`,
		}},
		{"required question", `cases:
  - expect: parking
  - question: "   "
    expect: parking
`, []string{
			`c.yaml:2:5: case has no question`,
			`c.yaml:3:5: case has no question`,
		}},
		{"urgency values", `cases:
  - question: help
    urgency: maybe
  - {question: help, urgency: Urgent}
`, []string{
			`c.yaml:3:14: urgency "maybe" is not urgent or none`,
			`c.yaml:4:31: urgency "Urgent" is not urgent or none`,
		}},
		{"empty lang", `cases:
  - {question: aiuto, lang: "", urgency: urgent}
  - {question: aiuto, lang: , urgency: urgent}
`, []string{
			`c.yaml:2:29: lang is empty (want an ISO 639-1 code such as en, it, zh)`,
			`c.yaml:3:29: lang is empty (want an ISO 639-1 code such as en, it, zh)`,
		}},
		{"wrong shapes", `cases:
  - question: [a, b]
    expect: none
  - just a string
  -
`, []string{
			`c.yaml:2:15: cases[0].question: must be a string (got a list)`,
			`c.yaml:4:5: cases[1]: must be a mapping (got "just a string")`,
			`c.yaml:5:4: cases[2]: must be a mapping (got nothing)`,
		}},
		{"cases not a list", "cases: {question: help}\n", []string{
			`c.yaml:1:8: cases: must be a list (got a mapping)`,
		}},
		{"no cases key", "version: 1\n", []string{
			`c.yaml:1:1: unknown key "version" (known keys: cases)`,
			"c.yaml:1:1: missing required key \"cases\": a cases file is a mapping with a `cases:` list",
		}},
		{"not a mapping", "- question: help\n", []string{
			"c.yaml:1:1: a cases file is a mapping with a `cases:` list (got a list)",
		}},
		{"empty file", "# nothing yet\n", []string{
			"c.yaml:1:1: the file is empty: a cases file is a mapping with a `cases:` list",
		}},
		{"syntax error", "cases:\n  - question: \"unterminated\n", []string{
			`c.yaml:2:15: YAML syntax error: found unexpected end of stream`,
		}},
		{"duplicate key", `cases:
  - question: a
    question: b
    expect: none
`, []string{
			`c.yaml:3:5: cases[0]: duplicate key "question" (first at line 2)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cases, err := faq.ParseCases("c.yaml", []byte(tt.in))
			var ve *faq.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ParseCases = %v, %v; want a *ValidationError", cases, err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestParseCasesGood: a valid file decodes every field, and each case knows
// the file and line it came from, for Evaluate's errors.
func TestParseCasesGood(t *testing.T) {
	in := `# a comment first
cases:
  - question: where do I park
    expect: parking
  - {question: "aiuto, mio figlio non respira", lang: it, urgency: urgent}

  - question: what is the weather on Mars
    expect: none
`
	cases, err := faq.ParseCases("good.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []faq.Case{
		{Question: "where do I park", Expect: "parking", File: "good.yaml", Line: 3},
		{Question: "aiuto, mio figlio non respira", Lang: "it", Urgency: faq.UrgencyUrgent, File: "good.yaml", Line: 5},
		{Question: "what is the weather on Mars", Expect: faq.ExpectNone, File: "good.yaml", Line: 7},
	}
	if len(cases) != len(want) {
		t.Fatalf("got %d cases, want %d: %+v", len(cases), len(want), cases)
	}
	for i := range want {
		if cases[i] != want[i] {
			t.Errorf("case %d = %+v, want %+v", i, cases[i], want[i])
		}
	}
	if cases, err := faq.ParseCases("empty.yaml", []byte("cases: []\n")); err != nil || len(cases) != 0 {
		t.Errorf("an empty list = %v, %v; want no cases and no error", cases, err)
	}
}

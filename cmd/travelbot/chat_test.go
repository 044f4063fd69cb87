package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// chatWith runs a chat over stdin with $COLUMNS set to columns.
func chatWith(t *testing.T, stdin string, columns string) string {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "COLUMNS" {
			return columns
		}
		return ""
	}
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: getenv}
	if err := m.Run(context.Background(), []string{"chat"}); err != nil {
		t.Fatalf("chat: %v (%s)", err, errb.String())
	}
	return out.String()
}

func TestChatPicks(t *testing.T) {
	consulate := "How do I contact the U.S. Consulate General in Milan?\n\n"
	tests := []struct {
		name, stdin string
		want        []string
		notWant     []string
	}{
		{"an out-of-range pick keeps the list", "/topics\n17\n2\n", []string{"Pick 1-16", consulate}, []string{"Sorry, I don't have an answer"}},
		{"1. is a pick", "/topics\n2.\n", []string{consulate}, nil},
		{"#1 is a pick", "/topics\n#2\n", []string{consulate}, nil},
		{"a number with no list is a question", "17\n", nil, []string{"Pick 1-"}},
		{"quit ends the chat", "quit\nHow do I enroll in STEP?\n", nil, []string{"Smart Traveler Enrollment Program"}},
		{"exit ends the chat", "EXIT\nHow do I enroll in STEP?\n", nil, []string{"Smart Traveler Enrollment Program"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := chatWith(t, tt.stdin, "")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}

// Lines wrap at word boundaries to the terminal's width; a URL longer than
// the width is kept whole.
func TestChatWraps(t *testing.T) {
	out := chatWith(t, "whats the consulat adress in milano\n", "40")
	words := 0
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 40 && !strings.Contains(line, "https://") {
			t.Errorf("line of %d runes: %q", n, line)
		}
		words += len(strings.Fields(line))
	}
	if !strings.Contains(out, "https://it.usembassy.gov/") {
		t.Errorf("the consulate's page is missing or broken:\n%s", out)
	}
	// nothing was cut mid-word: every word of the unwrapped reply is there
	unwrapped := chatWith(t, "whats the consulat adress in milano\n", "1000")
	if want := len(strings.Fields(unwrapped)); words != want {
		t.Errorf("%d words wrapped, %d unwrapped", words, want)
	}
}

// "Did you mean" in chat ends with "None of these" as the last number, as
// the chat platforms end it with a button: picking it (or typing "none")
// asks to rephrase once, and a second miss gets the final fallback with
// the consulate's page.
func TestChatNoneOfThese(t *testing.T) {
	const clarify = "what about ice agents\n"
	rephrase := "Could you say it another way"
	final := "https://it.usembassy.gov/"
	tests := []struct {
		name, stdin string
		want        []string
	}{
		{"the last number is None of these", clarify + "3\nbest pizza in milan\n", []string{"  3. None of these", rephrase, "I still can't find", final}},
		{"typing none picks it", clarify + "none\n", []string{rephrase}},
		{"typing None of these picks it", clarify + "None of these\n", []string{rephrase}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := chatWith(t, tt.stdin, "1000")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	// Without a "did you mean" before it, "none" is a question as usual.
	if out := chatWith(t, "/topics\nnone\n", "1000"); strings.Contains(out, rephrase) {
		t.Errorf("none after /topics asked to rephrase:\n%s", out)
	}
}

// A line too long to read whole (a paste of megabytes) is answered on its
// beginning, and the chat goes on; it once ended the chat silently.
func TestChatSurvivesAHugeLine(t *testing.T) {
	out := chatWith(t, strings.Repeat("a", 3<<20)+"\nHow do I enroll in STEP?\n", "1000")
	if !strings.Contains(out, "STEP is the State Department") {
		t.Errorf("the question after a huge line was not answered:\n%.2000s", out)
	}
}

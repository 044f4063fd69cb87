package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run runs the program in-process and returns its output and exit status
// (0, or the exitError's code, or 1 for other errors).
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.code
		errb.WriteString(ee.msg)
	default:
		code = 1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func TestAskText(t *testing.T) {
	out, _, code := run(t, "", "ask", "What should I do in an emergency in Italy?")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"112", "Sources:", "Related:"} {
		if !strings.Contains(out, want) {
			t.Errorf("ask output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(out, "What should I do in an emergency in Italy?") {
		t.Errorf("ask output does not start with the matched question:\n%s", out)
	}
}

func TestAskJSON(t *testing.T) {
	tests := []struct {
		q, outcome, id string
		emergency      bool
	}{
		{"how do I enroll in STEP", "answer", "step-enrollment", false},
		{"my friend is bleeding, help!", "answer", "emergency-112", true},
		{"what's the best pizza in milan", "none", "", false},
	}
	for _, tt := range tests {
		out, _, code := run(t, "", "ask", "--json", tt.q)
		if code != 0 {
			t.Errorf("ask --json %q: exit %d", tt.q, code)
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Errorf("ask --json %q: %v\n%s", tt.q, err, out)
			continue
		}
		for _, key := range []string{"outcome", "id", "confidence", "question", "answer", "citations", "suggestions", "follow_ups", "emergency"} {
			if _, ok := r[key]; !ok {
				t.Errorf("ask --json %q: no %q in %s", tt.q, key, out)
			}
		}
		if r["outcome"] != tt.outcome || r["id"] != tt.id || r["emergency"] != tt.emergency {
			t.Errorf("ask --json %q = %v %v emergency %v, want %s %s %v", tt.q, r["outcome"], r["id"], r["emergency"], tt.outcome, tt.id, tt.emergency)
		}
		if tt.outcome == "answer" {
			cites, _ := r["citations"].([]any)
			if len(cites) == 0 {
				t.Errorf("ask --json %q: no citations", tt.q)
			}
			for _, c := range cites {
				c := c.(map[string]any)
				keys := []string{"publisher", "title", "date", "quote"}
				if u, _ := c["url"].(string); strings.HasPrefix(u, "https://") {
					keys = keys[:2] // an official page cited for its link
				}
				for _, key := range keys {
					if s, _ := c[key].(string); s == "" {
						t.Errorf("ask --json %q: citation without %s: %v", tt.q, key, c)
					}
				}
			}
		}
	}
}

func TestAskUsage(t *testing.T) {
	if _, _, code := run(t, "", "ask"); code != 2 {
		t.Errorf("ask with no question: exit %d, want 2", code)
	}
	if _, _, code := run(t, "", "nonsense"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if _, errOut, code := run(t, "", "ask", "--faq", "testdata/does-not-exist.yaml", "hi"); code != 1 || !strings.Contains(errOut, "does-not-exist.yaml") {
		t.Errorf("missing FAQ: exit %d, stderr %q", code, errOut)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, faqYAML("Yes."))
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "version: 1\nentries:\n  - id: a\n    question: Q?\n    answer: A.\n    colour: red\n    follow_ups: [nowhere]\n")

	out, _, code := run(t, "", "validate", good)
	if code != 0 {
		t.Errorf("validate good: exit %d", code)
	}
	// entries without citations are warned about, not refused
	if !strings.Contains(out, good+":3:9: warning: entry \"water\" has no citations") {
		t.Errorf("validate good: no warning for an entry without citations:\n%s", out)
	}

	out, _, code = run(t, "", "validate", good, bad)
	if code != 1 {
		t.Errorf("validate bad: exit %d, want 1", code)
	}
	for _, want := range []string{bad + ":6:5: entries[0]: unknown key \"colour\"", bad + ":7:18: entry \"a\" has a follow-up to unknown entry \"nowhere\""} {
		if !strings.Contains(out, want) {
			t.Errorf("validate bad: output lacks %q:\n%s", want, out)
		}
	}
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))
	cases := filepath.Join(dir, "cases.yaml")
	writeFile(t, cases, `cases:
  - question: Is tap water safe to drink in Milan?
    expect: water
  - question: Which airport is closest to Cortina d'Ampezzo?
    expect: airport
  - question: What number do I call in an emergency?
    expect: emergency
  - question: who won the super bowl
    expect: none
`)
	out, _, code := run(t, "", "eval", "--faq", faqPath, "--cases", cases, "--json")
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, out)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	for _, key := range []string{"cases", "in_scope_accuracy", "oos_recall", "oos_precision", "emergency_recall", "p50_us", "p99_us", "errors", "confusions", "clarify_rate"} {
		if _, ok := r[key]; !ok {
			t.Errorf("eval --json has no %q", key)
		}
	}
	if r["cases"] != 4.0 || r["in_scope_accuracy"] != 1.0 || r["emergency_recall"] != 1.0 {
		t.Errorf("eval = cases %v, accuracy %v, emergency recall %v; want 4, 1, 1", r["cases"], r["in_scope_accuracy"], r["emergency_recall"])
	}

	// A case the FAQ cannot answer pulls accuracy below the gate.
	writeFile(t, cases, "cases:\n  - question: Is tap water safe to drink in Milan?\n    expect: airport\n")
	if _, errOut, code := run(t, "", "eval", "--faq", faqPath, "--cases", cases, "--min-accuracy", "90"); code != 1 || !strings.Contains(errOut, "below --min-accuracy") {
		t.Errorf("eval below --min-accuracy: exit %d, stderr %q", code, errOut)
	}
	// Only out-of-scope cases: there is no in-scope accuracy to gate on.
	writeFile(t, cases, "cases:\n  - question: who won the super bowl\n    expect: none\n")
	if _, errOut, code := run(t, "", "eval", "--faq", faqPath, "--cases", cases, "--min-accuracy", "0.9"); code != 0 {
		t.Errorf("eval of out-of-scope cases only with --min-accuracy: exit %d, stderr %q", code, errOut)
	}
	// An expect that names no entry is an error, not a silent miss.
	writeFile(t, cases, "cases:\n  - question: hi\n    expect: nowhere\n")
	if _, errOut, code := run(t, "", "eval", "--faq", faqPath, "--cases", cases); code != 1 || !strings.Contains(errOut, "nowhere") {
		t.Errorf("eval with an unknown id: exit %d, stderr %q", code, errOut)
	}
}

func TestChat(t *testing.T) {
	// "2" picks the second topic of the list before it
	out, _, code := run(t, "How do I enroll in STEP?\n\n/topics\n2\nhelp!\n", "chat")
	if code != 0 {
		t.Fatalf("chat: exit %d", code)
	}
	if strings.Count(out, "> ") < 5 {
		t.Errorf("chat did not prompt for each line:\n%s", out)
	}
	for _, want := range []string{"Smart Traveler Enrollment Program", "Here is everything I can answer", "How do I contact the U.S. Consulate General in Milan?\n\n", "112"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

// Ctrl-C ends a chat even while it waits for a line from a terminal.
func TestChatStopsOnCancel(t *testing.T) {
	stdin, w := io.Pipe() // never written: a terminal nobody types in
	defer w.Close()
	var out bytes.Buffer
	m := &Main{Stdin: stdin, Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"chat"}) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("chat returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("chat did not return after cancel")
	}
}

func TestAskBlank(t *testing.T) {
	if _, _, code := run(t, "", "ask", "--json", "\x01\x02"); code != 2 {
		t.Errorf("ask with only control characters: exit %d, want 2 (usage)", code)
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A slash command given to ask is run as the command, the way chat and the
// chat platforms run it, rather than matched as a question ("/help" once
// got the emergency entry, "/topics" the fallback).
func TestAskCommands(t *testing.T) {
	tests := []struct {
		args    []string
		want    string // in the output
		notWant string
	}{
		{[]string{"ask", "/topics"}, "Here is everything I can answer", "Sorry, I don't have an answer"},
		{[]string{"ask", "/help"}, "I'm travelbot", "EMERGENCY?"},
		{[]string{"ask", "/start@travelbot"}, "I'm travelbot", "STEP is the State Department"},
		{[]string{"ask", "/ask", "how", "do", "I", "enroll", "in", "STEP?"}, "STEP is the State Department", ""},
	}
	for _, tt := range tests {
		out, _, code := run(t, "", tt.args...)
		if code != 0 {
			t.Errorf("%q: exit %d", tt.args, code)
			continue
		}
		if !strings.Contains(out, tt.want) {
			t.Errorf("%q: output lacks %q:\n%s", tt.args, tt.want, out)
		}
		if tt.notWant != "" && strings.Contains(out, tt.notWant) {
			t.Errorf("%q: output has %q:\n%s", tt.args, tt.notWant, out)
		}
	}
	out, _, code := run(t, "", "ask", "--json", "/topics")
	var r struct {
		Examples []struct{ ID string } `json:"examples"`
	}
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || len(r.Examples) < 16 {
		t.Errorf("ask --json /topics: exit %d, %v, %d topics, want every entry:\n%s", code, err, len(r.Examples), out)
	}
}

package main

import (
	"encoding/json"
	"testing"
)

// TestAskJSONCommandOutcome: a slash command through ask --json has the
// outcome the bot records and logs it with (the reply's kind), never "".
func TestAskJSONCommandOutcome(t *testing.T) {
	for _, tt := range []struct{ cmd, outcome string }{
		{"/topics", "topics"},
		{"/help", "help"},
		{"/start", "help"},
		{"/reload", "refused"}, // the terminal is no admin
		{"/ask how do I enroll in STEP", "answer"},
	} {
		out, stderr, code := run(t, "", "ask", "--json", tt.cmd)
		var r struct {
			Outcome *string `json:"outcome"`
		}
		if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
			t.Errorf("ask --json %s: exit %d, %v\n%s%s", tt.cmd, code, err, out, stderr)
			continue
		}
		if r.Outcome == nil || *r.Outcome != tt.outcome {
			t.Errorf("ask --json %s: outcome %q, want %q:\n%s", tt.cmd, deref(r.Outcome), tt.outcome, out)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}

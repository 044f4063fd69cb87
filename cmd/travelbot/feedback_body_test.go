package main

import (
	"fmt"
	"strings"
	"testing"

	"travelbot/config"
)

// TestFeedbackBodyProblemSaidOnce: a body that is JSON but no object gets
// the feedback call's shape once, never /v1/ask's question shape.
func TestFeedbackBodyProblemSaidOnce(t *testing.T) {
	ts := startServer(t, func(c *config.Config, _ *server) { c.DataDir = t.TempDir() })
	for _, body := range []string{`[1]`, `"up"`, `42`} {
		code, got, _ := call(t, "POST", ts.url+"/v1/feedback", body, nil)
		msg := fmt.Sprint(got["error"])
		if code != 400 || strings.Count(msg, "must be a JSON object") != 1 || strings.Contains(msg, `"question":`) {
			t.Errorf("feedback %s: %d %q, want 400 naming the feedback shape once", body, code, msg)
		}
	}
}

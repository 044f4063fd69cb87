package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeLogsEffectiveThresholds runs `travelbot serve` on a FAQ that sets
// its own thresholds: the start-up "config" line does not claim a threshold
// of 0 for the ones the config leaves to the FAQ, and "faq loaded" gives the
// thresholds the matcher uses, the FAQ's or the config's override.
func TestServeLogsEffectiveThresholds(t *testing.T) {
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, strings.Replace(faqYAML("Yes."), "version: 1\n", "version: 1\nthresholds:\n  answer: 0.4\n  clarify: 0.2\n", 1))
	cases := []struct {
		name, config           string
		logAnswer, logClarify  any // in the config line
		usedAnswer, usedClarif float64
	}{
		{"the FAQ's", "", "faq or default", "faq or default", 0.4, 0.2},
		{"an override", "thresholds:\n  answer: 0.6\n", 0.6, "faq or default", 0.6, 0.2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfgPath := filepath.Join(dir, "travelbot.yaml")
			writeFile(t, cfgPath, "faq: faq.yaml\nhttp_addr: 127.0.0.1:0\nlog_format: json\nwatch: false\n"+c.config)
			_, logs, stop := runServe(t, cfgPath, nil)
			stop()
			var cfgLine, loaded map[string]any
			for line := range strings.Lines(logs.String()) {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) != nil {
					continue
				}
				// Known by their fields: the config line carries the
				// config as one object, the faq loaded line the thresholds
				// in use at its top level.
				if c, ok := m["config"].(map[string]any); ok {
					cfgLine = c
				}
				if _, ok := m["thresholds.answer"]; ok {
					loaded = m
				}
			}
			if cfgLine == nil || loaded == nil {
				t.Fatalf("no config or faq loaded line:\n%s", logs)
			}
			if got := cfgLine["thresholds.answer"]; got != c.logAnswer {
				t.Errorf("config line thresholds.answer = %#v, want %#v", got, c.logAnswer)
			}
			if got := cfgLine["thresholds.clarify"]; got != c.logClarify {
				t.Errorf("config line thresholds.clarify = %#v, want %#v", got, c.logClarify)
			}
			if loaded["thresholds.answer"] != c.usedAnswer || loaded["thresholds.clarify"] != c.usedClarif {
				t.Errorf("faq loaded line %v, want thresholds.answer %v and thresholds.clarify %v", loaded, c.usedAnswer, c.usedClarif)
			}
		})
	}
}

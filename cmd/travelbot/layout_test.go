package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportArrowsPointInward enforces the layout table of the README
// (section "Layout"): arrows point inward. faq imports only its own
// emergency detector, which, like config and seeds, imports nothing of
// ours; bot imports only faq; each adapter imports only bot (and its own
// test fakes). Only cmd/travelbot knows every package.
//
// The one exception is internal/yamlx, the strict YAML decoder that faq
// and config share ("one decoder per file format"). It is a leaf that
// imports nothing of ours and knows no schema, so the domain packages still
// depend on nothing of travelbot's but a building block.
func TestImportArrowsPointInward(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list packages with")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "travelbot/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string][]string{
		"travelbot/faq":                       {"travelbot/faq/emergency", "travelbot/internal/yamlx"},
		"travelbot/faq/emergency":             nil,
		"travelbot/config":                    {"travelbot/internal/yamlx"},
		"travelbot/internal/yamlx":            nil,
		"travelbot/seeds":                     nil,
		"travelbot/bot":                       {"travelbot/faq"},
		"travelbot/bot/telegram":              {"travelbot/bot"},
		"travelbot/bot/telegram/telegramtest": nil,
		"travelbot/bot/discord":               {"travelbot/bot"},
		"travelbot/bot/discord/discordtest":   nil,
		"travelbot/bot/redact":                nil,
		"travelbot/bot/store":                 nil,
		"travelbot/bot/store/sqlite":          {"travelbot/bot/store"},
		"travelbot/bot/store/storetest":       {"travelbot/bot/store"},

		// The console works on interfaces: no config, no concrete store.
		"travelbot/cmd/travelbot/console": {"travelbot/bot", "travelbot/bot/store", "travelbot/bot/telegram", "travelbot/bot/discord", "travelbot/faq", "travelbot/seeds"},
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		ok, checked := allowed[pkg]
		if !checked {
			continue
		}
		seen++
		for _, imp := range strings.Fields(imports) {
			if strings.HasPrefix(imp, "travelbot/") && !slices.Contains(ok, imp) {
				t.Errorf("%s imports %s; arrows must point inward (README, Layout)", pkg, imp)
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("checked %d packages, want %d: has the layout changed?", seen, len(allowed))
	}
}

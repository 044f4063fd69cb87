package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportArrowsPointInward enforces the layout in STYLE.md: faq imports
// only its own emergency detector, which, like config and seeds, imports
// nothing of ours; bot imports only faq; each adapter
// imports only bot (and its own test fakes). Only cmd/travelbot knows every
// package.
func TestImportArrowsPointInward(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list packages with")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "travelbot/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string][]string{
		"travelbot/faq":                       {"travelbot/faq/emergency"},
		"travelbot/faq/emergency":             nil,
		"travelbot/config":                    nil,
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
				t.Errorf("%s imports %s; arrows must point inward (STYLE.md)", pkg, imp)
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("checked %d packages, want %d: has the layout changed?", seen, len(allowed))
	}
}

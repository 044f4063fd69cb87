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
// The exception is the building blocks under internal/ (yamlx, the strict
// YAML decoder faq and config share; apishape, the API-origin and secret
// rules config and the adapters share; ...): any package may import one,
// as long as it is a leaf that imports nothing of ours and knows no
// domain, so the domain packages still depend on nothing of travelbot's
// but a building block. The test checks that they are leaves.
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
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imps, _ := strings.Cut(line, ":")
		imports[pkg] = strings.Fields(imps)
	}
	buildingBlock := func(imp string) bool {
		if !strings.HasPrefix(imp, "travelbot/internal/") || strings.HasPrefix(imp, "travelbot/internal/testutil") {
			return false
		}
		for _, i := range imports[imp] {
			if strings.HasPrefix(i, "travelbot/") {
				t.Errorf("%s, a building block under internal/, imports %s: it must be a leaf", imp, i)
			}
		}
		return true
	}
	seen := 0
	for pkg, imps := range imports {
		ok, checked := allowed[pkg]
		if !checked {
			continue
		}
		seen++
		for _, imp := range imps {
			if strings.HasPrefix(imp, "travelbot/") && !slices.Contains(ok, imp) && !buildingBlock(imp) {
				t.Errorf("%s imports %s; arrows must point inward (README, Layout)", pkg, imp)
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("checked %d packages, want %d: has the layout changed?", seen, len(allowed))
	}
}

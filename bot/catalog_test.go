package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestOneVoice holds everything that talks to travelers to the catalog: no
// string literal outside catalog.go (tests aside) names the emergency
// number or the Games, the two things that drifted into three wordings in
// three packages before. Anything that says them must come from Text,
// Line112, DangerLine, EventName or EmergencyNumber. In cmd/travelbot the
// files that show replies to people are held to it; the operator's own
// reports (eval, usage) are not.
func TestOneVoice(t *testing.T) {
	globs := []string{"*.go", "telegram/*.go", "discord/*.go",
		"../cmd/travelbot/ask.go", "../cmd/travelbot/chat.go", "../cmd/travelbot/http.go", "../cmd/travelbot/adapters.go"}
	forbidden := []string{EmergencyNumber, "Milan-Cortina", "Milan Cortina"}
	var offenders []string
	for _, glob := range globs {
		paths, err := filepath.Glob(glob)
		if err != nil || len(paths) == 0 {
			t.Fatalf("%s: no Go files (%v)", glob, err)
		}
		for _, path := range paths {
			if strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "catalog.go" {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				for _, w := range forbidden {
					if strings.Contains(s, w) {
						offenders = append(offenders, fset.Position(lit.Pos()).String()+": "+lit.Value)
						return true
					}
				}
				// A copy of a catalog message (Telegram's "That button
				// has expired" was one) drifts from it the day either
				// is reworded.
				if k, ok := catalogCopy(s); ok {
					offenders = append(offenders, fset.Position(lit.Pos()).String()+": "+lit.Value+" copies "+string(k))
				}
				return true
			})
		}
	}
	slices.Sort(offenders)
	for _, o := range offenders {
		t.Errorf("user-facing text outside the catalog: %s", o)
	}
}

// catalogCopy reports the catalog message s contains, in any language:
// messages of a sentence or more, so that a word like "More" may appear in
// code.
func catalogCopy(s string) (Key, bool) {
	for k, msgs := range catalog {
		for _, m := range msgs {
			if len(m) >= 20 && strings.Contains(s, m) {
				return k, true
			}
		}
	}
	return "", false
}

// Every message has its English text, and the three emergency messages
// exist in every catalog language and name 112.
func TestCatalogComplete(t *testing.T) {
	for k, msgs := range catalog {
		if strings.TrimSpace(msgs["en"]) == "" {
			t.Errorf("%s has no English text", k)
		}
	}
	for _, k := range []Key{KeyEmergency, KeyDanger, KeyEmergencyLead} {
		seen := make(map[string]string)
		for _, lang := range Languages {
			s, ok := catalog[k][lang]
			if !ok || !strings.Contains(s, EmergencyNumber) {
				t.Errorf("%s in %s = %q, want a translation with %s", k, lang, s, EmergencyNumber)
			}
			if other, dup := seen[s]; dup {
				t.Errorf("%s: %s and %s have the same text", k, other, lang)
			}
			seen[s] = lang
		}
	}
	if got := Text(KeyDanger, "pt-BR"); got != catalog[KeyDanger]["pt"] {
		t.Errorf(`Text(KeyDanger, "pt-BR") = %q, want the Portuguese line`, got)
	}
	if got := Text(KeyDanger, "sv"); got != catalog[KeyDanger]["en"] {
		t.Errorf(`Text(KeyDanger, "sv") = %q, want the English line`, got)
	}
	if Text(Key("no-such-key"), "en") != "" {
		t.Error("an unknown key gave text")
	}
}

// One command list, each command described and unique.
func TestCommands(t *testing.T) {
	seen := make(map[string]bool)
	for _, c := range Commands() {
		if c.Name == "" || c.Name != strings.ToLower(c.Name) || seen[c.Name] {
			t.Errorf("command %q: empty, not lowercase or repeated", c.Name)
		}
		seen[c.Name] = true
		if n := len(c.Description); n == 0 || n > 100 {
			t.Errorf("/%s: description of %d bytes, want 1..100 (Discord's limit)", c.Name, n)
		}
	}
	cs := Commands()
	cs[0].Name = "changed"
	if Commands()[0].Name == "changed" {
		t.Error("Commands returns the catalog's own slice")
	}
}

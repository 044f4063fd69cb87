package redact_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"travelbot/bot/redact"
)

// TestPlaceholdersListsEveryKind: Placeholders is the one list review
// reads, so it holds every placeholder constant of the package (a kind
// added without it would leave its placeholder in review's clusters and
// suggestions), and each one is what Text leaves for a sample of its kind.
func TestPlaceholdersListsEveryKind(t *testing.T) {
	list := redact.Placeholders()

	// Every string constant of redact.go in the placeholder form ("[...]",
	// "?[...]") is listed, and nothing else is.
	f, err := parser.ParseFile(token.NewFileSet(), "redact.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			for _, v := range spec.(*ast.ValueSpec).Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				if p := strings.TrimPrefix(s, "?"); strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") {
					consts = append(consts, s)
				}
			}
		}
	}
	got, want := slices.Sorted(slices.Values(list)), slices.Sorted(slices.Values(consts))
	if !slices.Equal(got, want) {
		t.Errorf("Placeholders() = %q, want the placeholder constants of redact.go %q", got, want)
	}

	samples := map[string]string{
		redact.Email:    "write to jane@example.com",
		redact.Phone:    "call 555-123-4567",
		redact.Passport: "passport A12345678 was stolen",
		redact.Card:     "card 4242424242424242 declined",
		redact.Address:  "I'm staying at Via Roma 12, Cortina",
		redact.Handle:   "ask @mario_rossi",
		redact.Query:    "is https://tickets.example/buy?id=7 official",
		redact.IBAN:     "refund to DE89370400440532013000",
		redact.TaxCode:  "my codice fiscale is RSSMRA85T10A562S",
	}
	for _, p := range list {
		in, ok := samples[p]
		if !ok {
			t.Errorf("no sample for placeholder %q: add one", p)
			continue
		}
		if out := redact.Text(in); !strings.Contains(out, p) {
			t.Errorf("Text(%q) = %q, want it to hold %q", in, out, p)
		}
	}
}

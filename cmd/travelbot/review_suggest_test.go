package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"travelbot/bot/redact"
	"travelbot/bot/store"
	"travelbot/bot/store/sqlite"
)

// suggestFAQ has an entry whose words a placeholder shares ("[tax code]"),
// so a suggestion matched with the placeholders in would name it.
const suggestFAQ = `version: 1
entries:
  - id: water
    question: Is tap water safe to drink in Milan?
    answer: "Yes."
  - id: vat-refund
    question: How do I get a tax refund with the tax code on my receipts?
    answer: Ask for a tax-free form at the till.
  - id: emergency
    question: What number do I call in an emergency?
    answer: Call 112.
    tags: [emergency]
`

// writeUnanswered records texts, redacted as the recorder does, as
// unanswered questions of the last hour.
func writeUnanswered(t *testing.T, dataDir string, texts ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.OpenDir(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().Add(-time.Hour)
	var b store.Batch
	for i, text := range texts {
		b.Questions = append(b.Questions, store.Question{ID: fmt.Sprintf("q%02d", i), Time: now.Add(time.Duration(i) * time.Second), Channel: "telegram", Text: redact.Text(text), Outcome: "none"})
	}
	if err := db.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
}

// TestReviewSuggestionsIgnorePlaceholders runs `travelbot review`: a
// question that was all personal data (an IBAN, a codice fiscale) shows no
// placeholder and no suggestion drawn from the placeholder's words; a
// question far from every entry says "no close entry" instead of a 0.00
// suggestion, and --json leaves "suggested" out for both; a question close
// to an entry still suggests it.
func TestReviewSuggestionsIgnorePlaceholders(t *testing.T) {
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, suggestFAQ)
	dataDir := filepath.Join(dir, "data")
	writeUnanswered(t, dataDir,
		"my codice fiscale is RSSMRA85T10A562S",
		"my bank account is DE89370400440532013000",
		"best pizza near the Duomo",
		"is tap water safe to drink in milan, text me on 555-123-4567",
	)

	out, err := runReview(t, "--data", dataDir, "--faq", faqPath)
	if err != nil {
		t.Fatalf("review: %v\n%s", err, out)
	}
	for _, p := range redact.Placeholders() {
		// The examples show the redacted texts as recorded; the
		// representative questions and suggestions must not rest on them.
		for line := range strings.Lines(out) {
			if strings.Contains(line, "suggested:") && strings.Contains(line, p) {
				t.Errorf("a cluster line holds the placeholder %s: %q", p, line)
			}
		}
	}
	if strings.Contains(out, "(0.00)") || strings.Contains(out, "vat-refund") {
		t.Errorf("review suggests an entry nothing in the questions is about:\n%s", out)
	}
	if n := strings.Count(out, "suggested: no close entry"); n != 3 {
		t.Errorf("%d clusters say \"no close entry\", want 3 (the tax code, the IBAN, the pizza):\n%s", n, out)
	}
	if !strings.Contains(out, "suggested: water (") {
		t.Errorf("the tap water question does not suggest water:\n%s", out)
	}

	rep := reviewJSON(t, dataDir, faqPath)
	byExample := map[string]reviewCluster{}
	for _, c := range rep.Clusters {
		for _, p := range redact.Placeholders() {
			if strings.Contains(c.Question, p) {
				t.Errorf("cluster %s: question %q holds the placeholder %s", c.ID, c.Question, p)
			}
		}
		byExample[c.Examples[0]] = c
	}
	for _, ex := range []string{"my codice fiscale is " + redact.TaxCode, "my bank account is " + redact.IBAN, "best pizza near the Duomo"} {
		c, ok := byExample[ex]
		if !ok {
			t.Errorf("no cluster for %q: %+v", ex, rep.Clusters)
			continue
		}
		if c.Suggested != (suggestedEntry{}) {
			t.Errorf("cluster %q suggests %+v, want no suggestion", ex, c.Suggested)
		}
	}
	tb, err := loadTable(faqPath)
	if err != nil {
		t.Fatal(err)
	}
	water := byExample["is tap water safe to drink in milan, text me on "+redact.Phone]
	if water.Suggested.ID != "water" || water.Suggested.Confidence < tb.Thresholds().Clarify {
		t.Errorf("the tap water cluster suggests %+v, want water at or above the clarify threshold %.2f", water.Suggested, tb.Thresholds().Clarify)
	}
}

// TestReviewJSONOmitsNoSuggestion: a cluster with no close entry has no
// "suggested" in review --json, rather than an entry id "" at 0.
func TestReviewJSONOmitsNoSuggestion(t *testing.T) {
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, suggestFAQ)
	dataDir := filepath.Join(dir, "data")
	writeUnanswered(t, dataDir, "best pizza near the Duomo")
	out, err := runReview(t, "--data", dataDir, "--faq", faqPath, "--json")
	if err != nil {
		t.Fatalf("review --json: %v\n%s", err, out)
	}
	if strings.Contains(out, `"suggested"`) {
		t.Errorf("review --json lists a suggestion for a question far from every entry:\n%s", out)
	}
}

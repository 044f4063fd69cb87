package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"travelbot/bot/redact"
	"travelbot/bot/store"
	"travelbot/bot/store/sqlite"
	"travelbot/cmd/travelbot/console"
	"travelbot/faq"
)

func TestPromotable(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"no placeholder", "where can I rent skis in Cortina?", "where can I rent skis in Cortina?"},
		{"no placeholder, spaces trimmed", "  ski rental  ", "ski rental"},
		{"contacts in a trailing clause", "where can I rent skis in Cortina, call [phone] or write [email]", "where can I rent skis in Cortina"},
		{"contacts in a leading sentence", "My number is [phone]. Where is the bus to Cortina?", "Where is the bus to Cortina?"},
		{"contacts in a middle clause", "Is the shuttle free; I'm at [address]; when does it leave?", "Is the shuttle free; when does it leave?"},
		{"a URL's query string", "Is this the official ticket site: https://tickets.example/buy?[query]", "Is this the official ticket site"},
		{"every clause holds one: the placeholders alone go", "email [email] about my lost passport", "email about my lost passport"},
		{"a handle", "[handle] where do I pick up my accreditation?", "where do I pick up my accreditation?"},
		{"a time keeps its colon", "does the 10:30 train stop in Cortina, text [phone]", "does the 10:30 train stop in Cortina"},
		{"nothing but personal data", redact.Phone + " " + redact.Email, ""},
		{"nothing but personal data and punctuation", redact.Phone + ", " + redact.Email + ".", ""},
		{"no placeholder, no word", " ?! ", ""},
		{"empty", "", ""},
	}
	for _, c := range cases {
		if got := promotable(c.in); got != c.want {
			t.Errorf("%s: promotable(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

// TestConsolePromoteSharesApplyPromotion: the console's promote is
// applyPromotion's: the phrasing made promotable, the file edited by one
// line, the cluster marked at the console's clock, a worse case refused
// with nothing written, and no action recorded (the console audits its own).
func TestConsolePromoteSharesApplyPromotion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))
	db, err := sqlite.OpenDir(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tb, err := loadTable(faqPath)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	r := &consoleReview{db: db, live: faq.NewLive(tb), path: faqPath, now: func() time.Time { return at }}

	before, _ := os.ReadFile(faqPath)
	err = r.Promote(ctx, console.Promotion{ClusterID: "c1", Entry: "airport", Text: "how do I get to Cortina from Venice, call [phone]"})
	if err != nil {
		t.Fatalf("Promote: %v", err)
	}
	after, _ := os.ReadFile(faqPath)
	if added := strings.Count(string(after), "\n") - strings.Count(string(before), "\n"); added != 1 || !strings.Contains(string(after), "how do I get to Cortina from Venice") || strings.Contains(string(after), "[phone]") {
		t.Errorf("the FAQ after the promote (%d lines added):\n%s", added, after)
	}
	marks, err := db.Marks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 1 || marks[0].ClusterID != "c1" || marks[0].State != store.MarkPromoted || !marks[0].Time.Equal(at) || marks[0].Text != "how do I get to Cortina from Venice" {
		t.Errorf("marks %+v, want c1 promoted at %v with the promotable text", marks, at)
	}
	if acts, err := db.Actions(ctx, 10); err != nil || len(acts) != 0 {
		t.Errorf("actions %+v, %v: the console records its own, applyPromotion none", acts, err)
	}

	// The cases beside the file get worse: refused, nothing written.
	writeFile(t, filepath.Join(dir, "cases.yaml"), "cases:\n  - question: Is tap water safe to drink in Milan?\n    expect: water\n  - question: where can I rent skis in Cortina\n    expect: none\n")
	before, _ = os.ReadFile(faqPath)
	err = r.Promote(ctx, console.Promotion{ClusterID: "c2", Entry: "airport", Text: "where can I rent skis in Cortina"})
	if !errors.Is(err, errCasesWorse) {
		t.Errorf("Promote with a case getting worse = %v, want errCasesWorse", err)
	}
	if after, _ := os.ReadFile(faqPath); string(after) != string(before) {
		t.Errorf("the FAQ was written although the promote was refused")
	}

	// An invalid edit: a *faq.ValidationError, whose problems the console
	// lists.
	var ve *faq.ValidationError
	if err := r.Promote(ctx, console.Promotion{ClusterID: "c3", Entry: "water", Text: "Which airport is closest to Cortina d'Ampezzo?"}); !errors.As(err, &ve) {
		t.Errorf("Promote of a duplicate phrasing = %v, want a *faq.ValidationError", err)
	}
	if err := r.Promote(ctx, console.Promotion{ClusterID: "c4", Entry: "water", Text: redact.Email}); !errors.Is(err, errNothingToPromote) {
		t.Errorf("Promote of a phrasing that is all personal data = %v, want errNothingToPromote", err)
	}
}

// TestPromoteQuestionOfPersonalDataOnly: `review promote --question` with
// nothing but redacted personal data is refused, and the FAQ is left alone.
func TestPromoteQuestionOfPersonalDataOnly(t *testing.T) {
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))
	dataDir := filepath.Join(dir, "data")
	db, err := sqlite.OpenDir(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(faqPath)
	out, err := runReview(t, "promote", "--data", dataDir, "--faq", faqPath, "--entry", "airport", "--question", redact.Phone+", "+redact.Email, "c1")
	if err == nil || !strings.Contains(out, "empty") {
		t.Errorf("promote of personal data only = %v %q, want a refusal", err, out)
	}
	if after, _ := os.ReadFile(faqPath); string(after) != string(before) {
		t.Errorf("the FAQ was written:\n%s", after)
	}
}

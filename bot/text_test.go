package bot

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"travelbot/faq"
	"travelbot/seeds"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func seedTable(t *testing.T) *faq.Table {
	t.Helper()
	f, err := faq.Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := faq.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// goldenReplies are the five replies every surface renders in its golden
// tests (the adapters' tests build the same ones): the emergency answer to
// an urgent message in Spanish, the consulate, a multi-source answer, a
// clarification, and the fallback. The matcher's verdict is fixed, so the
// goldens change only when the rendering or the FAQ does.
func goldenReplies(t *testing.T) map[string]Reply {
	tb := seedTable(t)
	b := New(Options{Tables: faq.NewLive(tb)})
	ask := func(res faq.Result) Reply {
		b.match = func(*faq.Table, string) faq.Result { return res }
		return b.Ask(context.Background(), Message{Channel: "cli", UserID: "1", Text: "golden"})
	}
	return map[string]Reply{
		"emergency":    ask(faq.Result{Outcome: faq.Answer, Entry: tb.Entry("emergency-112"), Confidence: 1, Emergency: true, Urgency: faq.UrgencyUrgent, Language: "es"}),
		"consulate":    b.EntryReply("consulate-milan"),
		"multi-source": b.EntryReply("italian-reaction"),
		"clarify": ask(faq.Result{Outcome: faq.Clarify, Confidence: 0.2, Urgency: faq.UrgencyPossible, Language: "en", Suggestions: []faq.Suggestion{
			{Entry: tb.Entry("consulate-milan"), Confidence: 0.2}, {Entry: tb.Entry("citizen-services"), Confidence: 0.18},
		}}),
		"fallback": ask(faq.Result{Outcome: faq.None, Confidence: 0.05, Urgency: faq.UrgencyNone, Language: "en"}),
	}
}

func TestRenderTextGolden(t *testing.T) {
	for name, r := range goldenReplies(t) {
		t.Run(name, func(t *testing.T) {
			got := RenderText(r)
			path := filepath.Join("testdata", "text", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./bot -run TestRenderTextGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("RenderText(%s) differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
			}
		})
	}
}

// Each source is listed once, with all its quotes, whatever the order of
// the citations; an undated official page shows no date; an estimate is
// marked.
func TestGroupCitations(t *testing.T) {
	a := Citation{Publisher: "NBC News", Title: "T", Date: "2026-01-27"}
	b := Citation{Publisher: "Niche News", Title: "S", Date: "2026-01-27", DateApprox: true}
	page := Citation{Publisher: "U.S. Embassy", Title: "Website", URL: "https://it.usembassy.gov/"}
	with := func(c Citation, q string) Citation { c.Quote = q; return c }
	r := Reply{Kind: KindAnswer, Citations: []Citation{with(a, "one"), with(b, "two"), with(a, "three"), with(a, "one"), page}}
	got := GroupCitations(r)
	if len(got) != 3 {
		t.Fatalf("%d groups, want 3: %+v", len(got), got)
	}
	if g := got[0]; g.Publisher != "NBC News" || strings.Join(g.Quotes, "|") != "one|three" {
		t.Errorf("first group %+v, want NBC News with one|three", g)
	}
	if l := got[1].Label(); !strings.Contains(l, "(approx. 2026-01-27)") {
		t.Errorf("an estimated date is shown as %q", l)
	}
	if l := got[2].Label(); strings.Contains(l, "(") || len(got[2].Quotes) != 0 {
		t.Errorf("an official page is shown as %q with quotes %q", l, got[2].Quotes)
	}
	text := RenderText(r)
	if n := strings.Count(text, "NBC News"); n != 1 {
		t.Errorf("NBC News listed %d times:\n%s", n, text)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name, in string
		width    int
		want     string
	}{
		{"short lines stay", "a b c\nd", 20, "a b c\nd"},
		{"breaks at spaces", "the quick brown fox jumps over the lazy dog", 20, "the quick brown fox\njumps over the lazy\ndog"},
		{"keeps the indent", "    \"a quote that is long enough to wrap\"", 24, "    \"a quote that is\n    long enough to wrap\""},
		{"hangs list items", "  1. What should I do in an emergency in Italy?", 24, "  1. What should I do in\n     an emergency in\n     Italy?"},
		{"a long word is not broken", "see https://it.usembassy.gov/a/very/long/path now", 20, "see\nhttps://it.usembassy.gov/a/very/long/path\nnow"},
		{"a tiny width leaves it", "a b c d e f", 5, "a b c d e f"},
		// Chinese and Japanese take two columns a character and have no
		// spaces: they break between characters (the 112 line once ran
		// past the terminal's edge).
		{"wide characters take two columns", "緊急事態ですか？今すぐ112に電話してください。", 20, "緊急事態ですか？今す\nぐ112に電話してくだ\nさい。"},
		{"wide characters hang under a list item", "  1. 如果您或他人身处危险请拨打", 20, "  1. 如果您或他人身\n     处危险请拨打"},
	}
	for _, tt := range tests {
		got := Wrap(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("%s: Wrap = %q, want %q", tt.name, got, tt.want)
		}
		for _, line := range strings.Split(got, "\n") {
			if utf8.RuneCountInString(line) > tt.width && tt.width >= 20 && !strings.Contains(line, "https://") {
				t.Errorf("%s: line %q is over %d", tt.name, line, tt.width)
			}
		}
	}
}

// Quotes and titles reach the terminal as written: no Go escaping of the
// quotation marks inside them (`were \"not true.\"` once showed).
func TestRenderTextQuotesAsWritten(t *testing.T) {
	r := Reply{Kind: KindAnswer, Question: "Q?", Answer: "A.", Citations: []Citation{{
		Publisher: "NBC News", Title: `The "ICE" row`, Date: "2026-01-27",
		Quote: `reports were "not true." \ ok`,
	}}}
	out := RenderText(r)
	for _, want := range []string{`"reports were "not true." \ ok"`, `NBC News, "The "ICE" row" (2026-01-27)`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `\"`) {
		t.Errorf("escaped quotation marks in:\n%s", out)
	}
}

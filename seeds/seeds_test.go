package seeds_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"travelbot/faq"
	"travelbot/internal/testutil/seedfaq"
	"travelbot/seeds"
)

// requiredTopics are the ids ../shared/faq-topics.md requires, so that
// held-out evaluation questions can be scored against the default FAQ. They
// are hard-coded so the test does not depend on the shared directory.
var requiredTopics = []string{
	"emergency-112",
	"consulate-milan",
	"citizen-services",
	"step-enrollment",
	"dss-role",
	"iseg",
	"joc-milan",
	"usopc-mou",
	"host-nation",
	"games-dates",
	"ice-hsi-role",
	"italian-reaction",
	"us-delegation",
	"athlete-security",
	"press-contact",
	"past-games-support",
}

// Content rules for the default FAQ. The floor is twelve alternates;
// the default content aims higher because the classifier learns from them.
const (
	minAlternates   = 20
	maxAnswerRunes  = 700 // read on a phone
	maxAnswerLines  = 6
	maxQuestionLen  = 100 // Discord autocomplete choice names
	maxFollowUps    = 3
	minNegatives    = 40
	maxNegatives    = 150
	minSynonymGroup = 10
	maxSynonymGroup = 60
	maxQuoteRunes   = 250 // one sentence or clause
)

// sourceFiles maps each source id to the glob(s) of the documents it stands
// for, relative to the seeds package directory. 002 and 004 are the same
// Associated Press story; a quote may come from either.
var sourceFiles = map[string][]string{
	"state-dss":     {"000_*.txt"},
	"herejax-ice":   {"001_*.txt"},
	"ap-ice-role":   {"002_*.txt", "004_*.txt"},
	"nbc-ice-italy": {"003_*.txt"},
	// Official pages cited for their links, mapped to the document that
	// names them; they are cited without quotes.
	"embassy-italy": {"000_*.txt"},
	"step-site":     {"000_*.txt"},
	"dss-site":      {"000_*.txt"},
}

const sharedSeeds = "../../shared/seeds"

// parseSeeds parses the embedded FAQ with the package loader, failing the
// test when it does not load.
func parseSeeds(t *testing.T) *faq.Document {
	t.Helper()
	f, err := faq.Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatalf("faq.Parse(%s): %v", seeds.Name, err)
	}
	return f
}

func TestParsesStrictly(t *testing.T) {
	f := parseSeeds(t)
	for _, w := range f.Warnings {
		t.Errorf("warning: %s", w)
	}

	// Decode again with unknown keys as errors, independently of the loader.
	var strict faq.Document
	dec := yaml.NewDecoder(bytes.NewReader(seeds.FAQ))
	dec.KnownFields(true)
	if err := dec.Decode(&strict); err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	if strict.Version != 1 {
		t.Errorf("version = %d, want 1", strict.Version)
	}
	if strings.TrimSpace(strict.About) == "" {
		t.Error("about is empty")
	}

	if e := seedfaq.Table(t).Emergency(); e == nil || e.ID != "emergency-112" {
		t.Errorf("Emergency() = %v, want emergency-112", e)
	}
}

func TestRequiredTopics(t *testing.T) {
	f := parseSeeds(t)
	ids := make(map[string]int, len(f.Entries))
	for _, e := range f.Entries {
		ids[e.ID]++
	}
	for _, id := range requiredTopics {
		if ids[id] == 0 {
			t.Errorf("missing required topic %q", id)
		}
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("entry id %q appears %d times", id, n)
		}
	}
}

func TestEntries(t *testing.T) {
	f := parseSeeds(t)
	ids := make(map[string]bool, len(f.Entries))
	for _, e := range f.Entries {
		ids[e.ID] = true
	}
	sources := make(map[string]bool, len(f.Sources))
	linked := make(map[string]string, len(f.Sources)) // source id -> url
	for _, s := range f.Sources {
		sources[s.ID] = true
		linked[s.ID] = s.URL
	}

	emergencies := 0
	for _, e := range f.Entries {
		t.Run(e.ID, func(t *testing.T) {
			if strings.TrimSpace(e.Question) == "" {
				t.Error("empty question")
			}
			if n := utf8.RuneCountInString(e.Question); n > maxQuestionLen {
				t.Errorf("question is %d characters, want <= %d", n, maxQuestionLen)
			}
			if len(e.Alternates) < minAlternates {
				t.Errorf("%d alternates, want >= %d", len(e.Alternates), minAlternates)
			}
			for i, a := range e.Alternates {
				if strings.TrimSpace(a) == "" {
					t.Errorf("alternate %d is empty", i)
				}
			}
			answer := strings.TrimSpace(e.Answer)
			if answer == "" {
				t.Error("empty answer")
			}
			if n := utf8.RuneCountInString(answer); n > maxAnswerRunes {
				t.Errorf("answer is %d characters, want <= %d", n, maxAnswerRunes)
			}
			if n := len(strings.Split(answer, "\n")); n > maxAnswerLines {
				t.Errorf("answer has %d lines, want <= %d", n, maxAnswerLines)
			}
			if len(e.Citations) == 0 {
				t.Error("no citations")
			}
			for i, c := range e.Citations {
				if !sources[c.Source] {
					t.Errorf("citation %d: unknown source %q", i, c.Source)
				}
				if strings.TrimSpace(c.Quote) == "" && linked[c.Source] == "" {
					t.Errorf("citation %d: empty quote (only an official page with a url may go without)", i)
				}
				if n := utf8.RuneCountInString(c.Quote); n > maxQuoteRunes {
					t.Errorf("citation %d: quote is %d characters, want <= %d", i, n, maxQuoteRunes)
				}
			}
			if n := len(e.FollowUps); n < 1 || n > maxFollowUps {
				t.Errorf("%d follow-ups, want 1..%d", n, maxFollowUps)
			}
			for _, id := range e.FollowUps {
				if !ids[id] {
					t.Errorf("follow-up %q is not an entry", id)
				}
				if id == e.ID {
					t.Errorf("follow-up %q points to itself", id)
				}
			}
		})
		if e.HasTag(faq.TagEmergency) {
			emergencies++
			if e.ID != "emergency-112" {
				t.Errorf("entry %q is tagged %q; only emergency-112 may be", e.ID, faq.TagEmergency)
			}
		}
	}
	if emergencies != 1 {
		t.Errorf("%d entries tagged %q, want exactly 1 (emergency-112)", emergencies, faq.TagEmergency)
	}
}

// TestEmergencyAnswerLeadsWith112 guards the first thing a panicking user
// reads.
func TestEmergencyAnswerLeadsWith112(t *testing.T) {
	f := parseSeeds(t)
	for _, e := range f.Entries {
		if e.ID == "emergency-112" && !strings.HasPrefix(strings.TrimSpace(e.Answer), "Call 112") {
			t.Errorf("emergency-112 answer starts %q, want it to start with \"Call 112\"", firstLine(e.Answer))
		}
	}
}

// TestNoSharedPhrasing checks that no phrasing (question, alternate or
// negative) appears twice, ignoring case and punctuation: a phrasing under
// two entries teaches the matcher nothing but confusion.
func TestNoSharedPhrasing(t *testing.T) {
	f := parseSeeds(t)
	owner := make(map[string]string)
	add := func(where, text string) {
		key := phrasingKey(text)
		if key == "" {
			t.Errorf("%s: phrasing %q is empty after normalising", where, text)
			return
		}
		if prev, ok := owner[key]; ok {
			t.Errorf("%s: phrasing %q already used by %s", where, text, prev)
			return
		}
		owner[key] = where
	}
	for _, e := range f.Entries {
		add(e.ID, e.Question)
		for _, a := range e.Alternates {
			add(e.ID, a)
		}
	}
	for _, n := range f.Negatives {
		add("negatives", n)
	}
}

func TestSynonymsAndNegatives(t *testing.T) {
	f := parseSeeds(t)
	if n := len(f.Synonyms); n < minSynonymGroup || n > maxSynonymGroup {
		t.Errorf("%d synonym groups, want %d..%d", n, minSynonymGroup, maxSynonymGroup)
	}
	seen := make(map[string]int)
	for i, g := range f.Synonyms {
		if len(g) < 2 {
			t.Errorf("synonym group %d %v has fewer than two words", i, g)
		}
		for _, w := range g {
			k := strings.ToLower(strings.TrimSpace(w))
			if k == "" {
				t.Errorf("synonym group %d has an empty word", i)
				continue
			}
			if j, ok := seen[k]; ok && j != i {
				t.Errorf("synonym %q is in groups %d and %d", w, j, i)
			}
			seen[k] = i
		}
	}
	if n := len(f.Negatives); n < minNegatives || n > maxNegatives {
		t.Errorf("%d negatives, want %d..%d", n, minNegatives, maxNegatives)
	}
}

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func TestSources(t *testing.T) {
	f := parseSeeds(t)
	cited := make(map[string]bool)
	for _, e := range f.Entries {
		for _, c := range e.Citations {
			cited[c.Source] = true
		}
	}
	for _, s := range f.Sources {
		if _, ok := sourceFiles[s.ID]; !ok {
			t.Errorf("source %q has no document mapped in sourceFiles", s.ID)
		}
		if s.Publisher == "" || s.Title == "" {
			t.Errorf("source %q: publisher and title are required", s.ID)
		}
		if !isoDate.MatchString(s.Date) && (s.Date != "" || s.URL == "") {
			t.Errorf("source %q: date %q is not YYYY-MM-DD", s.ID, s.Date)
		}
		if s.URL != "" && !strings.HasPrefix(s.URL, "https://") {
			t.Errorf("source %q: url %q is not https", s.ID, s.URL)
		}
		if !cited[s.ID] {
			t.Errorf("source %q is never cited", s.ID)
		}
	}
}

// TestQuotesAreVerbatim checks every citation quote against the document it
// cites, after normalising whitespace, quote marks and dashes.
func TestQuotesAreVerbatim(t *testing.T) {
	if _, err := os.Stat(sharedSeeds); err != nil {
		t.Skipf("source documents not available (%v); skipping the verbatim-quote check", err)
	}
	docs := make(map[string][]string) // source id -> normalised document texts
	for id, globs := range sourceFiles {
		for _, g := range globs {
			paths, err := filepath.Glob(filepath.Join(sharedSeeds, g))
			if err != nil || len(paths) != 1 {
				t.Fatalf("source %q: %s matches %v (err %v), want exactly one file", id, g, paths, err)
			}
			b, err := os.ReadFile(paths[0])
			if err != nil {
				t.Fatalf("source %q: %v", id, err)
			}
			docs[id] = append(docs[id], normaliseQuote(string(b)))
		}
	}

	f := parseSeeds(t)
	for _, e := range f.Entries {
		for i, c := range e.Citations {
			texts, ok := docs[c.Source]
			if !ok {
				t.Errorf("%s citation %d: source %q has no document", e.ID, i, c.Source)
				continue
			}
			q := normaliseQuote(c.Quote)
			if q == "" {
				continue // an official page cited for its link
			}
			if !containsAny(texts, q) {
				t.Errorf("%s citation %d: quote not found verbatim in %s: %q", e.ID, i, c.Source, c.Quote)
			}
		}
	}
}

// TestNormaliseQuote pins down what the verbatim check forgives, so that a
// change to it cannot quietly make every quote pass.
func TestNormaliseQuote(t *testing.T) {
	tests := []struct {
		name, doc, quote string
		want             bool
	}{
		{"exact", "DSS chairs the ISEG.", "DSS chairs the ISEG.", true},
		{"whitespace", "DSS  chairs\n the\tISEG", "DSS chairs the ISEG", true},
		{"curly apostrophe", "the consulate’s number", "the consulate's number", true},
		{"curly double quotes", "said “not true.”", `said "not true."`, true},
		{"doubled apostrophes", "be,'' the agency", `be," the agency`, true},
		{"non-breaking hyphen", "Milan‑Cortina", "Milan-Cortina", true},
		{"mojibake dash left out", "MILAN (AP) â€” U.S. agents", "MILAN (AP) U.S. agents", true},
		{"changed word", "DSS chairs the ISEG", "DSS leads the ISEG", false},
		{"case differs", "DSS chairs the ISEG", "dss chairs the iseg", false},
		{"missing word", "would not run any operations", "would run any operations", false},
	}
	for _, tt := range tests {
		got := strings.Contains(normaliseQuote(tt.doc), normaliseQuote(tt.quote))
		if got != tt.want {
			t.Errorf("%s: quote %q in %q = %v, want %v", tt.name, tt.quote, tt.doc, got, tt.want)
		}
	}
}

// TestPhrasingKey pins down what counts as the same phrasing.
func TestPhrasingKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Lost my passport, what now?", "lost my passport what now"},
		{"What's STEP", "whats step"},
		{"consulate phone #", "Consulate  phone"},
	}
	for _, tt := range tests {
		if phrasingKey(tt.a) != phrasingKey(tt.b) {
			t.Errorf("phrasingKey(%q) = %q, phrasingKey(%q) = %q, want equal", tt.a, phrasingKey(tt.a), tt.b, phrasingKey(tt.b))
		}
	}
	if phrasingKey("lost my passport") == phrasingKey("lost my wallet") {
		t.Error("different phrasings share a key")
	}
}

var quoteReplacer = strings.NewReplacer(
	"’", "'", "‘", "'",
	"“", `"`, "”", `"`,
	"''", `"`, // 002 closes some quotations with two apostrophes
	"‑", "-", // non-breaking hyphen in 000
	"â€”", " ", // mojibake em dash in 004, which quotes may leave out
	"—", " ",
)

// normaliseQuote makes a quote and a document comparable: quote marks and
// dashes in one form, every run of whitespace a single space.
func normaliseQuote(s string) string {
	return strings.Join(strings.Fields(quoteReplacer.Replace(s)), " ")
}

// phrasingKey is a phrasing with case, punctuation and spacing removed.
func phrasingKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case unicode.IsSpace(r):
			space = true
		}
	}
	return b.String()
}

func containsAny(texts []string, sub string) bool {
	for _, t := range texts {
		if strings.Contains(t, sub) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// TestAnswersLinkWhereTheySendTravelers: an answer that sends the traveler
// to a website gives its address, every address in an answer is a cited
// source's url (none made up), and every official page is linked from the
// answers that cite it.
func TestAnswersLinkWhereTheySendTravelers(t *testing.T) {
	f := parseSeeds(t)
	urls := make(map[string]string) // source id -> url
	for _, s := range f.Sources {
		urls[s.ID] = s.URL
	}
	link := regexp.MustCompile(`https?://\S+`)
	for _, e := range f.Entries {
		cited := make(map[string]bool)
		for _, c := range e.Citations {
			u := urls[c.Source]
			if u != "" {
				cited[u] = true
			}
			if u != "" && c.Quote == "" && !strings.Contains(e.Answer, u) {
				t.Errorf("%s: cites the official page %s but the answer does not link it", e.ID, u)
			}
		}
		found := link.FindAllString(e.Answer, -1)
		for _, u := range found {
			if !cited[u] {
				t.Errorf("%s: the answer links %s, which no citation of it names", e.ID, u)
			}
		}
		if strings.Contains(strings.ToLower(e.Answer), "website") && len(found) == 0 {
			t.Errorf("%s: the answer sends the traveler to a website without its address", e.ID)
		}
	}
}

package faq_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"travelbot/faq"
)

const editFAQ = `# top comment
version: 1
sources:
  - id: s
    publisher: P
    title: "T"
    date: 2026-01-27
entries:
  # the water entry
  - id: water
    question: Is tap water safe to drink in Milan?
    alternates:
      - can i drink the tap water   # a comment
      - 'is milan water drinkable'
    answer: Yes.
    citations:
      - {source: s, quote: "q"}
  - id: airport
    question: Which airport is closest to Cortina?
    alternates: [nearest airport to cortina, "what airport do i fly into"]
    answer: Venice.
    citations:
      - {source: s, quote: "q"}
  - id: bus
    question: >-
      Is there a bus
      to the venues?
    # how to get there
    answer: Yes.
    citations:
      - {source: s, quote: "q"}
`

// diffLines returns the lines of b not in a and of a not in b, in order.
func diffLines(a, b string) (added, removed []string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	count := map[string]int{}
	for _, l := range al {
		count[l]++
	}
	for _, l := range bl {
		if count[l] > 0 {
			count[l]--
			continue
		}
		added = append(added, l)
	}
	count = map[string]int{}
	for _, l := range bl {
		count[l]++
	}
	for _, l := range al {
		if count[l] > 0 {
			count[l]--
			continue
		}
		removed = append(removed, l)
	}
	return added, removed
}

func TestAddPhrasing(t *testing.T) {
	tests := []struct {
		name, entry, text string
		negative          bool
		added, removed    []string
	}{
		{"block list", "water", "is the tap water ok", false, []string{"      - is the tap water ok"}, nil},
		{"needs quotes", "water", "water: safe?", false, []string{`      - "water: safe?"`}, nil},
		{"flow list", "airport", "closest airport", false,
			[]string{`    alternates: [nearest airport to cortina, "what airport do i fly into", closest airport]`},
			[]string{`    alternates: [nearest airport to cortina, "what airport do i fly into"]`}},
		{"no list yet, folded question", "bus", "bus to the stadium", false, []string{"    alternates: [bus to the stadium]"}, nil},
		{"negatives absent", "", "who will win the downhill", true, []string{"negatives: [who will win the downhill]"}, nil},
	}
	for _, tt := range tests {
		out, err := faq.AddPhrasing([]byte(editFAQ), "faq.yaml", tt.entry, tt.text, tt.negative)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		added, removed := diffLines(editFAQ, string(out))
		if !slices.Equal(added, tt.added) || !slices.Equal(removed, tt.removed) {
			t.Errorf("%s: added %q removed %q; want added %q removed %q\n%s", tt.name, added, removed, tt.added, tt.removed, out)
			continue
		}
		f, err := faq.Parse("faq.yaml", out)
		if err != nil {
			t.Errorf("%s: the result does not parse: %v\n%s", tt.name, err, out)
			continue
		}
		var got []string
		if tt.negative {
			got = f.Negatives
		} else {
			for _, e := range f.Entries {
				if e.ID == tt.entry {
					got = e.Alternates
				}
			}
		}
		if !slices.Contains(got, tt.text) {
			t.Errorf("%s: %q is not among %q after the edit", tt.name, tt.text, got)
		}
	}
}

func TestAddPhrasingPlacesTheLineAfterTheLastItem(t *testing.T) {
	out, err := faq.AddPhrasing([]byte(editFAQ), "faq.yaml", "water", "new one", false)
	if err != nil {
		t.Fatal(err)
	}
	want := "      - 'is milan water drinkable'\n      - new one\n    answer: Yes.\n"
	if !strings.Contains(string(out), want) {
		t.Errorf("the new line is not right after the last alternate:\n%s", out)
	}
}

func TestAddPhrasingRefuses(t *testing.T) {
	tests := []struct {
		name, entry, text string
		want              error
	}{
		{"unknown entry", "nope", "x", nil},
		{"already there", "water", "Can I drink the tap water?", faq.ErrPhrasingExists},
		{"empty", "water", "  ", nil},
		{"two lines", "water", "a\nb", nil},
	}
	for _, tt := range tests {
		_, err := faq.AddPhrasing([]byte(editFAQ), "faq.yaml", tt.entry, tt.text, false)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestAddPhrasingOnTheSeeds edits the real default FAQ, three entries one
// after the other: each edit adds one line and parses with the phrasing in
// its entry, and the file with all three compiles to a table that answers
// each new phrasing as one of its own (an exact match, confidence 1: the
// classifier alone answers these with its entry too, at about 0.5). It
// compiles once, not after every edit: a compile of the default FAQ takes
// seconds under the race detector.
func TestAddPhrasingOnTheSeeds(t *testing.T) {
	data, err := os.ReadFile("../seeds/faq.yaml")
	if err != nil {
		t.Skip(err)
	}
	f, err := faq.Parse("faq.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var nf *faq.Document
	added := map[string]string{} // phrasing -> entry id
	for i, e := range f.Entries[:3] {
		text := "yet another way to ask about " + e.ID
		added[text] = e.ID
		out, err := faq.AddPhrasing(data, "faq.yaml", e.ID, text, false)
		if err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
		if added, removed := diffLines(string(data), string(out)); len(added) != 1 || len(removed) != 0 {
			t.Errorf("%s: added %q, removed %q; want one added line", e.ID, added, removed)
		}
		if nf, err = faq.Parse("faq.yaml", out); err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
		if !slices.Contains(nf.Entries[i].Alternates, text) {
			t.Errorf("%s: %q is not among its alternates after the edit", e.ID, text)
		}
		data = out
	}
	tab, err := faq.Compile(nf)
	if err != nil {
		t.Fatalf("the edited FAQ: %v", err)
	}
	for text, id := range added {
		r := tab.Match(text)
		got := ""
		if r.Entry != nil {
			got = r.Entry.ID
		}
		if r.Outcome != faq.Answer || got != id || r.Confidence != 1 {
			t.Errorf("Match(%q) = %s %q (%.2f), want the exact answer %s", text, r.Outcome, got, r.Confidence, id)
		}
	}
}

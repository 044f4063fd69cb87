package faq

import (
	"cmp"
	"slices"
	"strings"

	"github.com/sahilm/fuzzy"
)

// maxSuggestPattern caps the typed prefix: sahilm/fuzzy's adjacency bonus
// grows about 3^n along a contiguous run and overflows int64 near 40 runes.
const maxSuggestPattern = 32

// suggestIndex is the as-you-type index over entry questions.
type suggestIndex struct {
	entries []*Entry
	targets []string // lower-cased questions, parallel to entries
}

func newSuggestIndex(entries []*Entry) suggestIndex {
	idx := suggestIndex{entries: entries, targets: make([]string, len(entries))}
	for i, e := range entries {
		idx.targets[i] = strings.ToLower(e.Question)
	}
	return idx
}

// Suggest returns up to n entries for a partly typed question, best first,
// for Discord autocomplete and Telegram inline mode. An empty prefix lists
// the entries in file order. Letters must appear in order in the question
// (sahilm/fuzzy); when they do not, the full matcher's ranking fills in, so
// a typo still finds something.
func (t *Table) Suggest(prefix string, n int) []Suggestion {
	if n <= 0 {
		return nil
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	if p == "" {
		out := make([]Suggestion, 0, min(n, len(t.entries)))
		for _, e := range t.entries[:min(n, len(t.entries))] {
			out = append(out, Suggestion{Entry: e})
		}
		return out
	}
	if r := []rune(p); len(r) > maxSuggestPattern {
		p = string(r[:maxSuggestPattern])
	}
	// Letters typed in order pick the candidates (sahilm/fuzzy); for three
	// letters or more the classifier orders them, since fuzzy's score
	// favours matches early in the question over matches that mean more.
	matches := fuzzy.Find(p, t.suggest.targets)
	var rank map[*Entry]int
	if len([]rune(p)) >= 3 && len(matches) > 1 {
		rank = make(map[*Entry]int, len(t.entries))
		for i, s := range t.m.rank(prefix, len(t.entries)) {
			rank[s.Entry] = i
		}
		slices.SortStableFunc(matches, func(a, b fuzzy.Match) int {
			return cmp.Compare(rank[t.suggest.entries[a.Index]], rank[t.suggest.entries[b.Index]])
		})
	}
	out := make([]Suggestion, 0, n)
	seen := make(map[*Entry]bool, n)
	for _, m := range matches {
		if len(out) == n {
			break
		}
		e := t.suggest.entries[m.Index]
		seen[e] = true
		out = append(out, Suggestion{Entry: e, Confidence: float64(len(m.MatchedIndexes)) / float64(len(t.suggest.targets[m.Index]))})
	}
	if len(out) < n {
		for _, s := range t.m.rank(prefix, n) {
			if len(out) == n {
				break
			}
			if !seen[s.Entry] {
				seen[s.Entry] = true
				out = append(out, s)
			}
		}
	}
	return out
}

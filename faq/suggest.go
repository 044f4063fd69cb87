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
// the entries in file order. For one or two letters, sahilm/fuzzy decides
// (the letters in order in the question, word starts first). From three
// letters on, the classifier ranks every entry (its character n-grams read
// partial words and typos) and a fuzzy match of the question adds a small
// bonus; so "press" finds the journalists' entry though its question never
// says "press".
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
	matches := fuzzy.Find(p, t.suggest.targets)
	if len([]rune(p)) < 3 {
		out := make([]Suggestion, 0, min(n, len(matches)))
		for _, m := range matches[:min(n, len(matches))] {
			out = append(out, Suggestion{Entry: t.suggest.entries[m.Index], Confidence: float64(len(m.MatchedIndexes)) / float64(len(t.suggest.targets[m.Index]))})
		}
		return out
	}
	fuzzyHit := make(map[*Entry]bool, len(matches))
	for _, m := range matches {
		fuzzyHit[t.suggest.entries[m.Index]] = true
	}
	ranked := t.m.rank(t.m.a.completeLast(p), len(t.entries))
	score := func(s Suggestion) float64 {
		if fuzzyHit[s.Entry] {
			return s.Confidence + suggestFuzzyBonus
		}
		return s.Confidence
	}
	slices.SortStableFunc(ranked, func(a, b Suggestion) int { return cmp.Compare(score(b), score(a)) })
	return ranked[:min(n, len(ranked))]
}

// suggestFuzzyBonus is what typing a question's letters in order adds to an
// entry's confidence when ranking suggestions.
const suggestFuzzyBonus = 0.1

package faq

import "strings"

// matcher is a placeholder until the real classifier lands: token overlap.
type matcher struct {
	entries []*Entry
	texts   [][]string
}

func newMatcher(f *FAQ, entries []*Entry) *matcher {
	m := &matcher{entries: entries}
	for _, e := range entries {
		m.texts = append(m.texts, strings.Fields(strings.ToLower(e.Question+" "+strings.Join(e.Alternates, " "))))
	}
	return m
}

func (m *matcher) rank(q string, n int) []Suggestion {
	qs := strings.Fields(strings.ToLower(q))
	var out []Suggestion
	for i, words := range m.texts {
		hit := 0
		for _, w := range qs {
			for _, x := range words {
				if w == x {
					hit++
					break
				}
			}
		}
		if hit > 0 && len(qs) > 0 {
			out = append(out, Suggestion{Entry: m.entries[i], Confidence: float64(hit) / float64(len(qs))})
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Match answers one free-text question. It never panics and is safe for
// concurrent use.
func (t *Table) Match(question string) Result {
	r := t.m.rank(question, 3)
	if len(r) == 0 {
		return Result{Outcome: None}
	}
	if r[0].Confidence >= t.thresholds.Answer {
		return Result{Outcome: Answer, Entry: r[0].Entry, Confidence: r[0].Confidence}
	}
	return Result{Outcome: Clarify, Suggestions: r, Confidence: r[0].Confidence}
}

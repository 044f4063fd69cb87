package faq

import "strings"

// Explanation is why Match decides what it does for one question, for an
// admin who wants to see it (the console's test pane): the result itself,
// the best entries with their confidences and the phrasing of each that is
// nearest to the question, and the question's words the FAQ never uses.
type Explanation struct {
	Result Result
	// Candidates are the entries the classifier ranks highest, best
	// first, whatever the outcome.
	Candidates []Candidate
	// Unknown are the question's content words (folded, as written) that
	// appear in no phrasing and no answer of the FAQ, in question order,
	// each once. They lower every confidence (see coverage).
	Unknown []string
}

// Candidate is one entry the classifier considered for a question.
type Candidate struct {
	Entry      *Entry
	Confidence float64
	// Nearest is the entry's phrasing (its question or an alternate) that
	// shares the most terms with the question; Overlap is the share of
	// the two's terms they have in common (0-1, Jaccard).
	Nearest string
	Overlap float64
}

// Explain matches question as Match does and says why, with the n best
// entries (at most the table's size). It is safe for concurrent use and,
// like Match, never panics; it costs a little more than Match, so it is
// for admins, not the reply path.
func (t *Table) Explain(question string, n int) Explanation {
	ex := Explanation{Result: t.Match(question)}
	an, ranked, _ := t.m.classify(firstRunes(question, maxClassifiedRunes))
	if len(ranked) == 0 {
		return ex
	}
	cov := coverage(an)
	q := termSet(an.terms)
	for _, s := range ranked[:min(max(n, 0), len(ranked))] {
		e := t.m.classes[s.class]
		c := Candidate{Entry: e, Confidence: t.m.entryConfidence(an, s, cov, ex.Result.Urgency == UrgencyNone)}
		for _, p := range append([]string{e.Question}, e.Alternates...) {
			if o := jaccard(q, termSet(t.m.a.analyze(p).terms)); o > c.Overlap || c.Nearest == "" {
				c.Nearest, c.Overlap = p, o
			}
		}
		ex.Candidates = append(ex.Candidates, c)
	}
	ex.Unknown = t.m.a.unknownWords(an)
	return ex
}

// unknownWords lists the content words of an analysis the FAQ never uses,
// the way analyzeWords counts them.
func (a *analyzer) unknownWords(an analysis) []string {
	var out []string
	seen := make(map[string]bool)
	for i := 0; i < len(an.words); i++ {
		w := an.words[i]
		if ps, ok := a.phrases[a.stemOf(w)]; ok {
			if _, n := a.matchPhrase(ps, an.words[i:]); n > 0 {
				i += n - 1
				continue
			}
		}
		if isStopWord(w) || a.known[a.term(w)] || seen[an.raw[i]] {
			continue
		}
		seen[an.raw[i]] = true
		out = append(out, an.raw[i])
	}
	return out
}

func termSet(terms []string) map[string]bool {
	s := make(map[string]bool, len(terms))
	for _, t := range terms {
		if t = strings.TrimSpace(t); t != "" && !isStopWord(t) {
			s[t] = true
		}
	}
	return s
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for t := range a {
		if b[t] {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

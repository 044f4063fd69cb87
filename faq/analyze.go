package faq

import (
	"slices"
	"strings"
)

// analyzer turns text into the terms the classifier sees. It is built once
// per table from the FAQ's phrasings and synonyms and is read-only after.
type analyzer struct {
	// stems caches stem+synonym canonicalisation for every word the FAQ
	// uses, so matching a question rarely runs the stemmer.
	stems map[string]string
	// synonym maps the stem of a one-word synonym to its group's term.
	synonym map[string]string
	// phrases maps the first word of a multi-word synonym to its phrases.
	phrases map[string][]phrase
	// known holds the canonical terms the FAQ uses (phrasings and answers):
	// a question made of words outside it is likely out of scope.
	known map[string]bool
	// spell maps one-letter deletions of known words to those words, for
	// typo correction (SymSpell with edit distance 1).
	spell map[string][]string
	// freq counts known words, to prefer common words among corrections.
	freq map[string]int
	// plain caches the stem of every known word, synonyms aside.
	plain map[string]string
	// vocab is every known word, sorted, for completing a partly typed one.
	vocab []string
}

type phrase struct {
	words []string
	canon string
}

// analysis is one text, analysed.
type analysis struct {
	words   []string // folded words, typos corrected where confident
	raw     []string // folded words as written
	all     []string // a question's words before courtesy trimming (phrasingKey's), nil for a phrasing
	terms   []string // canonical stems, synonyms applied, one per word or phrase
	content int      // terms that are not stop words
	unknown int      // content terms the FAQ never uses
	// contentTerms has bit i set when terms[i] is a content term (not a
	// stop word's); terms are at most maxQueryTokens = 64 for a question.
	contentTerms uint64
}

func newAnalyzer(synonyms [][]string) *analyzer {
	a := &analyzer{
		stems:   make(map[string]string),
		synonym: make(map[string]string),
		phrases: make(map[string][]phrase),
		known:   make(map[string]bool),
		spell:   make(map[string][]string),
		freq:    make(map[string]int),
	}
	// Synonyms match by stem, so "bodyguards" finds [guard, bodyguard]
	// and "state departments" finds [state department, state dept].
	for _, group := range synonyms {
		canon := ""
		for _, member := range group {
			ws := tokens(fold(member), maxQueryTokens)
			if len(ws) == 0 {
				continue
			}
			for i, w := range ws {
				ws[i] = stem(w)
			}
			if canon == "" {
				canon = strings.Join(ws, "_")
			}
			if len(ws) == 1 {
				a.synonym[ws[0]] = canon
				continue
			}
			a.phrases[ws[0]] = append(a.phrases[ws[0]], phrase{words: ws, canon: canon})
		}
	}
	return a
}

// learn adds a phrasing's words to the vocabulary.
func (a *analyzer) learn(text string) {
	for _, w := range tokens(fold(text), 1<<16) {
		a.freq[w]++
		a.known[a.term(w)] = true
		if a.freq[w] == 1 && len(w) >= 4 && !isDigit(rune(w[0])) {
			for _, d := range deletes(w) {
				a.spell[d] = appendUnique(a.spell[d], w)
			}
		}
	}
}

// learnPhrases marks multi-word synonyms as known terms.
func (a *analyzer) learnPhrases() {
	for _, ps := range a.phrases {
		for _, p := range ps {
			a.known[p.canon] = true
		}
	}
}

func appendUnique(list []string, w string) []string {
	for _, x := range list {
		if x == w {
			return list
		}
	}
	return append(list, w)
}

// deletes returns w with each one letter removed.
func deletes(w string) []string {
	out := make([]string, 0, len(w))
	for i := range len(w) {
		if i > 0 && w[i] == w[i-1] {
			continue // same deletion as the previous letter
		}
		out = append(out, w[:i]+w[i+1:])
	}
	return out
}

// term is the canonical term of one folded word: its stem, or its synonym
// group's term.
func (a *analyzer) term(w string) string {
	if t, ok := a.stems[w]; ok {
		return t
	}
	st := stem(w)
	if c, ok := a.synonym[st]; ok {
		return c
	}
	return st
}

// freeze caches the stem and the canonical term of every known word.
func (a *analyzer) freeze() {
	a.plain = make(map[string]string, len(a.freq))
	a.vocab = make([]string, 0, len(a.freq))
	for w := range a.freq {
		a.plain[w] = stem(w)
		a.stems[w] = a.term(w)
		a.vocab = append(a.vocab, w)
	}
	slices.Sort(a.vocab)
}

// completeLast completes the last word of a partly typed question to the
// most common known word it begins ("where do i send jour" -> "... journalist"),
// unless it is a known word already or shorter than three letters.
func (a *analyzer) completeLast(text string) string {
	words := tokens(fold(text), maxQueryTokens)
	if len(words) == 0 {
		return text
	}
	last := words[len(words)-1]
	if len(last) < 3 || a.freq[last] > 0 {
		return text
	}
	i, _ := slices.BinarySearch(a.vocab, last)
	best, bestFreq := "", 0
	for ; i < len(a.vocab) && strings.HasPrefix(a.vocab[i], last); i++ {
		if f := a.freq[a.vocab[i]]; f > bestFreq {
			best, bestFreq = a.vocab[i], f
		}
	}
	if best == "" {
		return text
	}
	words[len(words)-1] = best
	return strings.Join(words, " ")
}

// stemOf is stem, from the cache for the FAQ's own words.
func (a *analyzer) stemOf(w string) string {
	if st, ok := a.plain[w]; ok {
		return st
	}
	return stem(w)
}

// correct returns the known word a typo most likely meant, or "".
func (a *analyzer) correct(w string) string {
	if len(w) < 4 || isDigit(rune(w[0])) {
		return ""
	}
	best, bestFreq := "", 0
	consider := func(c string) {
		if f := a.freq[c]; f > bestFreq || (f == bestFreq && c < best) {
			best, bestFreq = c, f
		}
	}
	// w has one letter too many: one of its deletions is a known word.
	// w lacks a letter, or has one wrong or two swapped: a deletion of w
	// equals a deletion of a known word.
	for _, d := range deletes(w) {
		if a.freq[d] > 0 && len(d) >= 4 {
			consider(d)
		}
		for _, c := range a.spell[d] {
			if len(c) == len(w) && !oneSubstOrSwap(w, c) {
				continue
			}
			consider(c)
		}
	}
	// w lacks a letter: w itself is a deletion of a known word.
	for _, c := range a.spell[w] {
		consider(c)
	}
	return best
}

// oneSubstOrSwap reports whether equal-length a and b differ by one
// substituted letter or two adjacent letters swapped.
func oneSubstOrSwap(a, b string) bool {
	diff := -1
	for i := range len(a) {
		if a[i] == b[i] {
			continue
		}
		if diff >= 0 {
			// second difference: only a swap of neighbours is allowed
			return diff == i-1 && a[diff] == b[i] && a[i] == b[diff] && a[i+1:] == b[i+1:]
		}
		diff = i
	}
	return true
}

// courtesy words open and close messages without saying what they are
// about: "hi there, ... thanks so much".
var courtesy = map[string]bool{
	"hi": true, "hello": true, "hey": true, "there": true, "thanks": true, "thank": true,
	"you": true, "so": true, "much": true, "please": true, "pls": true, "plz": true,
	"cheers": true, "sorry": true, "to": true, "bother": true, "ok": true, "okay": true,
	"quick": true, "question": true, "one": true, "good": true, "morning": true,
	"afternoon": true, "evening": true, "dear": true, "sir": true, "madam": true,
	"in": true, "advance": true, "a": true, "lot": true, "ty": true, "thx": true,
}

// trimCourtesy drops courtesy words from both ends of a message, as long as
// two words or more remain: "hi" alone stays "hi".
func trimCourtesy(words []string) []string {
	lo, hi := 0, len(words)
	for lo < hi && courtesy[words[lo]] {
		lo++
	}
	for hi > lo && courtesy[words[hi-1]] {
		hi--
	}
	if hi-lo < 2 {
		return words
	}
	return words[lo:hi]
}

// analyze turns text into terms, correcting typos against the vocabulary.
// Questions (not training phrasings) have courtesy words trimmed.
func (a *analyzer) analyze(text string) analysis {
	return a.analyzeWords(tokens(fold(text), maxQueryTokens))
}

func (a *analyzer) analyzeQuery(text string) analysis {
	all := tokens(fold(text), maxQueryTokens)
	an := a.analyzeWords(trimCourtesy(all))
	an.all = all
	return an
}

func (a *analyzer) analyzeWords(raw []string) analysis {
	an := analysis{raw: raw, words: make([]string, len(raw)), terms: make([]string, 0, len(raw))}
	for i, w := range raw {
		an.words[i] = w
		if a.freq[w] == 0 && !isStopWord(w) && !isEnglishWord(w) {
			if c := a.correct(w); c != "" {
				an.words[i] = c
			}
		}
	}
	for i := 0; i < len(an.words); i++ {
		w := an.words[i]
		if ps, ok := a.phrases[a.stemOf(w)]; ok {
			if p, n := a.matchPhrase(ps, an.words[i:]); n > 0 {
				an.markContent(len(an.terms))
				an.terms = append(an.terms, p)
				an.content++
				i += n - 1
				continue
			}
		}
		t := a.term(w)
		an.terms = append(an.terms, t)
		if !isStopWord(w) {
			an.markContent(len(an.terms) - 1)
			an.content++
			if !a.known[t] {
				an.unknown++
			}
		}
	}
	return an
}

// markContent marks terms[i] as a content term; a training phrasing's
// terms past the 64th are not marked (questions have at most 64).
func (an *analysis) markContent(i int) {
	if i < 64 {
		an.contentTerms |= 1 << i
	}
}

// isContent reports whether terms[i] is a content term.
func (an *analysis) isContent(i int) bool { return i < 64 && an.contentTerms&(1<<i) != 0 }

// matchPhrase finds the longest of the phrases that words start with, by
// stem.
func (a *analyzer) matchPhrase(ps []phrase, words []string) (canon string, n int) {
	for _, p := range ps {
		if len(p.words) > len(words) || len(p.words) <= n {
			continue
		}
		ok := true
		for j, pw := range p.words {
			if a.stemOf(words[j]) != pw {
				ok = false
				break
			}
		}
		if ok {
			canon, n = p.canon, len(p.words)
		}
	}
	return canon, n
}

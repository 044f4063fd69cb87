package faq

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"travelbot/faq/emergency"
)

// How a match decides, in short:
//
//  1. The question is folded (case, diacritics, punctuation), tokenised,
//     typo-corrected against the FAQ's own words, stemmed, and synonyms are
//     mapped to one term.
//  2. A softmax regression over word, word-pair and character 3-5-gram
//     features, trained on every phrasing when the table was compiled, gives
//     each entry a probability. The FAQ's negatives train one more class,
//     "out of scope".
//  3. The confidence is the top entry's lead over chance (see confidence),
//     so that it means the same on a 16-entry FAQ and a 150-entry one,
//     discounted for the share of the question's content words the FAQ has
//     never seen, and more when the entry's phrasings share at most one of
//     them (see entryConfidence). Thresholds, and a runner-up close behind,
//     decide between answer, clarify and none; so does the out-of-scope
//     class when it is likelier than any entry.
//  4. The emergency detector (package emergency: a model trained on
//     messages in eight languages, over a lexicon of unmistakable cries)
//     reads the whole message and grades it urgent, possible or none. An
//     urgent message gets the emergency entry whatever the classifier
//     said; a possible one keeps its answer and carries the level.

// matcher is the compiled matching state of a table.
type matcher struct {
	a       *analyzer
	vocab   *vocabulary
	clf     *classifier
	classes []*Entry // by class index; nil for the out-of-scope class
	exact   map[string]int
	entries int // classes that are entries
	// termClasses maps every content term of the phrasings to the classes
	// whose phrasings use it, ascending: which of a question's words an
	// entry was taught (see support).
	termClasses map[string][]int32
	// emergency is the class of the FAQ's emergency entry (the first
	// tagged emergency, as the Table's), -1 if none; emergencyTopic, the
	// content terms of its question ("emergency", "italy"), which name what
	// the entry is about rather than what happens in one (see
	// entryConfidence).
	emergency      int
	emergencyTopic []string
	pool           sync.Pool
}

// scratch is per-match working memory, pooled so matching allocates little.
type scratch struct {
	raw   []rawFeature
	x     sparse
	probs []float64
	acc   []float32 // the classifier's sums
}

// negativeClass is the exact-match marker of a negative phrasing;
// ambiguousClass marks, while compiling, a trimmed key two entries share.
const (
	negativeClass  = -1
	ambiguousClass = -2
)

// newMatcher builds the matching state of entries, training with params on
// up to workers goroutines (0: GOMAXPROCS). It stops with ctx's error when
// ctx ends during feature extraction or training.
func newMatcher(ctx context.Context, f *Document, entries []*Entry, params trainParams, workers int) (*matcher, error) {
	englishOnce.Do(loadEnglish) // here, not on the first question
	emergency.Default()         // trained once, on the first compile
	m := &matcher{a: newAnalyzer(f.Synonyms), entries: len(entries), exact: make(map[string]int),
		termClasses: make(map[string][]int32), emergency: -1}
	var texts []string
	var labels []int
	for i, e := range entries {
		if m.emergency < 0 && e.HasTag(TagEmergency) {
			m.emergency = i
		}
		m.classes = append(m.classes, e)
		for _, p := range append([]string{e.Question}, e.Alternates...) {
			texts = append(texts, p)
			labels = append(labels, i)
		}
		m.a.learn(e.Question)
		for _, p := range e.Alternates {
			m.a.learn(p)
		}
	}
	if m.emergency >= 0 {
		an := m.a.analyze(entries[m.emergency].Question)
		for j, t := range an.terms {
			if an.isContent(j) {
				m.emergencyTopic = append(m.emergencyTopic, t)
			}
		}
	}
	k := len(entries)
	if len(f.Negatives) > 0 {
		m.classes = append(m.classes, nil)
		for _, n := range f.Negatives {
			texts = append(texts, n)
			labels = append(labels, k)
		}
		k++
	}
	// answers widen what counts as a known word, not what is learnt
	for _, e := range entries {
		for _, w := range tokens(fold(e.Answer), 1<<16) {
			m.a.known[m.a.term(w)] = true
		}
	}
	m.a.learnPhrases()
	m.a.freeze()

	// Features and vectors are built in one scratch buffer each and kept
	// at their exact size: a compile's garbage is what paces the GC, and
	// every GC cycle during a reload slows the questions beside it.
	docs := make([][]rawFeature, len(texts))
	trimmed := make(map[string]int) // see below
	var raw []rawFeature
	for i, t := range texts {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("features: %w", context.Cause(ctx))
			}
		}
		an := m.a.analyze(t)
		raw = extract(an, raw)
		docs[i] = slices.Clone(raw)
		for j, term := range an.terms {
			// labels ascend, so each list stays sorted and unique
			if cs := m.termClasses[term]; an.isContent(j) && (len(cs) == 0 || cs[len(cs)-1] != int32(labels[i])) {
				m.termClasses[term] = append(cs, int32(labels[i]))
			}
		}
		key := phrasingKey(t)
		c := labels[i]
		if c >= len(entries) {
			c = negativeClass
		}
		if _, dup := m.exact[key]; !dup || c == negativeClass {
			m.exact[key] = c
		}
		if tk, ok := trimmedKey(key); ok {
			if prev, seen := trimmed[tk]; seen && prev != c {
				c = ambiguousClass
			}
			trimmed[tk] = c
		}
	}
	// A phrasing is also known by its words with the courtesy trimmed
	// from its ends, as a question's are: "tickets for the final please"
	// by "tickets for the final". A whole phrasing comes first, and two
	// phrasings of different entries trimmed alike are neither's.
	for tk, c := range trimmed {
		if _, dup := m.exact[tk]; !dup && c != ambiguousClass {
			m.exact[tk] = c
		}
	}
	m.vocab = buildVocabulary(docs, maxWeights/k)
	xs := make([]sparse, len(docs))
	var x sparse
	for i, d := range docs {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("features: %w", context.Cause(ctx))
			}
		}
		x = m.vocab.vectorize(d, x)
		xs[i] = sparse{idx: slices.Clone(x.idx), val: slices.Clone(x.val)}
		docs[i] = nil // the raw features are the biggest thing compile holds
	}
	clf, err := train(ctx, xs, labels, k, len(m.vocab.idf), params, workers)
	if err != nil {
		return nil, err
	}
	m.clf = clf
	m.pool.New = func() any {
		return &scratch{probs: make([]float64, k), acc: make([]float32, k)}
	}
	return m, nil
}

// scored is one entry's standing for a question.
type scored struct {
	class int
	prob  float64
}

// classify returns the classes best first, the analysis, and the
// out-of-scope probability. The returned slice is the caller's.
func (m *matcher) classify(q string) (an analysis, ranked []scored, oos float64) {
	an = m.a.analyzeQuery(q)
	if len(an.raw) == 0 {
		return an, nil, 1
	}
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	s.raw = extract(an, s.raw)
	s.x = m.vocab.vectorize(s.raw, s.x)
	m.clf.logits(s.x, 1, s.probs, s.acc)
	softmaxInPlace(s.probs)
	ranked = make([]scored, 0, m.entries)
	for c := range m.entries {
		ranked = append(ranked, scored{c, s.probs[c]})
	}
	if len(m.classes) > m.entries {
		oos = s.probs[m.entries]
	}
	slices.SortFunc(ranked, func(a, b scored) int { return cmp.Compare(b.prob, a.prob) })
	return an, ranked, oos
}

// coverage discounts a confidence for content words the FAQ never uses: a
// question about the weather that happens to say "Milan" is mostly unknown
// words, and its best entry deserves little trust.
func coverage(an analysis) float64 {
	if an.content == 0 {
		return 0.35 // only stop words: "what is it", "how"
	}
	known := float64(an.content - an.unknown)
	return (known + 0.5) / (float64(an.content) + 0.5)
}

// confidence turns a class probability into a confidence: the probability's
// lead over chance (1/classes, which is 0.5 on a two-entry FAQ and 0.007 on
// a 150-entry one), so that a confidence means the same whatever the FAQ's
// size, discounted by the question's coverage.
func (m *matcher) confidence(p, cov float64) float64 {
	k := float64(len(m.classes))
	if k <= 1 {
		return p * cov
	}
	chance := 1 / k
	return max(0, (p-chance)/(1-chance)) * cov
}

// support counts the question's distinct content terms, and how many of
// them the phrasings of class c use.
func (m *matcher) support(an analysis, c int) (shared, content int) {
	for i, t := range an.terms {
		if !an.isContent(i) || seenContent(an, i) {
			continue
		}
		content++
		if _, ok := slices.BinarySearch(m.termClasses[t], int32(c)); ok {
			shared++
		}
	}
	return shared, content
}

// seenContent reports whether terms[i] is also an earlier content term.
func seenContent(an analysis, i int) bool {
	for j := range i {
		if an.terms[j] == an.terms[i] && an.isContent(j) {
			return true
		}
	}
	return false
}

// oneWord reports whether class c rests on at most one of the question's
// content words while the question has others: "I got a brand new phone"
// is the emergency entry's only because its phrasings say "phone" ("someone
// just stole my phone").
func (m *matcher) oneWord(an analysis, c int) bool {
	shared, content := m.support(an, c)
	return shared < 2 && shared < content
}

// oneWordPseudo is the smoothing of a one-word entry's own coverage,
// (shared + oneWordPseudo) / (content + oneWordPseudo): 0.71 for one word
// of two, 0.56 of three, 0.45 of four. Smaller declines more out-of-scope
// questions and more paraphrases with it; on the intent benchmarks
// (faq/testdata/bench, bench2) 1.5 costs 0.2-0.3 points of in-scope
// accuracy for 6-8 points of out-of-scope recall, 1.0 costs twice that.
const oneWordPseudo = 1.5

// calmEmergencyDiscount scales the emergency entry's confidence when it
// rests on one word, that word is not one of its question's ("in a real
// emergency what's step one" is the entry's whatever else it says), and
// the detector found nothing urgent in the message.
// The entry's phrasings are mostly emergencies in progress, which the
// detector catches; their words (phone, hotel, fire, station, bag, metro)
// are every traveler's, and answering a calm question with "call 112 now"
// is the costliest wrong answer the FAQ can give. A declined or clarified
// emergency question still gets the reply's 112 line.
const calmEmergencyDiscount = 0.5

// entryConfidence is the confidence in class s for the question: its lead
// over chance, discounted by the question's coverage, or, when the class
// rests on one word (see oneWord), by its own coverage of the question's
// content words if lower: a word the FAQ knows from other entries is no
// more evidence for this one than a word it has never seen. calm says the
// emergency detector found nothing urgent in the message.
func (m *matcher) entryConfidence(an analysis, s scored, cov float64, calm bool) float64 {
	shared, content := m.support(an, s.class)
	if shared >= 2 || shared >= content {
		return m.confidence(s.prob, cov)
	}
	own := (float64(shared) + oneWordPseudo) / (float64(content) + oneWordPseudo)
	c := m.confidence(s.prob, min(cov, own))
	if calm && s.class == m.emergency && !m.namesEmergencyTopic(an) {
		c *= calmEmergencyDiscount
	}
	return c
}

// namesEmergencyTopic reports whether the question uses a content term of
// the emergency entry's question.
func (m *matcher) namesEmergencyTopic(an analysis) bool {
	for i, t := range an.terms {
		if an.isContent(i) && slices.Contains(m.emergencyTopic, t) {
			return true
		}
	}
	return false
}

// Match answers one free-text question. It never panics, whatever the
// input, and is safe for concurrent use. The emergency detector reads the
// whole message (up to emergency.MaxBytes), the intent classifier its first
// maxClassifiedRunes runes; both in time linear in what they read.
func (t *Table) Match(question string) Result {
	det := emergency.Default().Detect(question)
	an, ranked, oos := t.m.classify(firstRunes(question, maxClassifiedRunes))
	res := Result{Outcome: None}
	if len(an.raw) > 0 {
		res = t.decide(an, ranked, oos, det.Level)
	}
	res = t.applyEmergency(res, det.Level, an, ranked)
	res.Language = det.Language
	return res
}

// exactClass looks a question up in the exact-phrase map: by its
// phrasingKey, the key every phrasing was put in by, then by its words
// with courtesy trimmed ("hi, <a phrasing> thanks"). Looking up only the
// trimmed words missed the phrasings that start or end with a courtesy
// word: "a way to ask" was looked up as "way to ask".
func (m *matcher) exactClass(an analysis) (int, bool) {
	if an.all != nil {
		if c, ok := m.exact[strings.Join(an.all, " ")]; ok {
			return c, true
		}
		if len(an.all) == len(an.raw) {
			return 0, false // nothing trimmed: the same key
		}
	}
	c, ok := m.exact[strings.Join(an.raw, " ")]
	return c, ok
}

// trimmedKey is a phrasingKey with courtesy words trimmed from its ends as
// a question's are (trimCourtesy), and whether that changed it.
func trimmedKey(key string) (string, bool) {
	first, _, _ := strings.Cut(key, " ")
	last := key[strings.LastIndexByte(key, ' ')+1:]
	if !courtesy[first] && !courtesy[last] {
		return key, false
	}
	tk := strings.Join(trimCourtesy(strings.Split(key, " ")), " ")
	return tk, tk != key
}

// decide picks the outcome from the ranked classes, given the emergency
// detector's level for the message.
func (t *Table) decide(an analysis, ranked []scored, oos float64, level emergency.Level) Result {
	m := t.m
	if c, ok := m.exactClass(an); ok {
		if c == negativeClass {
			return Result{Outcome: None}
		}
		return Result{Outcome: Answer, Entry: m.classes[c], Confidence: 1}
	}
	cov := coverage(an)
	calm := level == emergency.None
	conf := func(s scored) float64 { return m.entryConfidence(an, s, cov, calm) }
	top := conf(ranked[0])
	// The out-of-scope class likelier than any entry is the classifier
	// declining, whatever the entry's lead over chance: "where is the fire
	// station" was the emergency entry's at 0.30 against 0.40.
	if oos > 0.5 || oos >= ranked[0].prob || top < t.thresholds.Clarify {
		return Result{Outcome: None, Confidence: top}
	}
	// A runner-up close behind means the question sits between two
	// entries (or between the FAQ and something it does not cover): ask.
	if top >= t.thresholds.Answer && (len(ranked) < 2 || ranked[1].prob < runnerUpRatio*ranked[0].prob) {
		return Result{Outcome: Answer, Entry: m.classes[ranked[0].class], Confidence: top}
	}
	res := Result{Outcome: Clarify, Confidence: top}
	for i, s := range ranked {
		if i == 3 {
			break
		}
		c := top // ranked[0]'s, computed above
		if i > 0 {
			if c = conf(s); c < top/4 {
				break
			}
		}
		res.Suggestions = append(res.Suggestions, Suggestion{Entry: m.classes[s.class], Confidence: c})
	}
	if len(res.Suggestions) == 1 && len(ranked) > 1 {
		s := ranked[1]
		res.Suggestions = append(res.Suggestions, Suggestion{Entry: m.classes[s.class], Confidence: conf(s)})
	}
	return res
}

// runnerUpRatio: when the second entry's probability is at least this share
// of the first's, the match clarifies instead of answering. On held-out
// corpora it trades far less in-scope accuracy for out-of-scope recall than
// a higher answer threshold does.
const runnerUpRatio = 0.6

// rank returns the n entries most likely meant by q, best first, whatever
// their confidence: Suggest uses it when typed letters match no question.
func (m *matcher) rank(q string, n int) []Suggestion {
	an, ranked, _ := m.classify(q)
	if len(ranked) == 0 {
		return nil
	}
	cov := coverage(an)
	out := make([]Suggestion, 0, n)
	for _, s := range ranked[:min(n, len(ranked))] {
		out = append(out, Suggestion{Entry: m.classes[s.class], Confidence: m.entryConfidence(an, s, cov, false)})
	}
	return out
}

package faq

import (
	"math"
	"slices"
)

// Features are a question's words as the matcher reads them (folded,
// typo-corrected, stemmed, synonyms applied), for telling how alike two
// questions are (Similarity). Unlike the classifier's vector they keep the
// words the FAQ has never seen, which are exactly what an unanswered
// question is about. The zero value is an empty question.
type Features struct {
	keys []uint64  // sorted, unique
	vals []float32 // unit length per group, times the group weight
}

// Empty reports whether the question had no content word to compare.
func (f Features) Empty() bool { return len(f.keys) == 0 }

// Weights of the feature groups in Similarity: words and word pairs decide,
// character n-grams catch spelling variants.
const (
	clusterWordWeight = 0.8
	clusterCharWeight = 0.6
)

// Features analyses a question for Similarity. It is safe for concurrent
// use.
func (t *Table) Features(question string) Features {
	an := t.m.a.analyzeQuery(question)
	type kv struct {
		key   uint64
		group uint8
	}
	var raw []kv
	var content []string
	for _, term := range an.terms {
		if isStopWord(term) {
			continue
		}
		content = append(content, term)
	}
	for i, term := range content {
		raw = append(raw, kv{hashString(hashStart(kindWord), term), 0})
		if i > 0 {
			h := hashString(hashStart(kindBigram), content[i-1])
			h = (h ^ ' ') * fnvPrime
			raw = append(raw, kv{hashString(h, term), 0})
		}
	}
	var buf [64]byte
	for _, w := range an.raw {
		if isStopWord(w) {
			continue
		}
		if len(w) > len(buf)-2 {
			w = w[:len(buf)-2]
		}
		b := append(append(append(buf[:0], ' '), w...), ' ')
		for n := minGram; n <= maxGram; n++ {
			for i := 0; i+n <= len(b); i++ {
				h := hashStart(kindChar)
				for _, c := range b[i : i+n] {
					h = (h ^ uint64(c)) * fnvPrime
				}
				raw = append(raw, kv{h, 1})
			}
		}
	}
	if len(raw) == 0 {
		return Features{}
	}
	slices.SortFunc(raw, func(a, b kv) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	var f Features
	var groups []uint8
	for i := 0; i < len(raw); {
		j := i + 1
		for j < len(raw) && raw[j].key == raw[i].key {
			j++
		}
		f.keys = append(f.keys, raw[i].key)
		f.vals = append(f.vals, float32(1+math.Log(float64(j-i))))
		groups = append(groups, raw[i].group)
		i = j
	}
	var norms [2]float64
	for i, v := range f.vals {
		norms[groups[i]] += float64(v) * float64(v)
	}
	weights := [2]float64{clusterWordWeight, clusterCharWeight}
	for i := range f.vals {
		if n := norms[groups[i]]; n > 0 {
			f.vals[i] *= float32(weights[groups[i]] / math.Sqrt(n))
		}
	}
	return f
}

// Similarity is the cosine of two questions' Features: 1 for the same
// words, 0 for nothing in common.
func Similarity(a, b Features) float64 {
	var dot, na, nb float64
	for _, v := range a.vals {
		na += float64(v) * float64(v)
	}
	for _, v := range b.vals {
		nb += float64(v) * float64(v)
	}
	if na == 0 || nb == 0 {
		return 0
	}
	for i, j := 0, 0; i < len(a.keys) && j < len(b.keys); {
		switch {
		case a.keys[i] < b.keys[j]:
			i++
		case a.keys[i] > b.keys[j]:
			j++
		default:
			dot += float64(a.vals[i]) * float64(b.vals[j])
			i++
			j++
		}
	}
	return dot / math.Sqrt(na*nb)
}

// Centroid is the mean of several questions' Features, to compare one more
// question with a group of them.
func Centroid(fs []Features) Features {
	sum := make(map[uint64]float64)
	for _, f := range fs {
		for i, k := range f.keys {
			sum[k] += float64(f.vals[i])
		}
	}
	var c Features
	for k := range sum {
		c.keys = append(c.keys, k)
	}
	slices.Sort(c.keys)
	for _, k := range c.keys {
		c.vals = append(c.vals, float32(sum[k]/float64(len(fs))))
	}
	return c
}

// NormalizeQuestion folds a question the way the FAQ compares phrasings
// (case, diacritics, punctuation, spacing), so that two texts that differ
// only there normalise to the same string.
func NormalizeQuestion(q string) string { return phrasingKey(q) }

// Rank returns the n entries the matcher finds likeliest for q, best first,
// with their confidences, whatever the thresholds would decide.
func (t *Table) Rank(q string, n int) []Suggestion {
	if n <= 0 {
		return nil
	}
	return t.m.rank(q, n)
}

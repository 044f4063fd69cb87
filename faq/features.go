package faq

import (
	"math"
	"slices"
)

// Feature kinds, hashed into the feature key so that the word "fire" and the
// character trigram "fir" never collide.
const (
	kindWord   = 'w'
	kindBigram = 'b'
	kindChar   = 'c'
)

// Character n-gram lengths, taken inside word boundaries (" milan " gives
// " mi", "mil", ..., "an "): they carry typos, inflections and compounds the
// word features miss.
const (
	minGram = 3
	maxGram = 5
)

// featureGroupWeights scale the word and character parts of a vector after
// each is normalised to unit length.
const (
	wordGroupWeight = 1.0
	charGroupWeight = 1.0
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStart(kind byte) uint64 { return (fnvOffset ^ uint64(kind)) * fnvPrime }

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// rawFeature is a hashed feature and its group (0 words, 1 characters).
type rawFeature struct {
	key   uint64
	group uint8
}

// extract lists the features of an analysed text, repeats included.
func extract(an analysis, out []rawFeature) []rawFeature {
	out = out[:0]
	for i, t := range an.terms {
		out = append(out, rawFeature{key: hashString(hashStart(kindWord), t)})
		if i > 0 {
			h := hashString(hashStart(kindBigram), an.terms[i-1])
			h = (h ^ ' ') * fnvPrime
			out = append(out, rawFeature{key: hashString(h, t)})
		}
	}
	var buf [64]byte
	for _, w := range an.raw {
		if len(w) > len(buf)-2 {
			w = w[:len(buf)-2]
		}
		b := buf[:0]
		b = append(b, ' ')
		b = append(b, w...)
		b = append(b, ' ')
		for n := minGram; n <= maxGram; n++ {
			for i := 0; i+n <= len(b); i++ {
				h := hashStart(kindChar)
				for _, c := range b[i : i+n] {
					h = (h ^ uint64(c)) * fnvPrime
				}
				out = append(out, rawFeature{key: h, group: 1})
			}
		}
	}
	return out
}

// sparse is a feature vector: indices into the vocabulary and values.
type sparse struct {
	idx []int32
	val []float32
}

// vocabulary maps hashed features to dense indices and holds their idf.
type vocabulary struct {
	index map[uint64]int32
	idf   []float32
	group []uint8
}

// vectorize turns raw features into a weighted, normalised sparse vector.
// Features the vocabulary lacks are dropped: no weight was ever learnt for
// them. The result is sorted by index with no repeats.
func (v *vocabulary) vectorize(raw []rawFeature, dst sparse) sparse {
	dst.idx, dst.val = dst.idx[:0], dst.val[:0]
	for _, f := range raw {
		if i, ok := v.index[f.key]; ok {
			dst.idx = append(dst.idx, i)
		}
	}
	if len(dst.idx) == 0 {
		return dst
	}
	slices.Sort(dst.idx)
	// merge repeats into a sublinear term frequency, times idf
	n := 0
	for i := 0; i < len(dst.idx); {
		j := i + 1
		for j < len(dst.idx) && dst.idx[j] == dst.idx[i] {
			j++
		}
		tf := float32(1 + math.Log(float64(j-i)))
		dst.idx[n] = dst.idx[i]
		dst.val = append(dst.val, tf*v.idf[dst.idx[i]])
		n++
		i = j
	}
	dst.idx = dst.idx[:n]
	// unit length per group, then group weights
	var norms [2]float64
	for k, i := range dst.idx {
		norms[v.group[i]] += float64(dst.val[k]) * float64(dst.val[k])
	}
	scale := [2]float32{}
	for g, w := range [2]float64{wordGroupWeight, charGroupWeight} {
		if norms[g] > 0 {
			scale[g] = float32(w / math.Sqrt(norms[g]))
		}
	}
	for k, i := range dst.idx {
		dst.val[k] *= scale[v.group[i]]
	}
	return dst
}

// maxWeights bounds the classifier's size (features x classes, 4 bytes
// each): a large FAQ keeps its most widespread features, and the rare ones
// (mostly word pairs and character n-grams seen in one phrasing) go first.
const maxWeights = 6_000_000

// buildVocabulary indexes the features of the training texts, keeping at
// most maxFeatures of them, and computes smoothed idf weights.
func buildVocabulary(docs [][]rawFeature, maxFeatures int) *vocabulary {
	type stat struct {
		key   uint64
		df    int32
		group uint8
	}
	var stats []stat
	index := make(map[uint64]int32)
	seen := make(map[uint64]bool)
	for _, doc := range docs {
		clear(seen)
		for _, f := range doc {
			if seen[f.key] {
				continue
			}
			seen[f.key] = true
			i, ok := index[f.key]
			if !ok {
				i = int32(len(stats))
				index[f.key] = i
				stats = append(stats, stat{key: f.key, group: f.group})
			}
			stats[i].df++
		}
	}
	if len(stats) > maxFeatures {
		// stable: among equal counts, features met first stay
		slices.SortStableFunc(stats, func(a, b stat) int { return int(b.df - a.df) })
		stats = stats[:maxFeatures]
		clear(index)
		for i, st := range stats {
			index[st.key] = int32(i)
		}
	}
	v := &vocabulary{index: index, idf: make([]float32, len(stats)), group: make([]uint8, len(stats))}
	n := float64(len(docs))
	for i, st := range stats {
		v.idf[i] = float32(math.Log((1+n)/(1+float64(st.df))) + 1)
		v.group[i] = st.group
	}
	return v
}

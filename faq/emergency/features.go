package emergency

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Features are hashed: no vocabulary is kept, and a word never seen in
// training costs one lookup of a weight that is zero.
const (
	detectorBits = 18 // 256K weights, 1 MB: small enough to stay in cache while training
	langBits     = 16 // 64K buckets per language
)

// Feature kinds, hashed into the feature so that the word "fire" and the
// character trigram "fir" never collide.
const (
	fWord    = 'w'
	fPair    = 'p'
	fChar    = 'c'
	fCJK     = 'u'
	fEmoji   = 'e'
	fFlag    = 'f'
	fAccent  = 'a'
	fConcept = 'k'
)

// Character n-gram lengths of Latin-script words, taken with the word's
// boundaries (" fire " gives " fir", " fire", " fire ", "fire", ...): they
// carry inflections, typos and compounds across languages that word
// features miss. Longer grams than the intent classifier's 3-5 cross-validate
// better here: the corpus is full of near misses that share stems.
const (
	minGram = 4
	maxGram = 6
)

const maxWord = 24 // longer words are cut: a pasted URL is no signal

// Feature groups: each is normalised to unit length on its own, so that the
// many character n-grams do not drown the few word features.
const (
	groupWord uint8 = iota
	groupChar
)

// feature is one hashed feature of one token.
type feature struct {
	h     uint64
	tok   int32
	group uint8
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStart(kind byte) uint64 { return (fnvOffset ^ uint64(kind)) * fnvPrime }

func hashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

func hashRune(r rune) uint32 {
	h := hashStart(fAccent)
	for r > 0 {
		h = (h ^ uint64(r&0xff)) * fnvPrime
		r >>= 8
	}
	return uint32(h >> 32)
}

// mix finalises a hash so that its low and high bits are both usable.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// Window-level flags.
var (
	flagBang = mix(hashBytes(hashStart(fFlag), []byte("!")))
	flagAsk  = mix(hashBytes(hashStart(fFlag), []byte("?")))
)

// wordHash is the hash of a word token, also used by the lexicon.
func wordHash(b []byte) uint64 { return mix(hashBytes(hashStart(fWord), b)) }

// pairHash combines two word hashes into the hash of the pair.
func pairHash(a, b uint64) uint64 { return mix(a*31 ^ b ^ uint64(fPair)<<56) }

// extract lists the features of every token into s.feats.
func (s *scratch) extract() {
	s.feats = s.feats[:0]
	s.masks = slices.Grow(s.masks[:0], len(s.toks))[:len(s.toks)]
	clear(s.masks)
	for i, t := range s.toks {
		if t.bang {
			s.masks[i] |= bitBang
		}
		if t.ask {
			s.masks[i] |= bitAsk
		}
	}
	var prev uint64 // hash of the previous word token, 0 if none
	var buf [maxWord + 2]byte
	for i, t := range s.toks {
		ti := int32(i)
		b := s.text(t)
		switch t.kind {
		case kindWord:
			if len(b) > maxWord {
				b = b[:maxWord]
			}
			wh := wordHash(b)
			stop := stopWords[wh]
			if t.plain != 0 { // a false friend in its ordinary sense: no concept, features of its own
				wh = saltHash(wh, t.plain)
			} else {
				s.concept(wh, ti)
			}
			if !stop { // style, not content: see stopWords
				s.feats = append(s.feats, feature{h: wh, tok: ti})
			}
			if prev != 0 {
				s.feats = append(s.feats, feature{h: pairHash(prev, wh), tok: ti})
			}
			prev = wh
			g := buf[:0]
			g = append(g, ' ')
			g = append(g, b...)
			g = append(g, ' ')
			for lo := 0; lo+minGram <= len(g); lo++ {
				h := saltHash(hashStart(fChar), t.plain)
				for n := 1; n <= maxGram && lo+n <= len(g); n++ {
					h = (h ^ uint64(g[lo+n-1])) * fnvPrime
					if n >= minGram {
						s.feats = append(s.feats, feature{h: mix(h), tok: ti, group: groupChar})
					}
				}
			}
		case kindCJK:
			h := mix(hashBytes(hashStart(fCJK), b))
			if !hiragana(b) { // grammar, not content: see hiragana
				s.feats = append(s.feats, feature{h: h, tok: ti, group: groupChar})
			}
			s.concept(h, ti)
			if t.joined {
				p := s.toks[i-1]
				h2 := mix(hashBytes(hashStart(fCJK), s.buf[p.start:t.end]))
				s.feats = append(s.feats, feature{h: h2, tok: ti})
				s.concept(h2, ti)
			}
			prev = 0
		case kindEmoji:
			wh := mix(hashBytes(hashStart(fEmoji), b))
			s.feats = append(s.feats, feature{h: wh, tok: ti})
			s.concept(wh, ti)
			prev = 0
		}
	}
}

// concept adds the concept features of a word, if it has any, and marks
// the token with them.
func (s *scratch) concept(h uint64, ti int32) {
	if m, ok := conceptOf[h]; ok {
		s.masks[ti] |= m
		for i := 0; m != 0; i, m = i+1, m>>1 {
			if m&1 != 0 {
				s.feats = append(s.feats, feature{h: conceptHash[i], tok: ti})
			}
		}
	}
}

// detIndex and langIndex map a feature hash into the two models' tables.
func detIndex(h uint64) uint32  { return uint32(h) & (1<<detectorBits - 1) }
func langIndex(h uint64) uint32 { return uint32(h>>40) & (1<<langBits - 1) }

// evidence is what token i adds to a message's evidence (see
// fullEvidence), in halves: 2 for a word other than a function word or for
// an emoji, 1 for a Chinese or Japanese character, 0 otherwise.
func (s *scratch) evidence(i int) int32 {
	t := s.toks[i]
	switch t.kind {
	case kindEmoji:
		return 2
	case kindCJK:
		if hiragana(s.text(t)) {
			return 0
		}
		return 1
	}
	b := s.text(t)
	if len(b) > maxWord {
		b = b[:maxWord]
	}
	if stopWords[wordHash(b)] {
		return 0
	}
	return 2
}

// invSqrt is 1/sqrt(n), 0 for n = 0.
func invSqrt(n float32) float32 {
	if n <= 0 {
		return 0
	}
	return float32(1 / math.Sqrt(float64(n)))
}

// stopWords are the function words of the Latin-script languages. They get
// no word feature of their own (their character n-grams, pairs and
// concepts stay): in the corpus, emergencies are told at length and calm
// messages are short questions, so "and" and "the" learnt to sound
// alarming, and a long calm story read as an emergency.
var stopWords = func() map[uint64]bool {
	m := make(map[uint64]bool)
	for _, w := range strings.Fields(`the a an and or but of to in on at for with by from as so is are was were be been it its this that these those there here then than
		il lo la i gli le un una uno e o ma di a da in su per con tra fra che del della dei delle al alla nel nella sul sulla
		el los las unos unas y pero de en por para con es que del al
		le les un une des et ou mais de en pour avec par est que du au aux dans sur
		der die das den dem des ein eine einen einem und oder aber von zu im mit ist dass auf fur bei
		o os as um uma uns umas e ou mas de em para com por que do da dos das no na nos nas ao`) {
		m[wordHash([]byte(w))] = true
	}
	return m
}()

// hiragana reports whether a CJK token is a hiragana character. Alone,
// one is grammar (particles, endings) and gets no feature; in bigrams it
// still counts. Emergencies in the corpus are longer and richer in grammar
// than calm messages, so alone they learnt to sound alarming, and
// "おやすみ" read as an emergency.
func hiragana(b []byte) bool {
	r, _ := utf8.DecodeRune(b)
	return r >= 0x3040 && r <= 0x309F
}

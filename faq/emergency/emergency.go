// Package emergency tells whether a message describes an emergency in
// progress, in any of eight languages (en it es fr de pt zh ja), and which
// language it is written in.
//
// The detector is a logistic regression over hashed features of the folded
// message: character 4-6-grams of words (character unigrams and bigrams for
// Chinese and Japanese), words and word pairs, the "!" and "?" marks, and
// concepts shared by all the languages (laughter, the past, the news, blood,
// weapons, kin, ...) with the pairs of concepts a message holds. It is
// trained when first used, in well under 200 ms, from the corpus embedded
// from train/*.tsv; training is deterministic. A long message is scored in
// overlapping windows and its most alarming window decides, so an emergency
// in the last sentence of a long message counts as much as one alone. Under
// the model lies a small lexicon: cries ("help!", "aiuto", "socorro", "救命",
// "助けて", 🆘, 🚑) and alarms ("there's a fire") make a message urgent,
// danger words ("not breathing", "bewusstlos") possible, so that the words
// everyone uses never depend on what the model learnt. A word that is an
// emergency in one language and an everyday word in another (German
// "Brand", English "brand") is read in the sense of the message's language
// (see falseFriend).
//
// The package knows nothing of FAQs: it grades text. Everything here is safe
// for concurrent use.
package emergency

import (
	"math"
	"sync"
)

// Level grades how much a message reads like an emergency in progress.
type Level int

// The three levels.
const (
	// None: nothing suggests danger.
	None Level = iota
	// Possible: a signal of danger, not a certain one.
	Possible
	// Urgent: an emergency in progress.
	Urgent
)

// String is "none", "possible" or "urgent".
func (l Level) String() string {
	switch l {
	case Urgent:
		return "urgent"
	case Possible:
		return "possible"
	}
	return "none"
}

// Thresholds on the model's score that give the three levels. The score is
// trained towards 1 for urgent messages, 0.5 for possible ones and 0 for
// calm ones.
const (
	PossibleAt = 0.25
	UrgentAt   = 0.8
)

// Window sizes, in tokens (a word, a CJK character or an emoji): a message
// longer than window is scored in windows of that many tokens, each starting
// stride tokens after the last, and the last ending with the message.
const (
	window = 24
	stride = 12
)

// Assessment is what Detect found in a message.
type Assessment struct {
	Level Level
	// Score is the model's score of the most alarming window, in [0, 1].
	Score float64
	// Floor is the lexicon's level, which Level never goes under.
	Floor Level
	// Language is the ISO 639-1 code of the message's language: one of
	// en it es fr de pt zh ja, "en" when unsure.
	Language string
}

// Detector grades messages. A Detector is immutable and safe for concurrent
// use.
type Detector struct {
	w    []float32
	bias float32
	lang *langModel
	pool sync.Pool
}

var (
	defaultOnce sync.Once
	defaultDet  *Detector
)

// Default returns the detector trained on the embedded corpus. The first
// call trains it; later calls return the same one. Lines of the corpus that
// do not parse are skipped (a test keeps the corpus clean).
func Default() *Detector {
	defaultOnce.Do(func() {
		ex, _ := Corpus()
		defaultDet = Train(ex)
	})
	return defaultDet
}

// Train builds a detector from labelled examples. Examples whose label is
// not urgent, possible or calm are ignored; the language model learns from
// the examples whose language is one of en it es fr de pt.
func Train(examples []Example) *Detector {
	s := new(scratch)
	vs := make([]vector, 0, len(examples))
	counts := make([]float32, (1<<langBits)*nLatin)
	var totals [nLatin]float32
	var perLabel [3]int
	var labels []int
	// the examples with false friends, vectorised again once the language
	// model is trained: vs[v] is examples[e]'s
	var redo []struct{ v, e int }
	for ei, e := range examples {
		y, ok := targets[e.Label]
		if !ok {
			continue
		}
		s.tokenize(e.Text)
		s.extract()
		if l := latinIndex(e.Lang); l >= 0 {
			s.countLang(counts, &totals, l)
		}
		if len(s.toks) == 0 {
			continue
		}
		var v vector
		if s.hasFriends() {
			redo = append(redo, struct{ v, e int }{len(vs), ei})
		} else {
			v = s.vectorize()
		}
		v.y = y
		vs = append(vs, v)
		labels = append(labels, labelIndex(e.Label))
		perLabel[labelIndex(e.Label)]++
	}
	d := &Detector{lang: trainLang(counts, totals)}
	// A false friend's sense depends on the message's language, which
	// the language model just trained tells, as Detect will.
	for _, r := range redo {
		s.tokenize(examples[r.e].Text)
		s.extract()
		d.prepare(s)
		v := s.vectorize()
		v.y = vs[r.v].y
		vs[r.v] = v
	}
	// Each label weighs as much in all as the others, whatever their counts.
	var wt [3]float32
	for i, n := range perLabel {
		if n > 0 {
			wt[i] = float32(len(vs)) / float32(3*n)
		}
	}
	for i, l := range labels {
		vs[i].w = wt[l]
	}
	d.w, d.bias = trainWeights(vs)
	d.pool.New = func() any { return new(scratch) }
	return d
}

func labelIndex(label string) int {
	switch label {
	case LabelUrgent:
		return 0
	case LabelPossible:
		return 1
	}
	return 2
}

// Detect grades a message and identifies its language. It reads the whole
// message up to MaxBytes, in time linear in its length, and never fails.
func (d *Detector) Detect(text string) Assessment {
	s := d.pool.Get().(*scratch)
	defer d.pool.Put(s)
	s.tokenize(text)
	s.extract()
	a := Assessment{Language: d.prepare(s)}
	a.Floor = s.floor()
	a.Score = d.phraseScore(s, a.Floor)
	switch {
	case a.Score >= UrgentAt:
		a.Level = Urgent
	case a.Score >= PossibleAt:
		a.Level = Possible
	}
	a.Level = max(a.Level, a.Floor)
	return a
}

// Language returns the ISO 639-1 code of the language text is written in
// (en it es fr de pt zh ja), or "en" when unsure.
func (d *Detector) Language(text string) string {
	s := d.pool.Get().(*scratch)
	defer d.pool.Put(s)
	s.tokenize(text)
	s.extract()
	return d.language(s)
}

// tokStat is a prefix sum over tokens of what a window's score needs.
type tokStat struct {
	sw, sc    float64 // weights of word-group and character-group features
	nw, nc    float64 // their counts
	bang, ask int32
	ev        int32 // evidence: twice the content words and emoji, once the CJK characters
}

// Evidence, in content tokens (words other than function words, emoji; a
// Chinese or Japanese character counts half): a score resting on less than
// fullEvidence is shrunk towards the prior in proportion, and one resting on
// less than urgentEvidence is at most possible unless the lexicon says
// otherwise. A learnt weight is an average over the messages a feature
// appeared in; alone, one common word ("no", "everyone") is no evidence of
// an emergency, however often it appeared in emergencies.
const (
	fullEvidence   = 2
	urgentEvidence = 2
)

// score returns the model's score of the most alarming window.
func (d *Detector) score(s *scratch) float64 {
	n := len(s.toks)
	if n == 0 {
		return 0
	}
	st := s.tokStats[:0]
	st = append(st, make([]tokStat, n+1)...)
	for _, f := range s.feats {
		ts := &st[f.tok+1]
		wv := float64(d.w[detIndex(f.h)])
		if f.group == groupWord {
			ts.sw += wv
			ts.nw++
		} else {
			ts.sc += wv
			ts.nc++
		}
	}
	for i, t := range s.toks {
		c, p := &st[i+1], st[i]
		c.ev = p.ev + s.evidence(i)
		c.sw += p.sw
		c.sc += p.sc
		c.nw += p.nw
		c.nc += p.nc
		c.bang = p.bang
		c.ask = p.ask
		if t.bang {
			c.bang++
		}
		if t.ask {
			c.ask++
		}
	}
	s.tokStats = st
	wBang, wAsk := float64(d.w[detIndex(flagBang)]), float64(d.w[detIndex(flagAsk)])
	best := math.Inf(-1)
	for lo := 0; ; lo += stride {
		hi := min(lo+window, n)
		lo = max(0, min(lo, hi-window))
		a, b := st[lo], st[hi]
		sw, nw := b.sw-a.sw, b.nw-a.nw
		if b.bang > a.bang {
			sw += wBang
			nw++
		}
		if b.ask > a.ask {
			sw += wAsk
			nw++
		}
		var mask uint64
		for _, m := range s.masks[lo:hi] {
			mask |= m
		}
		s.pairs = conceptPairs(mask, s.pairs[:0])
		for _, h := range s.pairs {
			sw += float64(d.w[detIndex(h)])
		}
		nw += float64(len(s.pairs))
		z := wordWeight*sw/math.Sqrt(max(nw, minWords)) + charWeight*(b.sc-a.sc)/math.Sqrt(max(b.nc-a.nc, minChars))
		ev := float64(b.ev-a.ev) / 2
		z = float64(d.bias) + z*min(1, ev/fullEvidence)
		if ev < urgentEvidence {
			z = min(z, logit(UrgentAt)-1e-9)
		}
		best = max(best, z)
		if hi == n {
			break
		}
	}
	return sigmoid(best)
}

// langMargin is how much more likely (in nats) another language must be
// than English for a Latin-script message to be called that language: a
// short or mixed message stays English.
const langMargin = 2.0

// langTokens is how many tokens of a message the language model reads.
const langTokens = 256

// prepare identifies the language of the tokenised and extracted text and
// reads its false friends in their ordinary sense where that language says
// so, extracting the features again if it did. It returns the language.
func (d *Detector) prepare(s *scratch) string {
	lang := d.language(s)
	if s.hasFriends() && d.readOrdinary(s, lang) {
		s.extract()
	}
	return lang
}

// language identifies the language of tokenised text: by script for
// Chinese and Japanese, by the language model for the others.
func (d *Detector) language(s *scratch) string {
	cjk := s.kana + s.han
	if cjk > 0 && 3*cjk >= s.latin {
		if s.kana > 0 {
			return "ja"
		}
		return "zh"
	}
	if s.latin < 3 {
		return "en"
	}
	var sc [nLatin]float64
	lp := d.lang.logp
	for _, f := range s.feats {
		if f.tok >= langTokens {
			break // enough to tell a language
		}
		if s.toks[f.tok].kind != kindWord {
			continue
		}
		row := lp[int(langIndex(f.h))*nLatin:][:nLatin]
		for l := range sc {
			sc[l] += float64(row[l])
		}
	}
	for _, a := range s.langOnly {
		row := lp[int(a&(1<<langBits-1))*nLatin:][:nLatin]
		for l := range sc {
			sc[l] += float64(row[l])
		}
	}
	best := 0
	for l := range sc {
		if sc[l] > sc[best] {
			best = l
		}
	}
	// The n-grams alone do not name a language: a name ("JD Vance",
	// "Giorgia Meloni") or an English word with a French look
	// ("journalists") would. The message must also show the language.
	margin := sc[best] - sc[0]
	if best != 0 && (margin < langMargin || !s.showsLanguage(best)) {
		return "en"
	}
	return latinLangs[best]
}

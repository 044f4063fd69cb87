package emergency

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Labels of the training corpus and the soft targets the detector learns
// for them: a "possible" message sits between the two.
const (
	LabelUrgent   = "urgent"
	LabelPossible = "possible"
	LabelCalm     = "calm"
)

var targets = map[string]float32{LabelUrgent: 1, LabelPossible: 0.5, LabelCalm: 0}

// Training knobs. Training is plain stochastic gradient descent on the
// logistic loss with L2 decay, in a fixed shuffled order, the weights
// averaged over the second half of the epochs: the same corpus always gives
// the same weights. The figures come from cross-validation on the corpus
// (TestCrossValidation).
const (
	epochs      = 12
	rate0       = 0.4
	lambda      = 1e-5
	averageFrom = epochs / 2
	seed        = 0x656d6572
	minGradient = 1e-3 // the smallest gradient an example is trained on
	nbAlpha     = 0.1  // add-alpha smoothing of the language model's counts
	// fixedBias is held, not learnt: a message of words the corpus never
	// showed scores sigmoid(-2) = 0.12, calm. Learnt, the bias leans
	// towards alarm, since the corpus is made of emergencies and near
	// misses, not of the ordinary questions most messages are.
	fixedBias = -2.0
	// The word and character groups of a vector are each scaled to this
	// length.
	wordWeight = 3
	charWeight = 3
	// minWords and minChars are the feature counts a group is normalised
	// as if it had at least: a group of fewer features gets a shorter
	// vector, so a message of one or two words rests on little evidence
	// and scores near the prior. Normalised to unit length, "no" alone
	// scored 0.997: its two features, frequent in Spanish and Portuguese
	// emergencies, carried the whole length. A typical word gives about
	// 12 character n-grams and, with its pair and concepts, 2-3 word
	// features.
	minWords = 6
	minChars = 24
)

// vector is one training text as the detector sees it.
type vector struct {
	idx []uint32
	val []float32
	y   float32
	w   float32 // example weight, balancing the labels
}

// vectorize turns the features of a whole text into one normalised vector,
// the same way window scores it (see windowScores).
func (s *scratch) vectorize() vector {
	var n [2]float32
	bang, ask := false, false
	for _, t := range s.toks {
		bang = bang || t.bang
		ask = ask || t.ask
	}
	for _, f := range s.feats {
		n[f.group]++
	}
	var mask uint64
	for _, m := range s.masks {
		mask |= m
	}
	s.pairs = conceptPairs(mask, s.pairs[:0])
	n[groupWord] += float32(len(s.pairs))
	if bang {
		n[groupWord]++
	}
	if ask {
		n[groupWord]++
	}
	norm := [2]float32{wordWeight * invSqrt(max(n[0], minWords)), charWeight * invSqrt(max(n[1], minChars))}
	v := vector{idx: make([]uint32, 0, len(s.feats)+2), val: make([]float32, 0, len(s.feats)+2)}
	for _, f := range s.feats {
		v.idx = append(v.idx, detIndex(f.h))
		v.val = append(v.val, norm[f.group])
	}
	for _, h := range s.pairs {
		v.idx = append(v.idx, detIndex(h))
		v.val = append(v.val, norm[groupWord])
	}
	if bang {
		v.idx = append(v.idx, detIndex(flagBang))
		v.val = append(v.val, norm[groupWord])
	}
	if ask {
		v.idx = append(v.idx, detIndex(flagAsk))
		v.val = append(v.val, norm[groupWord])
	}
	return v
}

// trainWeights fits the detector's logistic regression.
func trainWeights(vs []vector) (w []float32, bias float32) {
	w = make([]float32, 1<<detectorBits)
	if len(vs) == 0 {
		return w, 0
	}
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	scale := 1.0 // w_true = scale * w, so that decay costs one multiplication
	total := float64(epochs * len(vs))
	step := 0
	b := float64(fixedBias)
	var avg []float32
	var avgB float64
	averaged := 0
	for ep := range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			v := vs[i]
			val := v.val[:len(v.idx)]
			var acc float32
			for k, f := range v.idx {
				acc += w[f] * val[k]
			}
			p := sigmoid(b + scale*float64(acc))
			g := (p - float64(v.y)) * float64(v.w)
			eta := rate0 / (1 + 4*float64(step)/total)
			step++
			scale *= 1 - eta*lambda
			if g < minGradient && g > -minGradient {
				continue // learnt: an update would change nothing that matters
			}
			if scale < 1e-6 {
				for k := range w {
					w[k] *= float32(scale)
				}
				scale = 1
			}
			d := float32(eta * g / scale)
			for k, f := range v.idx {
				w[f] -= d * val[k]
			}
		}
		if ep >= averageFrom {
			if avg == nil {
				avg = make([]float32, len(w))
			}
			for k := range w {
				avg[k] += w[k] * float32(scale)
			}
			avgB += b
			averaged++
		}
	}
	if averaged > 0 {
		for k := range avg {
			avg[k] /= float32(averaged)
		}
		return avg, float32(avgB / float64(averaged))
	}
	for k := range w {
		w[k] *= float32(scale)
	}
	return w, float32(b)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// latinLangs are the languages told apart by the language model; Chinese
// and Japanese are told by their script.
var latinLangs = [...]string{"en", "it", "es", "fr", "de", "pt"}

const nLatin = len(latinLangs)

func latinIndex(lang string) int {
	for i, l := range latinLangs {
		if l == lang {
			return i
		}
	}
	return -1
}

// langModel is a multinomial naive Bayes over the words, character n-grams
// and accented letters of Latin-script text: logp[bucket*nLatin+lang].
type langModel struct {
	logp []float32
}

// trainLang counts features per language and turns the counts into
// smoothed log probabilities.
func trainLang(counts []float32, totals [nLatin]float32) *langModel {
	m := &langModel{logp: make([]float32, len(counts))}
	buckets := float64(len(counts) / nLatin)
	for l := range nLatin {
		den := math.Log(float64(totals[l]) + nbAlpha*buckets)
		for bkt := 0; bkt < len(counts)/nLatin; bkt++ {
			if seen := counts[bkt*nLatin:][:nLatin]; !slices.ContainsFunc(seen, func(c float32) bool { return c > 0 }) {
				// never seen in training: no evidence for any language.
				// Smoothed, it favoured the language of the smallest
				// corpus, so that "asdfghjkl" read as German.
				continue
			}
			c := counts[bkt*nLatin+l]
			m.logp[bkt*nLatin+l] = float32(math.Log(float64(c)+nbAlpha) - den)
		}
	}
	return m
}

// countLang adds the language features of the tokenised text to counts.
func (s *scratch) countLang(counts []float32, totals *[nLatin]float32, l int) {
	for _, f := range s.feats {
		if s.toks[f.tok].kind != kindWord {
			continue
		}
		counts[int(langIndex(f.h))*nLatin+l]++
		totals[l]++
	}
	for _, a := range s.langOnly {
		counts[int(a&(1<<langBits-1))*nLatin+l]++
		totals[l]++
	}
}

// functionWords are words of each language other than English that are
// not English words too: the evidence, with diacritics, that a message is
// written in that language. Naive Bayes alone guesses from too little: the
// n-grams of "journalists" or "reload" are as French or Italian as they are
// English, and a name ("JD Vance") is of no language at all.
var functionWords = func() map[uint64]uint8 {
	m := make(map[uint64]uint8)
	for l, ws := range [nLatin]string{
		1: `il lo la gli le un una uno di da su per con tra fra che del della dei delle al alla nel nella sul sulla non sono ho ha hanno mi ci si mio mia miei suo sua questo questa quello quella come dove quando perche cosa chi anche ancora molto sta sto stanno siamo era c e ed ma piu gia qui qua li oggi adesso subito aiuto grazie ciao buongiorno buonasera salve prego scusa bene male prova vero anzi allora quanto quanti quale devo posso serve servono fa fare hai abbiamo mio nostro uno fuoco incendio soccorso emergenza aiutatemi chiamate se sulle erano stasera favore sangue polizia ambulanza`,
		2: `el los las unos unas y pero en por para con es que del al mi mis tu su sus esta estoy estan hay muy donde como cuando porque quien tambien ya aqui alli hoy ahora se le les lo nos yo usted ella ellos una uno gracias hola ayuda socorro auxilio buenos buenas dias noches vale claro bueno bien mal prueba cuanto cuantos cual tengo tiene necesito puedo hace hacer mucho fuego incendio emergencia ayudame llamen de estaba este estos son va saludos dale buen`,
		3: `le les un une des et ou mais en pour avec par est que du au aux dans sur je tu il elle nous vous ils elles mon ma mes ton ta son sa ce cette qui quoi ne pas plus tres ou quand comment pourquoi suis sont ai avez ont c j l qu s y merci bonjour bonsoir salut oui non aide secours bien mal faut peut fait faire combien quel quelle avec chez feu urgence appelez aidez de bon bonne nuit on trop coucou pardon`,
		4: `der das den dem des ein eine einen einem und oder aber von zu im mit ist dass auf bei ich du er sie wir ihr mein meine nicht kein keine ja nein wo wie wann warum wer sind bin hat haben auch noch sehr hier jetzt schon bitte danke hilfe hallo servus moin tschuss guten gute morgen tag abend nacht gut schlecht wie viel welche welcher kann muss brauche gibt feuer notfall brennt helft ruft es am vom beim sich unserem vor`,
		5: `o os um uma uns umas e ou mas em para com por que do da dos das na nos nas ao eu voce ele ela nos eles meu minha seu sua esta estou estao tem nao sim muito onde como quando porque quem tambem ja aqui agora obrigado obrigada ajuda socorro oi tchau bom boa dia noite tudo beleza valeu tenho preciso vou vai quanto qual fogo incendio emergencia ajudem chamem de esse estava teve fim mesmo depois bem logo`,
	} {
		for _, w := range strings.Fields(ws) {
			if !englishWords[w] {
				m[wordHash([]byte(w))] |= 1 << l
			}
		}
	}
	return m
}()

// englishWords are the English words the other languages' function words
// include ("no", "die", "con"), which prove nothing.
var englishWords = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`a i o in on no so as an am be to me he we us do go is it at by or if of die hat was will also man war bin con per sin ma ta la e y s un`) {
		m[w] = true
	}
	return m
}()

// showsLanguage reports whether the tokenised text shows evidence of the
// Latin-script language l (an index into latinLangs) beside its n-grams: a
// function word of l, or a letter with a diacritic.
func (s *scratch) showsLanguage(l int) bool {
	if len(s.langOnly) > 0 {
		return true
	}
	for i, t := range s.toks {
		if i >= langTokens {
			break
		}
		if t.kind != kindWord {
			continue
		}
		b := s.text(t)
		if len(b) > maxWord {
			b = b[:maxWord]
		}
		if functionWords[wordHash(b)]&(1<<l) != 0 {
			return true
		}
	}
	return false
}
